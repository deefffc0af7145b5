import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { startTelegramServer } from '../../e2e/fixtures/telegram-server';
import { startWebhookReceiver } from '../../e2e/fixtures/webhook-receiver';
import { createCore } from '../../src-main/core/app';
import { FakeClock } from '../../src-main/core/clock';
import { parseConfig } from '../../src-main/core/config';
import { createLogger } from '../../src-main/core/log';
import type { Message } from '../../src-main/core/notify';
import type { IntakeEvent } from '../../src-main/core/router';
import type { Storm, StormEvent } from './generate';
import type { Notice } from './score';

/** Events of the storm in intake batches: everything within one tick arrives together (as a poll or a webhook would). */
export function ticks(storm: Storm, tickMs: number): Array<{ at: number; events: StormEvent[] }> {
  const out: Array<{ at: number; events: StormEvent[] }> = [];
  for (const e of storm.events) {
    const at = Math.floor(e.at / tickMs) * tickMs;
    if (out.at(-1)?.at !== at) out.push({ at, events: [] });
    out.at(-1)!.events.push(e);
  }
  return out;
}

const intake = (e: StormEvent, base: number): IntakeEvent => ({
  source: 'alertmanager',
  fingerprint: `${e.alertname}/${e.host}`,
  severity: e.severity,
  status: e.status,
  summary: `${e.alertname} on ${e.host}`,
  description: null,
  labels: { alertname: e.alertname, instance: e.host, severity: e.severity },
  startsAt: base + e.startsAt,
  endsAt: e.status === 'resolved' ? base + e.at : null,
});

export interface VigilReplay {
  /** Every message the router queued (one outbox row each): what a channel without folding shows — Vigil before R-NOTIFY-8. */
  queued: Notice[];
  /** New messages in the Telegram chat (sendMessage): what a person is notified of. */
  messages: Notice[];
  /** Everything the chat showed, the folded edits too (for "was every incident mentioned"). */
  seen: Notice[];
  edits: number;
  /** Messages the webhook channel (no edit: follow-ups held into 5-minute digests, R-NOTIFY-9) delivered within the horizon. */
  webhook: Notice[];
  /** …and all it delivered once the clock ran on until no follow-up was held: nothing is lost, only later. */
  webhookAll: Notice[];
  /** When the last held digest went out (ms from the storm's start). */
  webhookDoneAt: number;
  /** Sends retried after a failed attempt (each moved the FakeClock on by its backoff). */
  retries: number;
  realFirstMs: number;
  wallMs: number;
}

/**
 * Replay the storm into an in-process Vigil core (real SQLite in a temp dir, default router settings) on a
 * FakeClock that steps through the storm's timeline, delivering to a Telegram channel (the Bot API stand-in,
 * real HTTP): after each intake tick the outbox is drained, so each chat message is stamped with its tick's time.
 */
export async function replayVigil(storm: Storm, opts: { tickMs: number; horizonMs: number }): Promise<VigilReplay> {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-storm-'));
  const tg = await startTelegramServer();
  const hook = await startWebhookReceiver();
  const base = Date.UTC(2026, 0, 5, 12, 0);
  const clock = new FakeClock(base);
  const config = parseConfig(`
channels:
  - { name: oncall, type: telegram, chatId: "-100123", botToken: { secret: tg }, apiBase: "${tg.url}" }
  - { name: hook, type: webhook, url: "${hook.url}", digest: 5m }
routes:
  - { match: { source: alertmanager }, channels: [oncall, hook] }
`);
  const core = createCore({ config, dataDir: dir, clock, log: createLogger(null), secrets: { get: () => tg.token, names: () => ['tg'] } });
  const db = core.areas.db;
  const backlog = db.prepare(`SELECT count(*) AS n FROM outbox WHERE state IN ('pending', 'sending')`).pluck();
  const waiting = db
    .prepare(
      `SELECT min(next_attempt_at) FROM outbox WHERE state = 'pending' AND NOT EXISTS (SELECT 1 FROM outbox WHERE state = 'sending')`,
    )
    .pluck();
  let retries = 0;
  const messages: Notice[] = [];
  const seen: Notice[] = [];
  const webhook: Notice[] = [];
  const held = db.prepare(`SELECT count(*) FROM outbox WHERE state = 'held'`).pluck();
  let edits = 0;
  const notice = (at: number, text: string): Notice => ({
    at,
    alertname: storm.incidents.find((i) => text.includes(i.alertname))?.alertname ?? '',
    info: text.startsWith('🔵'),
    text,
  });
  /** Wait until the outbox has delivered everything queued so far; stamp what the chat got with `at`. */
  const drain = async (at: number) => {
    const deadline = Date.now() + 30_000;
    while ((backlog.get() as number) > 0) {
      // A failed attempt (the loaded machine reset a connection) waits for its retry on the FakeClock: let that time pass.
      const retryAt = waiting.get() as number | null;
      if (retryAt !== null && retryAt > clock.now()) {
        retries++;
        clock.set(retryAt);
      }
      if (Date.now() > deadline)
        throw new Error(
          `outbox did not drain within 30 s: ${JSON.stringify(db.prepare(`SELECT id, state, attempts, last_error, next_attempt_at - ? AS due_in FROM outbox WHERE state IN ('pending', 'sending') LIMIT 3`).all(clock.now()))}`,
        );
      await new Promise((r) => setTimeout(r, 1));
    }
    for (const m of tg.sent.slice(messages.length)) messages.push(notice(at, m.text));
    for (const e of tg.edits.slice(edits)) seen.push(notice(at, e.text));
    edits = tg.edits.length;
    for (const d of hook.shown.slice(webhook.length)) webhook.push(notice(at, `${d.body.message.title}\n${d.body.message.body}`));
  };
  let realFirstMs = -1;
  const t0 = performance.now();
  try {
    await core.start();
    for (const tick of ticks(storm, opts.tickMs)) {
      clock.set(base + tick.at);
      const before = messages.length;
      const started = performance.now();
      core.areas.router.ingest(
        tick.events.map((e) => intake(e, base)),
        'storm',
      );
      await core.areas.router.drain();
      await drain(tick.at);
      if (realFirstMs < 0 && before === 0 && messages.length > 0) realFirstMs = performance.now() - started;
    }
    // The tail: group resolutions and flap summaries fall due on the clock.
    for (let at = storm.durationMs; at <= opts.horizonMs; at += 1000) {
      clock.set(base + at);
      await drain(at);
    }
    const inHorizon = webhook.length;
    // Past the horizon: let the held follow-ups fall due (5-minute digests) to show none is lost.
    let at = opts.horizonMs;
    while (((held.get() as number) > 0 || (backlog.get() as number) > 0) && at < opts.horizonMs + 3_600_000) {
      at += 5_000;
      clock.set(base + at);
      await new Promise((r) => setTimeout(r, 1)); // the worker's timer runs the step that sends the digest
      await drain(at);
    }
    const rows = db
      .prepare(`SELECT message, created_at FROM outbox WHERE channel = 'oncall' AND created_at <= ? ORDER BY id`)
      .all(base + opts.horizonMs) as Array<{
      message: string;
      created_at: number;
    }>;
    const queued = rows.map((r) => {
      const m = JSON.parse(r.message) as Message;
      return { at: r.created_at - base, alertname: m.labels.alertname ?? '', info: m.severity === 'info', text: `${m.title}\n${m.body}` };
    });
    return {
      queued,
      messages,
      seen: [...messages, ...seen],
      edits,
      webhook: webhook.slice(0, inHorizon),
      webhookAll: webhook,
      webhookDoneAt: at,
      retries,
      realFirstMs,
      wallMs: performance.now() - t0,
    };
  } finally {
    await core.stop();
    await tg.close();
    await hook.close();
    rmSync(dir, { recursive: true, force: true });
  }
}
