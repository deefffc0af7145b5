import { useEffect, useRef, useState } from 'react';
import type { ConfigPreview } from '../../../src-shared/api';
import { Collection } from '../../../src-shared/api/topics';
import { dateTime } from '../../format';
import { useOperator } from '../../hooks/useOperator';
import { useAction, useQuery } from '../../hooks/useQuery';
import { ActionButton, Badge, ErrorNote, Panel } from '../ui';
import { CheckHost, ProbeNow, TestChannel } from './ItemActions';
import { emptyOf, Field, type Schema } from './SchemaForm';
import './config.css';

type Doc = Record<string, unknown>;
type Item = Record<string, unknown>;

/** The sections Settings edits: where each list lives in the document, and the test button its items get. */
const SECTIONS = [
  { id: 'channels', title: 'Channels', path: ['channels'], action: (n: string) => <TestChannel name={n} /> },
  { id: 'routes', title: 'Routes', path: ['routes'] },
  { id: 'hosts', title: 'Hosts', path: ['hosts'], action: (n: string) => <CheckHost name={n} /> },
  { id: 'probes', title: 'Probes', path: ['probes'], action: (n: string) => <ProbeNow name={n} /> },
  { id: 'hermes', title: 'Hermes rules', path: ['hermes', 'rules'] },
  { id: 'mutes', title: 'Mute windows', path: ['mutes'] },
] as const;
type Section = (typeof SECTIONS)[number];

const getIn = (o: unknown, path: readonly string[]): unknown =>
  path.reduce<unknown>((v, k) => (v && typeof v === 'object' ? (v as Doc)[k] : undefined), o);
function setIn(o: Doc, path: readonly string[], v: unknown): Doc {
  const [k, ...rest] = path;
  return { ...o, [k!]: rest.length ? setIn((o[k!] as Doc) ?? {}, rest, v) : v };
}
const schemaAt = (root: Schema, path: readonly string[]): Schema | undefined =>
  path.reduce<Schema | undefined>((s, k) => s?.properties?.[k], root);
const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

function itemTitle(s: Section, item: Item, i: number): string {
  if (s.id === 'routes') {
    const m = Object.entries((item.match as Doc) ?? {}).map(([k, v]) => `${k}=${String(v)}`);
    return `${m.length ? m.join(', ') : 'everything'} → ${((item.channels as string[]) ?? []).join(', ') || '(no channel)'}`;
  }
  const name = typeof item.name === 'string' && item.name ? item.name : `new ${s.title.toLowerCase()} ${i + 1}`;
  return typeof item.type === 'string' ? `${name} (${item.type})` : name;
}

/** A `{ secret: NAME }` field: the name is written to vigil.yaml, the value only to the secret store (write-only). */
function SecretField({ name, onName, label }: { name: string; onName(n: string): void; label: string }) {
  const input = useRef<HTMLInputElement>(null);
  const set = useAction('secrets.set');
  const [who] = useOperator();
  const [saved, setSaved] = useState(false);
  return (
    <span className="toolbar">
      <input aria-label={`${label} secret name`} value={name} placeholder="secret name" onChange={(e) => onName(e.target.value)} />
      <input
        ref={input}
        type="password"
        autoComplete="new-password"
        aria-label={`${label} secret value`}
        placeholder="value (write-only)"
      />
      <ActionButton
        action={set}
        type="button"
        disabled={!name}
        onClick={() => {
          const el = input.current;
          if (!el?.value) return;
          void set.run({ name, value: el.value, by: who.trim() || 'console' }).then((r) => {
            if (!r) return;
            el.value = '';
            setSaved(true);
          });
        }}
      >
        Store secret
      </ActionButton>
      {saved && <span className="ok-note">stored (not in the file)</span>}
      <ErrorNote error={set.error} />
    </span>
  );
}

function Items({
  s,
  schema,
  items,
  saved,
  onChange,
}: {
  s: Section;
  schema: Schema;
  items: Item[];
  saved: Item[];
  onChange(v: Item[]): void;
}) {
  const [open, setOpen] = useState<number | null>(null);
  const itemSchema = schema.items ?? {};
  return (
    <div className="config-items" data-testid={`config-${s.id}`}>
      {items.length === 0 && <p className="muted">None yet.</p>}
      {items.map((item, i) => {
        const name = typeof item.name === 'string' ? item.name : null;
        // Test buttons act on the running config: only for an item saved exactly as shown.
        const inForce = name !== null && saved.some((x) => x.name === name && same(x, item));
        return (
          <details key={i} className="config-item" open={open === i} onToggle={(e) => e.currentTarget.open && setOpen(i)}>
            <summary>
              {itemTitle(s, item, i)}
              {!saved.some((x) => same(x, item)) && <Badge tone="warning">not saved</Badge>}
            </summary>
            <Field
              schema={itemSchema}
              value={item}
              label={`${s.title} ${i + 1}`}
              onChange={(v) => onChange(items.map((x, j) => (j === i ? (v as Item) : x)))}
              secretField={(n, onName, label) => <SecretField name={n} onName={onName} label={label} />}
            />
            <div className="toolbar item-actions">
              {'action' in s && name && (inForce ? s.action(name) : <span className="muted">save to test it</span>)}
              <button type="button" className="danger" onClick={() => onChange(items.filter((_, j) => j !== i))}>
                Remove
              </button>
            </div>
          </details>
        );
      })}
      <button
        type="button"
        onClick={() => {
          onChange([...items, emptyOf((itemSchema.oneOf ?? itemSchema.anyOf)?.[0] ?? itemSchema) as Item]);
          setOpen(items.length);
        }}
      >
        + Add {s.title.toLowerCase().replace(/s$/, '')}
      </button>
    </div>
  );
}

function Diff({ text }: { text: string }) {
  const lines = text.split('\n').slice(2); // the two file headers say nothing new
  return (
    <pre className="diff" aria-label="Changes to be written">
      {lines.map((l, i) => (
        <span key={i} className={l.startsWith('+') ? 'add' : l.startsWith('-') ? 'del' : l.startsWith('@@') ? 'hunk' : undefined}>
          {l}
          {'\n'}
        </span>
      ))}
    </pre>
  );
}

/**
 * Settings → Configuration: forms for the lists in vigil.yaml, built from the config's JSON Schema.
 * Review shows the core's verdict (the same zod schema a reload uses) and the diff; Save writes the
 * file atomically (previous version kept as .prev) and reloads.
 */
export function ConfigEditor() {
  const q = useQuery('config.state', {}, { collections: [Collection.settings] });
  const preview = useAction('config.preview');
  const save = useAction('config.save');
  const reload = useAction('config.reload');
  const [who] = useOperator();
  const [draft, setDraft] = useState<Doc | null>(null);
  const [review, setReview] = useState<ConfigPreview | null>(null);
  const [tab, setTab] = useState<Section['id']>('channels');
  const state = q.data;
  const dirty = !!state && !!draft && !same(draft, state.document);
  // A reload or save elsewhere replaces an untouched draft; an edited one is kept (save then names the conflict).
  useEffect(() => {
    if (state && (!draft || !dirty)) setDraft(state.document);
  }, [state?.text]);
  if (!state || !draft) return <Panel title="Configuration">{<ErrorNote error={q.error} />}</Panel>;
  const root = state.schema as Schema;
  const s = SECTIONS.find((x) => x.id === tab)!;
  const by = who.trim() || 'console';
  const last = state.lastReload;
  return (
    <Panel
      title="Configuration"
      testId="config-editor"
      actions={
        <ActionButton action={reload} type="button" onClick={() => void reload.run({ by })}>
          {reload.pending ? 'Reloading…' : 'Reload from file'}
        </ActionButton>
      }
    >
      <p className="muted">
        <code>{state.file ?? '(embedded default: start with --data-dir or --config to edit)'}</code>
        {last && (
          <span data-testid="last-reload">
            {' '}
            · last reload {dateTime(last.at)} via {last.via}:{' '}
            {last.ok ? <Badge tone="ok">in force</Badge> : <Badge tone="critical">refused</Badge>}
          </span>
        )}
      </p>
      {last && !last.ok && (
        <ul className="error-note" role="alert" aria-label="Refused configuration">
          {last.issues.map((i) => (
            <li key={i}>{i}</li>
          ))}
          <li>The configuration running before stays in force.</li>
        </ul>
      )}
      <ErrorNote error={reload.error} />
      <nav className="tabs" aria-label="Configuration sections">
        {SECTIONS.map((x) => (
          <button key={x.id} type="button" aria-pressed={tab === x.id} onClick={() => setTab(x.id)}>
            {x.title} ({((getIn(draft, x.path) as unknown[]) ?? []).length})
          </button>
        ))}
      </nav>
      <Items
        key={s.id}
        s={s}
        schema={schemaAt(root, s.path) ?? {}}
        items={(getIn(draft, s.path) as Item[]) ?? []}
        saved={(getIn(state.document, s.path) as Item[]) ?? []}
        onChange={(v) => {
          setDraft(setIn(draft, s.path, v));
          setReview(null);
        }}
      />
      <div className="toolbar save-bar">
        <ActionButton
          action={preview}
          type="button"
          disabled={!dirty}
          onClick={() => void preview.run({ document: draft }).then(setReview)}
        >
          Review changes…
        </ActionButton>
        <button type="button" disabled={!dirty} onClick={() => (setDraft(state.document), setReview(null))}>
          Discard
        </button>
        {dirty && <span className="muted">unsaved changes</span>}
      </div>
      <ErrorNote error={preview.error ?? save.error} />
      {review && (
        <div className="review" data-testid="config-review">
          {review.valid ? (
            <p>This is what will be written to the file and put in force:</p>
          ) : (
            <ul className="error-note" role="alert" aria-label="Not valid">
              {review.issues.map((i) => (
                <li key={`${i.path}:${i.message}`}>
                  <code>{i.path}</code>: {i.message}
                </li>
              ))}
            </ul>
          )}
          <Diff text={review.diff} />
          <ActionButton
            action={save}
            type="button"
            className="primary"
            disabled={!review.valid}
            onClick={() =>
              void save.run({ document: draft, baseText: state.text, by }).then((r) => {
                if (!r) return;
                setReview(null);
                setDraft(null); // the saved file, as the core reads it back, becomes the new starting point
                q.refetch();
              })
            }
          >
            {save.pending ? 'Saving…' : 'Save and reload'}
          </ActionButton>
        </div>
      )}
    </Panel>
  );
}
