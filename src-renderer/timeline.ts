import type { TimelineEntry } from '../src-shared/api/incidents';

type Line = Pick<TimelineEntry, 'kind' | 'actor' | 'at'>;
const FOLD_MIN = 4;
const FOLD_WINDOW_MS = 60_000;
const sameRun = (head: Line, l: Line | undefined): l is Line =>
  !!l && l.kind === head.kind && l.actor === head.actor && l.at - head.at <= FOLD_WINDOW_MS;

/**
 * Runs of 4+ lines of one kind by one actor within a minute (a 200-host burst, a bulk ack) fold behind
 * their first line: the head gets the run's length, the lines inside it -1, every other line 0.
 */
export function foldRuns(timeline: readonly Line[]): number[] {
  const out = timeline.map(() => 0);
  for (let i = 0; i < timeline.length;) {
    const head = timeline[i]!;
    let j = i + 1;
    while (sameRun(head, timeline[j])) j++;
    if (j - i >= FOLD_MIN) {
      out[i] = j - i;
      out.fill(-1, i + 1, j);
    }
    i = j;
  }
  return out;
}
