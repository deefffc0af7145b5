/**
 * Read-only is not enough: a command that only reads can still print secrets (R-HEAL-9). This vets
 * what is SENT (a template's `send`, or its pattern) for the classes of output that carry them:
 * process and container environments, full command lines (passwords given as arguments), unit
 * files' Environment=, credential stores and their CLIs. Secret *files* are refused by rules.ts.
 */

/** CLIs whose job is to print credentials or query stores that hold them. */
const SECRET_CLIS = new Set([
  'vault',
  'pass',
  'gopass',
  'gpg',
  'gpg2',
  'secret-tool',
  'keyctl',
  'systemd-creds',
  'security',
  'op',
  'bw',
  'lpass',
  'aws',
  'gcloud',
  'az',
  'doctl',
  'etcdctl',
  'consul',
  'redis-cli',
  'mysql',
  'psql',
  'mongo',
  'mongosh',
  'sqlite3',
  'ctr',
]);

/** Container runtimes whose `inspect` prints the whole object, environment included, unless formatted. */
const RUNTIMES = new Set(['docker', 'nerdctl', 'crictl']);
/** A Go template that prints the environment, the whole config or the whole object. */
const LEAKY_FORMAT =
  /Env|Config\s*}}|Args|Cmd|Entrypoint|Mounts|Labels|\{\{\s*json\b|\{\{\s*\.\s*}}|\{\{\s*\.Config\b(?!\.(Image|Hostname)\b)/;

/** ps fields that print command lines or the environment. */
const PS_LEAKY_FIELD = /^(args|cmd|command|environ|e)$/;
const PS_FIELD_OPT = /^(-[eA]?[oO]|[oO]|--format)$/;
const PS_VALUE_OPT = /^(-[pPuUgGCtq]|--(pid|ppid|user|User|group|Group|sid|tty|quick-pid|sort|cols|columns|rows|lines|width))$/;

function psLeak(args: string[]): string | null {
  for (let i = 0; i < args.length; i++) {
    const a = args[i] ?? '';
    const list = PS_FIELD_OPT.test(a) ? args[++i] : /^(--format=|-[eA]?[oO])(.+)$/.exec(a)?.[2];
    if (list !== undefined) {
      const bad = list.split(/[\s,]+/).find((f) => PS_LEAKY_FIELD.test(f.replace(/[:=].*$/, '')));
      if (bad) return `ps field "${bad}" prints command lines or the environment, which carry secrets`;
    } else if (PS_VALUE_OPT.test(a)) i++;
    else if (a.startsWith('--')) continue;
    else if (!a.startsWith('-'))
      return `ps BSD-style options ("${a}") print full command lines ("e": the environment), which carry secrets`;
    else if (/[fF]/.test(a)) return `ps ${a} prints full command lines, which carry secrets (use -eo with named fields)`;
  }
  return null;
}

/** A reason why what is sent would print secrets, or null. */
export function leakReason(argv: string[]): string | null {
  const [bin = '', ...args] = argv;
  if (SECRET_CLIS.has(bin)) return `"${bin}" reads credentials or a store that holds them`;
  if (bin === 'getent' && args.some((a) => /^g?shadow$/.test(a))) return `getent ${args.join(' ')} prints password hashes`;
  if (bin === 'ps') return psLeak(args);
  if (RUNTIMES.has(bin)) {
    const verbAt = args.findIndex((a) => !a.startsWith('-'));
    const verb = args[verbAt];
    if (verb === 'inspect' || (verb === 'history' && args.includes('--no-trunc'))) {
      if (verb === 'history') return `${bin} history --no-trunc prints build arguments, which carry secrets`;
      const rest = args.slice(verbAt + 1);
      const fi = rest.findIndex((a) => /^(-f|--format)(=|$)/.test(a));
      const format = fi < 0 ? undefined : rest[fi]!.includes('=') ? rest[fi]!.slice(rest[fi]!.indexOf('=') + 1) : rest[fi + 1];
      if (format === undefined) return `${bin} inspect without --format prints the container's environment, which carries secrets`;
      if (LEAKY_FORMAT.test(format))
        return `${bin} inspect --format "${format}" prints the environment or the whole object, which carry secrets`;
    }
  }
  if (bin === 'systemctl') {
    const verb = args.find((a) => !a.startsWith('-'));
    if (verb === 'cat') return 'systemctl cat prints unit files, whose Environment= lines carry secrets';
    if (verb === 'show') {
      const props = args
        .map((a, i) =>
          /^(-p|--property)$/.test(a) ? args[i + 1] : /^--property=/.test(a) ? a.slice(11) : /^-p./.test(a) ? a.slice(2) : null,
        )
        .filter((p): p is string => !!p);
      if (!props.length) return 'systemctl show without -p prints every property, Environment= included, which carries secrets';
      const bad = props.find((p) => /Environment|Exec|Credential|PassEnvironment/i.test(p));
      if (bad) return `systemctl show -p ${bad} prints the unit's environment or command lines, which carry secrets`;
    }
  }
  return null;
}
