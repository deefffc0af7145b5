import type { Audit } from '../audit';
import type { Clock } from '../clock';
import type { HostConfig } from '../config';
import { VigilError } from '../errors';
import type { HostRepository } from '../store';
import type { EventSink } from './events';
import type { HostState, PoolHooks } from './pool';

export interface HostView {
  name: string;
  address: string;
  port: number;
  user: string;
  tags: string[];
  status: string;
  detail: string;
  pinnedFingerprint: string | null;
  pinnedFrom: 'config' | 'console' | null;
  /** The key the host last presented when it was refused (what a person would accept). */
  seenFingerprint: string | null;
  lastCheckAt: number | null;
  healthUrl: string | null;
  inside: { status: string; detail: string; at: number } | null;
}

/**
 * Host-key trust (R-HEAL-2): config `hostKey` wins; otherwise a key a person
 * accepted in the console. Unknown and mismatched keys are refused by the pool
 * and raised here as events (mismatch is critical).
 */
export function createHostService(d: {
  hosts: HostConfig[];
  repo: HostRepository;
  audit: Audit;
  clock: Clock;
  sink: EventSink;
  onAccepted?: (host: string) => void;
}) {
  let hostList = d.hosts;
  let byName = new Map(hostList.map((h) => [h.name, h]));
  const pinnedKey = (host: string): string | undefined => byName.get(host)?.hostKey ?? d.repo.pinned(host)?.fingerprint;
  const event = (host: string, severity: 'warning' | 'critical', alertname: string, summary: string, fp: string): void =>
    d.sink(
      {
        source: 'vigil',
        fingerprint: `vigil:hostkey:${host}`,
        severity,
        status: 'firing',
        summary,
        description: `Host ${host} presented SSH host key ${fp}. Vigil refused the connection.`,
        labels: { alertname, host, fingerprint: fp, component: 'remote' },
        startsAt: d.clock.now(),
        endsAt: null,
      },
      `remote.hostkey(${host})`,
    );

  const hooks: PoolHooks = {
    pinnedKey,
    hostKeyUnknown(host, fp) {
      event(host, 'warning', 'SshHostKeyUnknown', `SSH host key of ${host} is not pinned (${fp}); accept it in Hosts if it is right`, fp);
    },
    hostKeyMismatch(host, expected, got) {
      event(
        host,
        'critical',
        'SshHostKeyMismatch',
        `SSH host key of ${host} CHANGED: ${got} instead of pinned ${expected}; connection refused`,
        got,
      );
    },
    hostState(host: string, state: HostState, detail: string, fp: string | null) {
      const before = d.repo.status(host)?.status;
      d.repo.setStatus(host, { status: state, detail, seenFingerprint: fp, at: d.clock.now() });
      // The key problem is over (accepted, or the pinned key is back): resolve its event.
      if (state === 'ok' && (before === 'host_key_unknown' || before === 'host_key_mismatch'))
        d.sink(
          {
            source: 'vigil',
            fingerprint: `vigil:hostkey:${host}`,
            severity: 'info',
            status: 'resolved',
            summary: `SSH host key of ${host} verified (${fp})`,
            description: null,
            labels: {
              alertname: before === 'host_key_unknown' ? 'SshHostKeyUnknown' : 'SshHostKeyMismatch',
              host,
              fingerprint: fp ?? '',
              component: 'remote',
            },
            startsAt: null,
            endsAt: d.clock.now(),
          },
          `remote.hostkey(${host})`,
        );
    },
  };

  return {
    hooks,
    pinnedKey,
    has: (name: string) => byName.has(name),
    /** Live reload: the hosts in force from now on (their stored status and pinned keys stay). */
    setHosts(next: HostConfig[]): void {
      hostList = next;
      byName = new Map(next.map((h) => [h.name, h]));
    },
    config: (name: string) => byName.get(name),
    list(): HostView[] {
      return hostList.map((h) => {
        const st = d.repo.status(h.name);
        const pin = d.repo.pinned(h.name);
        return {
          name: h.name,
          address: h.address,
          port: h.port,
          user: h.user,
          tags: h.tags,
          status: st?.status ?? 'unknown',
          detail: st?.detail ?? 'not checked yet',
          pinnedFingerprint: h.hostKey ?? pin?.fingerprint ?? null,
          pinnedFrom: h.hostKey ? 'config' : pin ? 'console' : null,
          seenFingerprint: st?.seenFingerprint ?? null,
          lastCheckAt: st?.checkedAt ?? null,
          healthUrl: h.healthUrl ?? null,
          inside: st?.insideStatus ? { status: st.insideStatus, detail: st.insideDetail ?? '', at: st.insideAt ?? 0 } : null,
        };
      });
    },
    /** A person accepts the key the host presented; it must be exactly the one they saw. */
    acceptKey(host: string, fingerprint: string, by: string): HostView {
      const h = byName.get(host);
      if (!h) throw new VigilError('not_found', `no host named "${host}" in the config`);
      if (h.hostKey) throw new VigilError('conflict', `${host} has hostKey ${h.hostKey} pinned in vigil.yaml; change it there`);
      const seen = d.repo.status(host)?.seenFingerprint;
      if (seen !== fingerprint)
        throw new VigilError(
          'conflict',
          `${host} last presented ${seen ?? 'no key'}, not ${fingerprint}; check the host again and accept the key it shows`,
        );
      d.audit.append({
        actor: by,
        action: 'host.key_accepted',
        subject: `host:${host}`,
        detail: { fingerprint, previous: d.repo.pinned(host)?.fingerprint ?? null },
      });
      d.repo.pin({ host, fingerprint, acceptedBy: by, acceptedAt: d.clock.now() });
      d.onAccepted?.(host);
      return this.list().find((v) => v.name === host)!;
    },
  };
}
export type HostService = ReturnType<typeof createHostService>;
