import type { JsonSchemaNode } from '../../../src-shared/json-schema';
import { useState } from 'react';

/**
 * Form fields generated from the config's JSON Schema (itself generated from the zod schema
 * the core validates with), so a form cannot offer a key the file would refuse. Validation is
 * the core's (config.preview): the form only shapes values.
 */
export type Schema = JsonSchemaNode;
type Value = unknown;
export interface FieldProps {
  schema: Schema;
  value: Value;
  onChange(v: Value): void;
  label: string;
  /** Rendered for `{ secret: NAME }` fields: the name goes in the file, the value to the secret store. */
  secretField?(name: string, onName: (n: string) => void, label: string): React.ReactNode;
}

const isObj = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const variantsOf = (s: Schema) => s.oneOf ?? s.anyOf;
export const isSecretRef = (s: Schema) => s.type === 'object' && !!s.properties?.secret && Object.keys(s.properties).length === 1;
const isDuration = (s: Schema) => !!s.description?.startsWith('a duration');
const typeConst = (s: Schema) => s.properties?.type?.const as string | undefined;
const omitType = (props: Schema['properties']) => Object.fromEntries(Object.entries(props ?? {}).filter(([k]) => k !== 'type'));
const hint = (s: Schema) => (s.default !== undefined && typeof s.default !== 'object' ? `default ${String(s.default)}` : undefined);

/** A variant's empty value: its required keys, the discriminator filled in. */
export function emptyOf(s: Schema): Value {
  if (s.type === 'object' || s.properties) {
    const out: Record<string, unknown> = {};
    const t = typeConst(s);
    if (t) out.type = t;
    return out;
  }
  if (s.type === 'array') return [];
  return undefined;
}

function Text({ value, onChange, label, placeholder }: { value: string; onChange(v: string): void; label: string; placeholder?: string }) {
  return <input aria-label={label} value={value} placeholder={placeholder} onChange={(e) => onChange(e.target.value)} />;
}

/** Free-form values the form has no widget for (Hermes plan steps): YAML-free JSON, applied when it parses. */
function JsonField({ value, onChange, label }: { value: Value; onChange(v: Value): void; label: string }) {
  const [text, setText] = useState(() => (value === undefined ? '' : JSON.stringify(value)));
  const [bad, setBad] = useState(false);
  return (
    <textarea
      aria-label={label}
      className={bad ? 'invalid' : undefined}
      value={text}
      rows={2}
      onChange={(e) => {
        setText(e.target.value);
        try {
          onChange(e.target.value.trim() ? JSON.parse(e.target.value) : undefined);
          setBad(false);
        } catch {
          setBad(true);
        }
      }}
    />
  );
}

export function Field(p: FieldProps) {
  const { schema: s, value, onChange, label } = p;
  const variants = variantsOf(s);
  if (isDuration(s) || (variants && variants.every((v) => v.type === 'number' || v.type === 'string'))) {
    return (
      <Text
        label={label}
        value={value === undefined ? '' : String(value)}
        placeholder={hint(s) ?? '30s, 5m, 1h…'}
        onChange={(t) => onChange(t === '' ? undefined : /^\d+$/.test(t) ? Number(t) : t)}
      />
    );
  }
  if (variants) {
    const tagged = variants.filter((v) => typeConst(v));
    if (tagged.length) {
      const current = tagged.find((v) => typeConst(v) === (value as { type?: string })?.type) ?? tagged[0]!;
      const obj = isObj(value) ? value : (emptyOf(current) as Record<string, unknown>);
      return (
        <>
          <label className="form-row">
            <span className="form-key">type</span>
            <select
              aria-label={`${label} type`}
              value={typeConst(current)}
              // Another type keeps only the name: the other keys belong to the old type.
              onChange={(e) => onChange({ ...(obj.name !== undefined ? { name: obj.name } : {}), type: e.target.value })}
            >
              {tagged.map((v) => (
                <option key={typeConst(v)}>{typeConst(v)}</option>
              ))}
            </select>
          </label>
          <ObjectFields {...p} schema={{ ...current, properties: omitType(current.properties) }} value={obj} />
        </>
      );
    }
    const plain = variants.find((v) => v.type !== 'null');
    return plain ? <Field {...p} schema={plain} /> : <JsonField value={value} onChange={onChange} label={label} />;
  }
  if (isSecretRef(s) && p.secretField) {
    const name = isObj(value) && typeof value.secret === 'string' ? value.secret : '';
    return <>{p.secretField(name, (n) => onChange(n ? { secret: n } : undefined), label)}</>;
  }
  if (s.const !== undefined) return <code>{String(s.const)}</code>;
  if (s.enum) {
    return (
      <select aria-label={label} value={value === undefined ? '' : String(value)} onChange={(e) => onChange(e.target.value || undefined)}>
        <option value="">{hint(s) ?? '—'}</option>
        {s.enum.map((o) => (
          <option key={String(o)}>{String(o)}</option>
        ))}
      </select>
    );
  }
  if (s.type === 'boolean') {
    return <input type="checkbox" aria-label={label} checked={value === true} onChange={(e) => onChange(e.target.checked)} />;
  }
  if (s.type === 'integer' || s.type === 'number') {
    return (
      <input
        type="number"
        aria-label={label}
        value={value === undefined ? '' : String(value)}
        placeholder={hint(s)}
        onChange={(e) => onChange(e.target.value === '' ? undefined : Number(e.target.value))}
      />
    );
  }
  if (s.type === 'array' && s.items) return <ArrayField {...p} schema={s} />;
  if (s.type === 'object' && s.properties) return <ObjectFields {...p} value={isObj(value) ? value : {}} />;
  if (s.type === 'object' && isObj(s.additionalProperties) && s.additionalProperties.type === 'string') {
    // Label matchers and the like: name=value pairs, comma separated.
    const text = isObj(value)
      ? Object.entries(value)
          .map(([k, v]) => `${k}=${String(v)}`)
          .join(', ')
      : '';
    return <PairsField text={text} label={label} onChange={onChange} />;
  }
  if (s.type === 'string' || s.type === undefined) {
    if (s.type === undefined) return <JsonField value={value} onChange={onChange} label={label} />;
    return (
      <Text label={label} value={typeof value === 'string' ? value : ''} placeholder={hint(s)} onChange={(t) => onChange(t || undefined)} />
    );
  }
  return <JsonField value={value} onChange={onChange} label={label} />;
}

function PairsField({ text, label, onChange }: { text: string; label: string; onChange(v: Value): void }) {
  const [draft, setDraft] = useState(text);
  return (
    <Text
      label={label}
      value={draft}
      placeholder="name=value, name=value"
      onChange={(t) => {
        setDraft(t);
        const pairs = t
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean)
          .map((x) => [
            x.slice(0, x.indexOf('=') < 0 ? x.length : x.indexOf('=')).trim(),
            x.includes('=') ? x.slice(x.indexOf('=') + 1).trim() : '',
          ]);
        onChange(pairs.length ? Object.fromEntries(pairs) : undefined);
      }}
    />
  );
}

function ArrayField(p: FieldProps) {
  const items = p.schema.items!;
  const list = Array.isArray(p.value) ? p.value : [];
  if (items.enum) {
    return (
      <span className="checks" role="group" aria-label={p.label}>
        {items.enum.map((o) => (
          <label key={String(o)} className="check">
            <input
              type="checkbox"
              checked={list.includes(o)}
              onChange={(e) => p.onChange(e.target.checked ? [...list, o] : list.filter((x) => x !== o))}
            />
            {String(o)}
          </label>
        ))}
      </span>
    );
  }
  if (items.type === 'object' || variantsOf(items)?.some((v) => v.type === 'object')) {
    if (!items.properties && !variantsOf(items)) return <JsonField value={p.value} onChange={p.onChange} label={p.label} />;
    return (
      <div className="subitems">
        {list.map((item, i) => (
          <div key={i} className="subitem">
            <Field
              {...p}
              schema={items}
              value={item}
              label={`${p.label} ${i + 1}`}
              onChange={(v) => p.onChange(list.map((x, j) => (j === i ? v : x)))}
            />
            <button type="button" onClick={() => p.onChange(list.filter((_, j) => j !== i))} aria-label={`Remove ${p.label} ${i + 1}`}>
              Remove
            </button>
          </div>
        ))}
        <button type="button" onClick={() => p.onChange([...list, emptyOf(items)])} aria-label={`Add ${p.label}`}>
          + {p.label}
        </button>
      </div>
    );
  }
  // Strings and names: comma separated.
  return <ListText {...p} list={list} />;
}

function ListText(p: FieldProps & { list: unknown[] }) {
  const [draft, setDraft] = useState(p.list.join(', '));
  return (
    <Text
      label={p.label}
      value={draft}
      placeholder="comma separated"
      onChange={(t) => {
        setDraft(t);
        const parts = t
          .split(',')
          .map((x) => x.trim())
          .filter(Boolean);
        p.onChange(parts.length ? parts : undefined);
      }}
    />
  );
}

/** An object's keys as labelled rows, required ones first; the discriminator `type` picks the variant. */
export function ObjectFields(p: FieldProps) {
  const s = p.schema;
  const value = isObj(p.value) ? p.value : {};
  const keys = Object.keys(s.properties ?? {});
  const req = new Set(s.required ?? []);
  const ordered = [...keys.filter((k) => req.has(k)), ...keys.filter((k) => !req.has(k))];
  return (
    <div className="form-grid">
      {ordered.map((k) => {
        const child = s.properties![k]!;
        const set = (v: Value) => {
          const next = { ...value };
          if (v === undefined) delete next[k];
          else next[k] = v;
          p.onChange(next);
        };
        return (
          <label key={k} className="form-row">
            <span className="form-key">
              {k}
              {req.has(k) && <span className="req"> *</span>}
            </span>
            <Field {...p} schema={child} value={value[k]} onChange={set} label={`${p.label} ${k}`} />
          </label>
        );
      })}
    </div>
  );
}
