/**
 * Hermes' built-in rules, tried after the ones in vigil.yaml. Each matches
 * by a pattern over the alert name and summary (case-insensitive), so
 * common alerts get a useful category without any configuration.
 */
export interface BuiltinRule {
  name: string;
  pattern: RegExp;
  category: string;
  priority?: 'P1' | 'P2' | 'P3' | 'P4';
  suggest: string[];
}

export const BUILTIN_RULES: BuiltinRule[] = [
  {
    name: 'disk',
    pattern: /disk|filesystem|inode|no space|volume full/i,
    category: 'disk',
    suggest: [
      'check usage with df -h and du on the largest directories',
      'rotate or prune logs and old images',
      'grow the volume if usage keeps rising',
    ],
  },
  {
    name: 'memory',
    pattern: /memory|oom|out of memory|swap/i,
    category: 'memory',
    suggest: ['look for the process using most memory (ps/top)', 'check the kernel log for OOM kills', 'look for a leak in recent deploys'],
  },
  {
    name: 'restart-loop',
    pattern: /crashloop|restart(ing)? loop|restarting|backoff|container.*restart/i,
    category: 'restart-loop',
    priority: 'P2',
    suggest: [
      'read the last container logs before the restart',
      'check recent config or image changes',
      'check the health check and its timeout',
    ],
  },
  {
    name: 'http-down',
    // A 5xx status is a whole number of three digits ("HTTP 503"), not the 500 inside "alert 1500", "5000 ms" or "512 MB".
    pattern: /probe ?failed|http.*down|endpoint.*down|instance.*down|targetdown|unreachable|\b5\d\d\b(?!\s*(?:[kmgt]i?b|ms|%))|timeout/i,
    category: 'availability',
    priority: 'P1',
    suggest: [
      'check the service and its upstreams respond locally (curl its /health)',
      'check recent deploys and rollouts',
      'check the load balancer and DNS',
    ],
  },
  {
    name: 'slow',
    pattern: /slow|latency/i,
    category: 'latency',
    priority: 'P3',
    suggest: ['probe a lightweight /health endpoint rather than a heavy page', 'check saturation (CPU, DB connections, queues)'],
  },
  {
    name: 'cpu',
    pattern: /cpu|load ?average|high ?load/i,
    category: 'cpu',
    suggest: ['find the busiest processes', 'check for a runaway job or a traffic spike'],
  },
  {
    name: 'certificate',
    pattern: /cert|tls|ssl/i,
    category: 'certificate',
    priority: 'P2',
    suggest: ['check the certificate expiry and renewal job'],
  },
  {
    name: 'vigil',
    pattern: /^vigil/i,
    category: 'vigil-self',
    priority: 'P2',
    suggest: ['open Vigil logs (data dir logs/vigil.log)', 'check the failing component in Settings'],
  },
];
