import type { AckInfo, AckManyResult, AckVia, OpenAlert } from '../../../src-shared/api/acks';
import type { CoreContext } from '../context';
import { VigilError } from '../errors';
import type { Ack, AckStore, AlertState, Escalation, EscalationStore } from '../store';
import { Collection } from '../../../src-shared/api/topics';

/** Why a step was cancelled by an acknowledgement (un-acknowledging arms exactly these again). */
export const CANCELLED_BY_ACK = 'acknowledged';

/** Who acknowledges, how, and with what note. */
type AckBy = { by: string; note?: string; via: AckVia };
type AckInput = AckBy & { fingerprint: string };

export interface AckDeps {
  acks: AckStore;
  escalations: EscalationStore;
  /** The router's dedupe state (what is firing, since when). */
  stateOf(fingerprint: string): AlertState | null;
  /** Armed steps changed: the escalator looks again. */
  onArmed(): void;
  /** Queue the acknowledgement for the pagers the alert reached (inside the ack's transaction); returns their names. */
  pagerAck(s: AlertState, ack: { id: number; by: string; note: string | null }): string[];
}

/** Whether `a` acknowledges the current firing of `s` (a new firing after resolution starts un-acknowledged). */
export const acknowledges = (a: Ack | null, s: AlertState | null): boolean =>
  !!a && !!s && a.state === 'active' && s.status === 'firing' && a.episode === s.firstSeen;

const stepView = (e: Escalation) => ({
  step: e.step,
  channels: e.channels,
  afterMs: e.afterMs,
  dueAt: e.dueAt,
  state: e.state,
  firedAt: e.firedAt,
  late: e.late,
  lateReason: e.lateReason,
  cancelReason: e.cancelReason,
});

/**
 * R-ROUTE-8: acknowledge, un-acknowledge and annotate alerts. Every path
 * (console, tray, desktop notification, Telegram, HTTP) ends here, so the
 * rules are the same whoever asks: only a firing alert can be acknowledged;
 * an acknowledgement cancels the pending escalation steps; withdrawing it
 * arms the remaining steps again.
 */
export function createAckService(ctx: CoreContext, deps: AckDeps) {
  const { acks, escalations } = deps;
  const now = () => ctx.clock.now();

  const unknown = (fp: string) => new VigilError('not_found', `no alert with fingerprint "${fp}" (it has never been seen by Vigil)`);

  function info(fingerprint: string): AckInfo {
    const s = deps.stateOf(fingerprint);
    const a = acks.get(fingerprint);
    if (!s && !a) throw unknown(fingerprint);
    const chain = s ? escalations.ofEpisode(fingerprint, s.firstSeen) : escalations.latest(fingerprint);
    return {
      fingerprint,
      status: s?.status ?? null,
      acknowledged: acknowledges(a, s),
      ack: a ? { by: a.by, at: a.at, via: a.via as AckVia, note: a.note, state: a.state, endedAt: a.endedAt, endedBy: a.endedBy } : null,
      history: acks.history(fingerprint),
      escalations: chain.map(stepView),
      escalated: chain.some((e) => e.state === 'fired'),
    };
  }

  /** Acknowledge one alert inside the caller's transaction: null when it already was (idempotent). */
  function ackOne(i: AckBy, fingerprint: string, t: number): { pagers: string[] } | null {
    const s = deps.stateOf(fingerprint);
    if (!s) throw unknown(fingerprint);
    if (s.status !== 'firing')
      throw new VigilError('conflict', `alert "${fingerprint}" is resolved: there is nothing to acknowledge (add a note instead)`);
    if (acknowledges(acks.get(fingerprint), s)) {
      // Idempotent (a double click, a second person): keep the first acknowledgement, keep the note.
      if (i.note) acks.log({ fingerprint, at: t, by: i.by, via: i.via, action: 'note', note: i.note });
      return null;
    }
    acks.put({
      fingerprint,
      episode: s.firstSeen,
      severity: s.severity,
      by: i.by,
      at: t,
      via: i.via,
      note: i.note ?? null,
      state: 'active',
      endedAt: null,
      endedBy: null,
    });
    const id = acks.log({ fingerprint, at: t, by: i.by, via: i.via, action: 'ack', note: i.note ?? null });
    escalations.cancelAll(fingerprint, t, CANCELLED_BY_ACK);
    // PagerDuty stops paging too, committed with the ack (R-ROUTE-8).
    return { pagers: deps.pagerAck(s, { id, by: i.by, note: i.note ?? null }) };
  }

  function acknowledged(i: AckBy, fingerprint: string, pagers: string[]): void {
    ctx.metrics.acks.inc({ via: i.via });
    ctx.log.info({ fingerprint, by: i.by, via: i.via, pagers }, 'alert acknowledged');
  }

  const changed = () => ctx.changed(Collection.events, Collection.acks);

  return {
    info,
    isAcknowledged: (fingerprint: string): boolean => acknowledges(acks.get(fingerprint), deps.stateOf(fingerprint)),

    ack(i: AckInput): AckInfo {
      const done = ctx.stores.transaction(() => ackOne(i, i.fingerprint, now()));
      if (done) acknowledged(i, i.fingerprint, done.pagers);
      changed();
      return info(i.fingerprint);
    },

    /** A whole group in one click: one transaction; an alert that cannot be acknowledged is reported, not fatal. */
    ackMany(i: AckBy & { fingerprints: string[] }): AckManyResult {
      const t = now();
      const out: AckManyResult = { acknowledged: [], already: [], failed: [] };
      const pagers = new Map<string, string[]>();
      ctx.stores.transaction(() => {
        for (const fp of new Set(i.fingerprints)) {
          try {
            const done = ackOne(i, fp, t);
            if (done) pagers.set(fp, done.pagers);
            (done ? out.acknowledged : out.already).push(fp);
          } catch (e) {
            if (!(e instanceof VigilError)) throw e; // a storage failure fails the whole call: nothing acknowledged
            out.failed.push({ fingerprint: fp, message: e.message });
          }
        }
      });
      for (const [fp, p] of pagers) acknowledged(i, fp, p);
      changed();
      return out;
    },

    unack(i: { fingerprint: string; by: string; via: AckVia }): AckInfo {
      const t = now();
      const rearmed = ctx.stores.transaction(() => {
        const s = deps.stateOf(i.fingerprint);
        const a = acks.get(i.fingerprint);
        if (!s && !a) throw unknown(i.fingerprint);
        // Nothing for the pagers: PagerDuty has no un-acknowledge event. The incident stays acknowledged there
        // until the alert resolves (which resolves it) or a re-armed escalation step pages again.
        if (!acknowledges(a, s))
          throw new VigilError(
            'conflict',
            `alert "${i.fingerprint}" is not acknowledged${a && a.state !== 'active' ? ` (its last acknowledgement ended: ${a.state})` : ''}`,
          );
        const episode = a!.episode;
        acks.end(i.fingerprint, 'unacked', t, i.by);
        acks.log({ fingerprint: i.fingerprint, at: t, by: i.by, via: i.via, action: 'unack', note: null });
        // The remaining steps start counting again from now, spaced as configured after the last step that fired.
        const chain = escalations.ofEpisode(i.fingerprint, episode);
        const base = Math.max(0, ...chain.filter((e) => e.state === 'fired').map((e) => e.afterMs));
        let n = 0;
        for (const e of chain)
          if (
            e.state === 'cancelled' &&
            e.cancelReason === CANCELLED_BY_ACK &&
            escalations.rearm(e.id, t + Math.max(0, e.afterMs - base), t, i.by)
          )
            n++;
        return n;
      });
      ctx.log.info({ fingerprint: i.fingerprint, by: i.by, rearmed }, 'alert un-acknowledged');
      if (rearmed) deps.onArmed();
      changed();
      return info(i.fingerprint);
    },

    addNote(i: { fingerprint: string; by: string; note: string; via: AckVia }): AckInfo {
      ctx.stores.transaction(() => {
        if (!deps.stateOf(i.fingerprint) && !acks.get(i.fingerprint)) throw unknown(i.fingerprint);
        acks.log({ fingerprint: i.fingerprint, at: now(), by: i.by, via: i.via, action: 'note', note: i.note });
      });
      changed();
      return info(i.fingerprint);
    },

    open(i: { unacknowledgedOnly: boolean; limit: number }): OpenAlert[] {
      const rows = acks.openAlerts(i.limit, i.unacknowledgedOnly);
      const escalated = escalations.escalatedAmong(rows.map((r) => ({ fingerprint: r.fingerprint, episode: r.firstSeen })));
      return rows.map((r) => ({ ...r, escalated: escalated.has(r.fingerprint) }));
    },
  };
}

export type AckService = ReturnType<typeof createAckService>;
