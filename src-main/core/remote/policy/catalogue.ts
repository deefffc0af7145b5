import type { ParamSpec, Template } from './templates';

const unit: ParamSpec = { type: 'identifier' };
const container: ParamSpec = { type: 'identifier', pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$' };
const lines: ParamSpec = { type: 'int', min: 1, max: 1000 };
const logFile: ParamSpec = { type: 'path' };
const port: ParamSpec = { type: 'int', min: 1, max: 65535 };
const healthPath: ParamSpec = {
  type: 'enum',
  values: ['health', 'healthz', 'ready', 'readyz', 'livez', 'status', '-/healthy', '-/ready', 'api/health'],
};

const t = (id: string, description: string, pattern: string, params: Record<string, ParamSpec> = {}, send?: string[]): Template => ({
  id,
  description,
  pattern: pattern.split(' '),
  send,
  params,
});

/** Docker Go templates sent as one fixed argument (never typed by a person, so braces stay out of input). */
const PS_FORMAT = '{{.Names}}\t{{.Image}}\t{{.Status}}\t{{.Ports}}';
const INSPECT_FORMAT =
  '{{.Name}} {{.State.Status}} running={{.State.Running}} restarts={{.RestartCount}} started={{.State.StartedAt}} image={{.Config.Image}}';

/** The shipped read-only diagnostics. Extra templates come from config (remote.templates). */
export const DEFAULT_TEMPLATES: Template[] = [
  t('uptime', 'Load and uptime', 'uptime'),
  t('df', 'Disk usage (POSIX)', 'df -P'),
  t('df-h', 'Disk usage, human sizes', 'df -hP'),
  t('df-inodes', 'Inode usage', 'df -iP'),
  t('free', 'Memory in MiB', 'free -m'),
  t('loadavg', 'Load averages', 'cat /proc/loadavg'),
  t('meminfo', 'Kernel memory counters', 'cat /proc/meminfo'),
  t('proc-uptime', 'Seconds since boot', 'cat /proc/uptime'),
  t('nproc', 'CPU count', 'nproc'),
  t('uname', 'Kernel and architecture', 'uname -a'),
  t('hostname', 'Host name', 'hostname'),
  t('date', 'Host clock', 'date -u'),
  t('systemctl-is-active', 'Is a unit active', 'systemctl is-active {unit}', { unit }),
  t('systemctl-is-failed', 'Has a unit failed', 'systemctl is-failed {unit}', { unit }),
  t('systemctl-status', 'Unit status', 'systemctl status --no-pager {unit}', { unit }),
  t('systemctl-failed', 'Failed units', 'systemctl --failed --no-pager'),
  t('journalctl-unit', 'Last lines of a unit journal', 'journalctl --no-pager -n {lines} -u {unit}', { lines, unit }),
  t('docker-ps', 'Running containers', 'docker ps', {}, ['docker', 'ps', '--format', PS_FORMAT]),
  t('docker-ps-all', 'All containers', 'docker ps -a', {}, ['docker', 'ps', '-a', '--format', PS_FORMAT]),
  t('docker-logs', 'Last lines of a container log', 'docker logs --tail {lines} {name}', { lines, name: container }),
  t('docker-inspect', 'Container state and image', 'docker inspect {name}', { name: container }, [
    'docker',
    'inspect',
    '--format',
    INSPECT_FORMAT,
    '{name}',
  ]),
  t('docker-stats', 'Container resource use (one sample)', 'docker stats --no-stream', {}, [
    'docker',
    'stats',
    '--no-stream',
    '--format',
    '{{.Name}}\t{{.CPUPerc}}\t{{.MemUsage}}',
  ]),
  t('ss-listen', 'Listening TCP sockets', 'ss -tln'),
  t('ss-summary', 'Socket summary', 'ss -s'),
  t('ip-addr', 'Addresses', 'ip -brief addr'),
  t('ip-route', 'Routes', 'ip route'),
  t('curl-health', 'Local health endpoint (fixed flags, loopback only)', 'curl -fsS -m 5 http://127.0.0.1:{port}/{path}', {
    port,
    path: healthPath,
  }),
  t('curl-health-localhost', 'Local health endpoint (fixed flags, loopback only)', 'curl -fsS -m 5 http://localhost:{port}/{path}', {
    port,
    path: healthPath,
  }),
  t('tail-log', 'Last lines of a log file under the allowed roots', 'tail -n {lines} {file}', { lines, file: logFile }),
  t('ls-log', 'List a log directory under the allowed roots', 'ls -la {file}', { file: logFile }),
  t('dmesg', 'Kernel ring buffer, readable times', 'dmesg -T'),
  t('ps-top', 'Top processes by CPU (no command lines)', 'ps -eo pid,user,pcpu,pmem,comm --sort=-pcpu'),
  t('vmstat', 'VM statistics', 'vmstat 1 3'),
];
