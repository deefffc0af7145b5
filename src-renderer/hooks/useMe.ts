import { useQuery } from './useQuery';

/** The signed-in person (me.get): whose name the core records on acks and silences, whatever a form says. */
export function useMe(): { name: string; role: string; sessionId: string | null } | null {
  return useQuery('me.get', {}, { pollMs: 300_000 }).data;
}
