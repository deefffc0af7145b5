import { Topic, type StatusSnapshot } from '../../../src-shared/api';
import type { Result } from '../../../src-shared/result';
import type { Backend } from './backend';

const REFRESH_MS = 30_000;

/**
 * "Pause notifications" in connected mode (R-TEAM-3): the tray and Settings ask for `notifications.pause`, which on
 * the team server would pause its desktop channel for everyone. Connected, it pauses only this person's own desktop
 * notices there (`me.notify.pause`, kept with their preferences on the server, which stops sending them their notices),
 * and the status this desktop shows says when its notices resume: the later of the team's pause and the person's own.
 */
export function personalPause(b: Backend, now: () => number = Date.now): Backend {
  let mine: number | null = null;
  let asked = -Infinity;
  // The person may pause from another device too: asked again with a status push at most every 30 s.
  const refresh = () => {
    if (now() - asked < REFRESH_MS) return;
    asked = now();
    void b.call('me.notify.get', {}).then((r) => {
      if (r.ok) mine = r.value.pausedUntil;
    });
  };
  refresh();
  const effective = (s: StatusSnapshot): StatusSnapshot => {
    const own = mine !== null && mine > now() ? mine : null;
    const team = s.notificationsPausedUntil;
    return { ...s, notificationsPausedUntil: own === null ? team : team === null ? own : Math.max(own, team) };
  };
  const pause = async (input: unknown): Promise<Result<unknown>> => {
    const r = await b.dispatch('me.notify.pause', input);
    if (r.ok) mine = (r.value as { pausedUntil: number | null }).pausedUntil;
    return r;
  };
  const dispatch = async (method: string, input: unknown): Promise<Result<unknown>> => {
    if (method === 'notifications.pause') return pause(input);
    const r = await b.dispatch(method, input);
    return method === 'status.get' && r.ok ? { ok: true, value: effective(r.value as StatusSnapshot) } : r;
  };
  return {
    call: ((m: string, i: unknown) => dispatch(m, i)) as Backend['call'],
    dispatch,
    subscribe(topic, fn) {
      if (topic !== Topic.status) return b.subscribe(topic, fn);
      return b.subscribe(Topic.status, (s) => {
        refresh();
        (fn as (p: StatusSnapshot) => void)(effective(s));
      });
    },
    close: () => b.close(),
  };
}
