import type { Me } from '../../src-shared/api';
import { useApp } from '../store';

/**
 * The signed-in person (me.get, fetched once per connection and again when the audit or settings change):
 * whose name the core records on acks and silences, whatever a form says, and whose role decides what may be clicked.
 */
export function useMe(): Me | null {
  return useApp((s) => s.me);
}
