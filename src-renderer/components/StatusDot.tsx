import type { SmokeStatus } from '../../src-shared/constants';

export function StatusDot({ status, label }: { status: SmokeStatus; label?: string }) {
  return <span className={`dot dot-${status}`} role="img" aria-label={label ?? status} title={label ?? status} />;
}
