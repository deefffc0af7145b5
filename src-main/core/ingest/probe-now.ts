import type { ProbeRunResult } from '../../../src-shared/api/config';
import type { CoreContext } from '../context';
import { VigilError } from '../errors';

interface HttpProbeNow {
  name: string;
  probeNow(): Promise<{ ok: boolean; latencyMs: number; error?: string }>;
}
interface SshProbesNow {
  run(name: string): Promise<{ ok: boolean; detail: string }>;
}

/** "Probe now": run one configured probe (HTTP here, SSH through the remote area) and answer its verdict. */
export async function probeNow(
  ctx: CoreContext,
  name: string,
  probes: { http: () => readonly HttpProbeNow[]; ssh: () => SshProbesNow },
): Promise<ProbeRunResult> {
  const cfg = ctx.config.probes.find((p) => p.name === name);
  if (!cfg) throw new VigilError('not_found', `no probe named "${name}" in the configuration`);
  if (cfg.type === 'ssh') {
    const r = await probes.ssh().run(name);
    return { probe: name, type: 'ssh', ok: r.ok, detail: r.detail, latencyMs: null };
  }
  const p = probes.http().find((x) => x.name === name);
  if (!p) throw new VigilError('unavailable', `probe "${name}" is not running yet`);
  const v = await p.probeNow();
  return {
    probe: name,
    type: 'http',
    ok: v.ok,
    detail: v.ok ? `answered in ${v.latencyMs} ms` : (v.error ?? 'failed'),
    latencyMs: v.latencyMs,
  };
}
