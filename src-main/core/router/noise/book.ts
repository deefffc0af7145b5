import type { CoreContext } from '../../context';
import type { TimerHandle } from '../../clock';
import type { Message, OutboxWriter } from '../../notify';
import type { AlertStateStore, NoiseStore } from '../../store';
import { burstDueAt, removeMember, takeBurstDue, type Burst, type Watch } from './bursts';
import { settled, type Flap } from './flaps';
import { dueAt, remove, takeDue, type Group } from './groups';
import { packMember, unpackMember } from './members';
import { burstMessage, flapMessage, groupResolved, groupUpdate } from './messages';
import { Collection } from '../../../../src-shared/api/topics';

const RETRY_MS = 5_000;
/** Alerts tracked for flapping (not flapping yet); above this the least recently changed are forgotten. */
const FLAP_TRACK_MAX = 5_000;

const groupRow = (key: string) => `group:${key}`;
const burstRow = (name: string) => `burst:${name}`;
/** The row of a group or burst without its members (they have rows of their own). */
const head = <T extends { members: unknown }>(x: T): Omit<T, 'members'> => {
  const { members: _members, ...rest } = x;
  return rest;
};

/** A group's first message held back for the end of its batch (R-NOTIFY-13, stages/group.ts). */
export interface BatchFirst {
  readonly group: Group;
  queue(book: NoiseBook, outbox: OutboxWriter): void;
}

/**
 * The state behind the group, burst and flap stages: open groups, bursts
 * and flapping alerts in memory, mirrored in SQLite (written in the
 * caller's transaction: a small head row per group or burst plus one row
 * per changed member), and ONE timer on the injected clock for the earliest
 * flush / resolution / settle. A restart reloads the rows and re-arms the
 * timer, so a pending batch is neither lost nor sent twice.
 */
export class NoiseBook {
  readonly groups = new Map<string, Group>();
  /** fingerprint → key of the group it belongs to. */
  readonly groupOf = new Map<string, string>();
  readonly bursts = new Map<string, Burst>();
  /** fingerprint → alertname of the burst that speaks for it. */
  readonly burstOf = new Map<string, string>();
  readonly watches = new Map<string, Watch>();
  readonly flaps = new Map<string, Flap>();
  /** First messages of groups opened in the batch being decided, by group key, in the order they were opened. */
  readonly firsts = new Map<string, BatchFirst>();
  private readonly store: NoiseStore;
  private timer: TimerHandle | null = null;
  private armedAt = Infinity;
  private stopped = false;

  constructor(
    private readonly ctx: CoreContext,
    private readonly outbox: OutboxWriter,
    /** The router's own dedupe store (it caches; writing around it would go unseen). */
    private readonly states: AlertStateStore,
  ) {
    this.store = ctx.stores.noise;
    this.load();
    this.arm(this.nextDue());
  }

  /** The rows are the truth: after a rolled-back transaction, memory is rebuilt from them. */
  reload(): void {
    this.load();
    this.arm(this.nextDue());
  }

  /** (Re)build memory from the rows (start-up, and after a failed flush rolled back). */
  private load(): void {
    for (const m of [this.groups, this.groupOf, this.bursts, this.burstOf, this.watches, this.flaps]) m.clear();
    for (const r of this.store.all()) {
      if (r.kind === 'group') this.groups.set((r.body as Group).key, { ...(r.body as Group), members: new Map() });
      else if (r.kind === 'burst') this.bursts.set((r.body as Burst).alertname, { ...(r.body as Burst), members: new Map() });
      else this.flaps.set((r.body as Flap).fp, r.body as Flap);
    }
    for (const { owner, fp, body } of this.store.members()) {
      const g = owner.startsWith('group:') ? this.groups.get(owner.slice(6)) : undefined;
      const b = owner.startsWith('burst:') ? this.bursts.get(owner.slice(6)) : undefined;
      if (g) {
        g.members.set(fp, unpackMember(fp, body));
        this.groupOf.set(fp, g.key);
      } else if (b) {
        b.members.set(fp, unpackMember(fp, body));
        this.burstOf.set(fp, b.alertname);
      }
    }
  }

  /** Queue a group's held first message now (before another message of its thread, or at the batch's end). */
  sendFirst(key: string | undefined, outbox: OutboxWriter): void {
    const f = key === undefined ? undefined : this.firsts.get(key);
    if (!f) return;
    this.firsts.delete(key!);
    f.queue(this, outbox);
  }

  isFlapping = (fp: string): boolean => this.flaps.get(fp)?.flapping === true;
  groupFor = (fp: string): Group | undefined => {
    const k = this.groupOf.get(fp);
    return k === undefined ? undefined : this.groups.get(k);
  };

  /** Persist a group's head and the members that changed. */
  saveGroup(g: Group, changed: string[] = []): void {
    this.groups.set(g.key, g);
    const key = groupRow(g.key);
    for (const fp of changed) {
      const m = g.members.get(fp);
      if (!m) continue;
      this.groupOf.set(fp, g.key);
      this.store.putMember(key, fp, packMember(m));
    }
    this.store.later(key, () => ({ key, kind: 'group', body: head(g), dueAt: dueAt(g) }));
    this.arm(dueAt(g));
  }
  private dropGroup(g: Group): void {
    this.groups.delete(g.key);
    for (const fp of g.members.keys()) if (this.groupOf.get(fp) === g.key) this.groupOf.delete(fp);
    this.store.delete(groupRow(g.key));
  }

  /** A burst now speaks for these alerts: they leave their groups (no group update per host). */
  openBurst(b: Burst): void {
    this.watches.delete(b.alertname);
    for (const fp of b.members.keys()) this.leaveGroup(fp);
    this.saveBurst(b, [...b.members.keys()]);
  }
  saveBurst(b: Burst, changed: string[] = []): void {
    this.bursts.set(b.alertname, b);
    const key = burstRow(b.alertname);
    for (const fp of changed) {
      const m = b.members.get(fp);
      if (!m) continue;
      this.burstOf.set(fp, b.alertname);
      this.store.putMember(key, fp, packMember(m));
    }
    this.store.later(key, () => ({ key, kind: 'burst', body: head(b), dueAt: burstDueAt(b) }));
    this.arm(burstDueAt(b));
  }
  private dropBurst(b: Burst): void {
    this.bursts.delete(b.alertname);
    for (const fp of b.members.keys()) if (this.burstOf.get(fp) === b.alertname) this.burstOf.delete(fp);
    this.store.delete(burstRow(b.alertname));
  }

  /**
   * A start was noted in `name`'s watch (R-NOISE-3). The map stays in order of each watch's latest start, so the
   * watches at its front whose every start is older than the window go (R-SCALE-44): the next start of their
   * alertname would drop those starts anyway (bursts.ts noteStart), and without this an alertname that never reached
   * the threshold kept its watch and up to threshold - 1 members until it started again, if ever.
   */
  watched(name: string, w: Watch, now: number, window: number): void {
    this.watches.delete(name);
    for (const [n, x] of this.watches) {
      if (x.starts.some((s) => s.since > now - window)) break;
      this.watches.delete(n);
    }
    this.watches.set(name, w);
  }

  /** Track a transition of an alert that is not (yet) flapping: memory only. */
  trackFlap(f: Flap): void {
    // Re-insert so the map stays in least-recently-changed order; evict the oldest non-flapping ones (amortised O(1)).
    this.flaps.delete(f.fp);
    this.flaps.set(f.fp, f);
    if (this.flaps.size <= FLAP_TRACK_MAX) return;
    for (const [fp, x] of this.flaps) {
      if (this.flaps.size <= FLAP_TRACK_MAX * 0.9) break;
      if (!x.flapping) this.flaps.delete(fp);
    }
  }
  /** A flapping alert is persisted; once it starts (claim), its notice speaks for it, so it leaves its group and burst. */
  saveFlap(f: Flap, claim = false): void {
    this.flaps.set(f.fp, f);
    if (claim) {
      this.leaveGroup(f.fp);
      const name = this.burstOf.get(f.fp);
      const b = name === undefined ? undefined : this.bursts.get(name);
      if (b) {
        removeMember(b, f.fp);
        this.burstOf.delete(f.fp);
        this.store.deleteMember(burstRow(b.alertname), f.fp);
        if (b.size) this.saveBurst(b);
        else this.dropBurst(b);
      }
    }
    this.store.put({ key: `flap:${f.fp}`, kind: 'flap', body: f, dueAt: f.settleAt });
    this.arm(f.settleAt);
  }

  private leaveGroup(fp: string): void {
    const g = this.groupFor(fp);
    if (!g) return;
    this.groupOf.delete(fp);
    this.store.deleteMember(groupRow(g.key), fp);
    if (remove(g, fp, this.ctx.clock.now(), this.ctx.config.router.groupWindow)) this.dropGroup(g);
    else this.saveGroup(g);
  }

  private send(channels: string[], msg: Message, key: string): void {
    for (const ch of channels) this.outbox.enqueue(ch, msg, `${key}:${ch}`);
  }

  /** The humans were told these alerts resolved: dedupe must let their next firing through. */
  private markResolvedNotified(fps: string[], now: number): void {
    for (const fp of fps) {
      const s = this.states.get(fp);
      if (s && s.status === 'resolved' && s.notifiedStatus !== 'resolved')
        this.states.put({ ...s, notifiedStatus: 'resolved', notifiedAt: now });
    }
  }

  /** Send everything that has fallen due, in one transaction with the state change. */
  flushDue(): void {
    const now = this.ctx.clock.now();
    const { flapWindow } = this.ctx.config.router;
    let sent = 0;
    this.ctx.stores.transaction(() => {
      for (const g of [...this.groups.values()]) {
        const at = dueAt(g);
        if (at === null || at > now) continue;
        const due = takeDue(g, now);
        if (due?.type === 'resolved') {
          this.send(g.channels, groupResolved(g, now), `group:${g.key}@${g.openedAt}:resolved`);
          this.markResolvedNotified([...g.members.keys()], now);
          this.dropGroup(g);
          sent++;
          continue;
        }
        if (due) {
          this.send(g.channels, groupUpdate(g, due.joined), `group:${g.key}@${g.openedAt}#${g.sent}`);
          sent++;
        }
        this.saveGroup(g);
      }
      for (const b of [...this.bursts.values()]) {
        const at = burstDueAt(b);
        if (at === null || at > now) continue;
        const due = takeBurstDue(b, now);
        if (!due) {
          this.saveBurst(b);
          continue;
        }
        const resolved = due.type === 'resolved';
        this.send(
          b.channels,
          burstMessage(b, now, resolved, resolved && due.reportedBefore),
          `burst:${b.alertname}@${b.startedAt}:${due.type}`,
        );
        sent++;
        if (!resolved) this.saveBurst(b);
        else {
          this.markResolvedNotified([...b.members.keys()], now);
          this.dropBurst(b);
        }
      }
      for (const f of [...this.flaps.values()]) {
        if (!settled(f, now)) continue;
        if (f.channels.length) {
          this.send(f.channels, flapMessage(f, flapWindow, true), `flap:${f.fp}@${f.since}:settled`);
          sent++;
        }
        const s = this.states.get(f.fp);
        if (s) this.states.put({ ...s, notifiedStatus: s.status, notifiedAt: now });
        this.flaps.delete(f.fp);
        this.store.delete(`flap:${f.fp}`);
      }
    });
    if (sent) this.ctx.changed(Collection.events);
  }

  private nextDue(): number | null {
    let min = Infinity;
    for (const g of this.groups.values()) min = Math.min(min, dueAt(g) ?? Infinity);
    for (const b of this.bursts.values()) min = Math.min(min, burstDueAt(b) ?? Infinity);
    for (const f of this.flaps.values()) if (f.flapping) min = Math.min(min, f.settleAt ?? Infinity);
    return min === Infinity ? null : min;
  }

  /** Make sure the timer fires no later than `at`. */
  arm(at: number | null): void {
    if (at === null || this.stopped || at >= this.armedAt) return;
    this.timer?.cancel();
    this.armedAt = at;
    this.timer = this.ctx.clock.setTimeout(() => this.fire(), Math.max(0, at - this.ctx.clock.now()));
  }

  private fire(): void {
    this.timer = null;
    this.armedAt = Infinity;
    try {
      this.flushDue();
      this.arm(this.nextDue());
    } catch (e) {
      // Rolled back: nothing was sent; memory goes back to what the database holds; retry shortly, loudly.
      this.ctx.log.error({ err: e }, 'noise flush failed; retrying in 5 s');
      this.load();
      this.arm(this.ctx.clock.now() + RETRY_MS);
    }
  }

  stop(): void {
    this.stopped = true;
    this.timer?.cancel();
    this.timer = null;
  }
}
