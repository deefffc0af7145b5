import { useState } from 'react';

const KEY = 'vigil.operator';

/** Who is at the console: asked once, remembered on this machine, sent with every decision. */
export function useOperator(): [string, (v: string) => void] {
  const [who, setWho] = useState(() => localStorage.getItem(KEY) ?? '');
  return [
    who,
    (v: string) => {
      localStorage.setItem(KEY, v);
      setWho(v);
    },
  ];
}
