import { useState } from 'react';
import { useMe } from './useMe';

const KEY = 'vigil.operator';

/**
 * Who is at the console. Signed in (a session, or connected to a team server), the core records the
 * signed-in person whatever a form says (R-PEOPLE-1), so that name is used and no name is asked for:
 * a "Your name" box there would be a lie and kept the buttons disabled until filled. Only the desktop
 * in local mode (me.get says "local") asks once and remembers the name on this machine.
 */
export function useOperator(): [string, (v: string) => void, boolean] {
  const [typed, setTyped] = useState(() => localStorage.getItem(KEY) ?? '');
  const me = useMe();
  const signedIn = !!me && me.name !== 'local';
  return [
    signedIn ? me.name : typed,
    (v: string) => {
      localStorage.setItem(KEY, v);
      setTyped(v);
    },
    signedIn,
  ];
}
