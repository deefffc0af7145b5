import { recordTransition, type Flap } from '../noise/flaps';
import type { NoiseBook } from '../noise/book';
import { routeWithoutDedupe } from '../noise/eligible';
import { flapMessage, span } from '../noise/messages';
import { threadOf } from '../incident-key';
import { utcText } from '../../duration';
import { hold, trace, type Stage } from '../types';

/**
 * R-NOISE-2: more than flapThreshold state changes within flapWindow is
 * flapping: ONE "flapping" notice goes out now (even if dedupe held this
 * transition, as long as silence, mute, severity and routes allow it), then
 * every change is held until no change has come for a whole window, when the
 * book's timer sends one summary. Runs first and for held events too.
 */
export const flapStage = (book: NoiseBook): Stage => ({
  name: 'flap',
  always: true,
  run(ev, d, sc) {
    const fp = ev.fingerprint;
    const { flapWindow, flapThreshold } = sc.config.router;
    let f: Flap | undefined = book.flaps.get(fp);
    const transition = d.prev !== null && d.prev.status !== ev.status;
    if (!transition) {
      if (f?.flapping && d.notify) hold(d, sc.now, 'flap', 'flapping', `flapping since ${utcText(f.since!)}: held until it settles`);
      return;
    }
    f ??= {
      fp,
      times: [],
      flapping: false,
      since: null,
      total: 0,
      status: ev.status,
      settleAt: null,
      channels: [],
      summary: ev.summary,
      labels: ev.labels,
      severity: ev.severity,
      eventId: ev.id,
      thread: threadOf(sc.config, ev).key,
    };
    f.summary = ev.summary;
    f.eventId = ev.id;
    const o = recordTransition(f, ev.status, sc.now, flapWindow, flapThreshold);
    const mayNotify = d.notify || d.result === 'deduped';
    if (o === 'counted') return book.trackFlap(f);
    if (o === 'continues') {
      book.saveFlap(f);
      if (mayNotify)
        hold(
          d,
          sc.now,
          'flap',
          'flapping',
          `flapping: change #${f.total} held; one summary when it has been quiet for ${span(flapWindow)}`,
        );
      return;
    }
    const where = d.notify
      ? { channels: d.channels, held: null }
      : d.result === 'deduped'
        ? routeWithoutDedupe(ev, sc)
        : { channels: [], held: null };
    f.channels = where.channels;
    book.sendFirst(book.groupOf.get(fp), sc.outbox); // its group's first message, if held for this batch, goes before the notice
    book.saveFlap(f, true);
    if (!f.channels.length)
      return trace(
        d,
        sc.now,
        'flap',
        'flapping',
        `started flapping (${f.times.length} changes in ${span(flapWindow)}); no notice: ${where.held?.detail ?? d.result}`,
      );
    const msg = flapMessage(f, flapWindow, false);
    for (const ch of f.channels) sc.outbox.enqueue(ch, msg, `flap:${fp}@${f.since}:start:${ch}`);
    trace(
      d,
      sc.now,
      'flap',
      'notified',
      `${f.times.length} state changes within ${span(flapWindow)} (threshold ${flapThreshold}): one flapping notice queued for ${f.channels.join(', ')}`,
    );
    hold(d, sc.now, 'flap', 'flapping', 'further changes are held until it settles');
    d.next.notifiedStatus = ev.status;
    d.next.notifiedAt = sc.now;
  },
});
