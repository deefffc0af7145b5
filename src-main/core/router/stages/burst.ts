import { addMember, distinctHosts, noteResolved, noteStart, openBurst, refireMember, resolveMember } from '../noise/bursts';
import type { NoiseBook } from '../noise/book';
import { span } from '../noise/messages';
import { threadOf } from '../incident-key';
import { hold, type Stage } from '../types';
import { memberOf } from './group';

/**
 * R-NOISE-3: burstThreshold distinct hosts starting to fire one alertname
 * within burstWindow is a fleet-wide burst. From then on the burst speaks
 * for every host of that alertname: their alerts leave their groups (so no
 * group update per host) and the book's timer sends ONE message with the
 * scope — or, if it all resolved meanwhile, one "resolved" message with its
 * size and duration. Runs before grouping, for held events too (always).
 */
export const burstStage = (book: NoiseBook): Stage => ({
  name: 'burst',
  always: true,
  run(ev, d, sc) {
    const name = ev.labels.alertname;
    const fp = ev.fingerprint;
    if (!name || book.isFlapping(fp)) return;
    const { burstWindow, burstThreshold, groupWindow } = sc.config.router;
    const b = book.bursts.get(name);
    if (ev.status === 'resolved') {
      const w = book.watches.get(name);
      if (w) noteResolved(w, fp);
      if (!b?.members.has(fp)) return;
      const all = resolveMember(b, fp, sc.now, groupWindow);
      book.saveBurst(b, [fp]);
      if (d.notify)
        hold(
          d,
          sc.now,
          'burst',
          'burst',
          all
            ? `all ${b.size} hosts of the ${name} burst resolved: one message reports it`
            : `resolved; part of the fleet-wide ${name} burst, reported in one message`,
        );
      return;
    }
    const starting = !d.prev || d.prev.status === 'resolved';
    if (b) {
      const member = b.members.get(fp);
      if (member) {
        if (refireMember(b, fp)) book.saveBurst(b, [fp]);
      } else if (d.notify && starting) {
        addMember(b, memberOf(ev, sc.now, d.channels));
        book.saveBurst(b, [fp]);
      } else return;
      if (!d.notify) return;
      hold(d, sc.now, 'burst', 'burst', `part of the fleet-wide ${name} burst (${b.size} hosts): reported in one message`);
      d.next.notifiedStatus = 'firing';
      d.next.notifiedAt = sc.now;
      return;
    }
    if (!d.notify || !starting) return;
    const w = book.watches.get(name) ?? { starts: [] };
    const starts = noteStart(w, memberOf(ev, sc.now, d.channels), sc.now, burstWindow);
    book.watched(name, w, sc.now, burstWindow);
    if (distinctHosts(starts) < burstThreshold) return;
    const nb = { ...openBurst(name, starts, sc.now, groupWindow), thread: threadOf(sc.config, ev).key };
    book.openBurst(nb);
    hold(
      d,
      sc.now,
      'burst',
      'burst',
      `${distinctHosts(starts)} hosts started firing ${name} within ${span(sc.now - nb.startedAt)} (threshold ${burstThreshold} in ${span(burstWindow)}): fleet-wide burst, one message at ${new Date(nb.flushAt!).toISOString().slice(11, 19)}Z names them all`,
    );
    d.next.notifiedStatus = 'firing';
    d.next.notifiedAt = sc.now;
  },
});
