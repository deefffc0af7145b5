import type { Handlers } from '../../../src-shared/api';
import type { CoreContext } from '../context';
import { configJsonSchema, diffText, documentOf, renderDocument, validateDocument, writeConfigFile } from '../config';
import type { LiveConfig } from '../config';
import { VigilError } from '../errors';

/** The schema never changes while Vigil runs; generating it costs ~50 ms of the event loop. */
let schema: Record<string, unknown> | null = null;
const jsonSchema = (): Record<string, unknown> => (schema ??= configJsonSchema());

export type ConfigMethods = 'config.reload' | 'config.state' | 'config.preview' | 'config.save';

/** Reload, read, preview and save vigil.yaml from the console (R-CHANGE-3; issue 15 "configure in the console"). */
export function configHandlers(ctx: CoreContext, live: LiveConfig): Pick<Handlers, ConfigMethods> {
  const currentText = (): string => live.text();
  const preview = (document: Record<string, unknown>) => {
    const before = currentText();
    const text = renderDocument(before, document);
    const issues = validateDocument(documentOf(text));
    return { valid: issues.length === 0, issues, diff: diffText(live.file ?? 'vigil.yaml', before, text), text };
  };
  return {
    'config.reload': ({ by }) => live.reload('console', by),
    'config.state': () => {
      const text = currentText();
      return {
        file: live.file,
        text,
        document: documentOf(text),
        lastReload: live.last(),
        schema: jsonSchema(),
      };
    },
    'config.preview': ({ document }) => preview(document),
    'config.save': async ({ document, baseText, by }) => {
      const file = live.file;
      if (!file)
        throw new VigilError(
          'unavailable',
          'This Vigil has no config file to write (no data dir); start it with --config FILE or --data-dir DIR.',
        );
      const before = currentText();
      if (before !== baseText) {
        throw new VigilError(
          'conflict',
          `${file} changed on disk since you opened it; reopen Settings to see the new version, then save again.`,
        );
      }
      const p = preview(document);
      if (!p.valid) throw new VigilError('bad_request', `not saved: ${p.issues.map((i) => `${i.path}: ${i.message}`).join('; ')}`);
      try {
        writeConfigFile(file, p.text);
      } catch (e) {
        throw new VigilError('unavailable', `${file} could not be written: ${(e as Error).message}`);
      }
      ctx.log.info({ file, by }, 'configuration saved from the console');
      const reload = await live.applyText(p.text, 'save', by);
      return { file, diff: p.diff, reload };
    },
  };
}
