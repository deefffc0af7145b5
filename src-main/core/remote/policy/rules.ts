/**
 * Refusals with a specific reason, checked before template matching so the
 * person sees WHY (secrets reader, dangerous argument, changes the host)
 * instead of a bare "not allowlisted". Templates alone would already refuse
 * all of these; the rules also vet extra templates from config.
 */

const SECRET_FILE = [
  /(^|\/)id_(rsa|dsa|ecdsa|ed25519)(_sk)?(\.pub)?$/,
  /(^|\/)\.ssh(\/|$)/,
  /(^|\/)authorized_keys2?$/,
  /^\/etc\/(g?shadow|sudoers)(-|$|\/)/,
  /^\/etc\/ssh\/ssh_host_/,
  /^\/etc\/ssl\/private(\/|$)/,
  /\.(pem|key|p12|pfx|jks|keystore|kdbx|gpg|asc)$/i,
  /(^|\/)\.(env|netrc|pgpass|my\.cnf|git-credentials|npmrc|pypirc|vault-token)$/,
  /(^|\/)\.env\.[^/]+$|[^/]\.env$|^\/etc\/environment$/, // dotenv variants, /etc/environment
  /(^|\/)\.[a-z]*_?history$/i, // shell/psql/mysql histories: passwords typed on command lines
  /(^|\/)(\.?htpasswd|kubeconfig|\.boto|\.s3cfg|\.terraformrc|terraform\.tfstate(\.backup)?|wp-config\.php)$/,
  /(^|\/)[^/]*(token|password|api[_-]?key)[^/]*$/i,
  /(^|\/)\.(aws|gnupg|kube|docker)(\/|$)/,
  /(^|\/)(secrets?|credentials?|private)(\/|$|\.)/i,
  /^\/proc\/(.+\/)?(environ|cmdline|mem|maps|fd|root|cwd|exe)(\/|$)/, // also /proc/1/task/1/environ
  /^\/proc\/(kcore|kallsyms)$/,
  /^\/(dev|sys)\//,
  /^(\/var)?\/run\/secrets(\/|$)/, // Docker and Kubernetes service-account secrets
  /^\/var\/lib\/(docker|postgresql|mysql)(\/|$)/,
];

export function looksLikeSecretFile(token: string): boolean {
  return SECRET_FILE.some((re) => re.test(token));
}

const ENV_READERS = new Set(['env', 'printenv', 'set', 'export', 'declare', 'compgen', 'typeset', 'alias']);
const INTERPRETERS =
  /^(sh|bash|dash|zsh|ksh|csh|tcsh|fish|busybox|python[0-9.]*|perl[0-9.]*|ruby|node|nodejs|php[0-9.]*|lua[0-9.]*|tclsh|expect|osascript|pwsh|deno|bun|eval|exec|source|\.)$/;
const RUNNERS = new Set([
  'xargs',
  'nice',
  'nohup',
  'timeout',
  'watch',
  'sudo',
  'su',
  'doas',
  'setsid',
  'stdbuf',
  'strace',
  'ltrace',
  'chroot',
  'nsenter',
  'unshare',
  'runuser',
  'pkexec',
  'flock',
  'script',
  'time',
  'command',
  'builtin',
  'parallel',
  'at',
  'batch',
  'crontab',
  'systemd-run',
  'ionice',
  'taskset',
  'chrt',
]);
const PAGERS = new Set(['vi', 'vim', 'nvim', 'nano', 'emacs', 'less', 'more', 'most', 'man', 'view', 'ed', 'ex', 'pico']);
const WRITERS = new Set([
  'rm',
  'rmdir',
  'mv',
  'cp',
  'dd',
  'tee',
  'touch',
  'truncate',
  'shred',
  'chmod',
  'chown',
  'chgrp',
  'chattr',
  'ln',
  'mkdir',
  'mknod',
  'mkfifo',
  'install',
  'kill',
  'pkill',
  'killall',
  'reboot',
  'shutdown',
  'halt',
  'poweroff',
  'init',
  'telinit',
  'useradd',
  'userdel',
  'usermod',
  'passwd',
  'chpasswd',
  'iptables',
  'ip6tables',
  'nft',
  'ufw',
  'mount',
  'umount',
  'swapoff',
  'swapon',
  'sysctl',
  'modprobe',
  'insmod',
  'rmmod',
  'apt',
  'apt-get',
  'dpkg',
  'yum',
  'dnf',
  'rpm',
  'pip',
  'pip3',
  'npm',
  'snap',
  'mkfs',
  'fdisk',
  'parted',
  'wipefs',
  'service',
  'kubectl',
  'helm',
  'docker-compose',
  'podman',
  'wget',
  'nc',
  'ncat',
  'netcat',
  'socat',
  'telnet',
  'ssh',
  'scp',
  'sftp',
  'rsync',
  'ftp',
  'git',
  'openssl',
  'base64',
  'xxd',
  'od',
  'hexdump',
  'strings',
]);
const SYSTEMCTL_WRITES =
  /^(start|stop|restart|reload|try-restart|reload-or-restart|enable|disable|reenable|mask|unmask|kill|isolate|daemon-reload|daemon-reexec|edit|set-property|set-environment|unset-environment|import-environment|reset-failed|link|revert|preset|preset-all|poweroff|reboot|halt|suspend|hibernate|rescue|emergency|default|switch-root|exit|soft-reboot|freeze|thaw|clean|bind|mount-image|show-environment)$/;
const DOCKER_WRITES =
  /^(run|exec|rm|rmi|stop|kill|restart|start|pause|unpause|cp|commit|build|pull|push|login|logout|create|update|rename|attach|wait|export|import|load|save|tag|prune|system|volume|network|swarm|service|stack|secret|config|plugin|context|buildx|compose|image|container|trust|node|checkpoint|builder|manifest|sbom|scout|init|debug|events)$/;

/** A specific reason to refuse these words, or null if no rule applies (templates decide then). */
export function dangerReason(tokens: string[]): string | null {
  const [bin = '', ...args] = tokens;
  if (bin.includes('/')) return `give the command name without a path ("${bin.split('/').pop()}")`;
  if (bin.includes('=')) return 'environment assignments before the command are not allowed';
  if (ENV_READERS.has(bin)) return `"${bin}" reads secrets (the environment)`;
  for (const t of tokens) {
    const value = t.includes('=') ? t.slice(t.indexOf('=') + 1) : t;
    if (looksLikeSecretFile(t) || looksLikeSecretFile(value)) return `"${t}" looks like a key or secret file`;
    if (/^file:/i.test(value)) return `"${t}": file URLs are not allowed`;
  }
  if (INTERPRETERS.test(bin)) return `"${bin}" runs an interpreter or shell`;
  if (RUNNERS.has(bin)) return `"${bin}" runs another command`;
  if (PAGERS.has(bin)) return `"${bin}" is interactive and can escape to a shell`;
  if (WRITERS.has(bin)) return `"${bin}" can change the host or move data off it (diagnostics are read-only)`;
  switch (bin) {
    case 'find': {
      const bad = args.find((a) => /^-(exec|execdir|ok|okdir|delete|fprint0?|fprintf|fls)$/.test(a));
      if (bad) return `find ${bad} runs commands or writes files`;
      break;
    }
    case 'sort': {
      const bad = args.find((a) => /^(-o.*|--output.*|--compress-program.*|-T.*|--temporary-directory.*)$/.test(a));
      if (bad) return `sort ${bad} writes files or runs a program`;
      break;
    }
    case 'awk':
    case 'gawk':
    case 'mawk':
    case 'nawk':
      return `${bin} programs can run commands (system(), pipes) and write files`;
    case 'sed':
      return 'sed can write files (-i, w) and run commands (e)';
    case 'tar': {
      const bad = args.find((a) =>
        /^(--to-command.*|--checkpoint-action.*|-I|--use-compress-program.*|--rsh-command.*|-F|--info-script.*|--new-volume-script.*|-x.*|--extract|--get|-[A-Za-z]*[xI][A-Za-z]*)$/.test(
          a,
        ),
      );
      return bad ? `tar ${bad} runs commands or writes files` : 'tar is not a diagnostic';
    }
    case 'curl': {
      const bad = args.find((a) =>
        /^(-o|-O|--output.*|--remote-name.*|-T|--upload-file.*|-d|--data.*|-F|--form.*|-X|--request.*|-K|--config.*|-x|--proxy.*|-u|--user.*|-H|--header.*|--unix-socket.*|-w|--write-out.*)$/.test(
          a,
        ),
      );
      if (bad) return `curl ${bad} is not allowed (only a local health URL with fixed flags)`;
      const url = args.find((a) => /^[a-z]+:\/\//i.test(a));
      if (url && !/^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+\//.test(url))
        return `curl may only reach a local health URL on 127.0.0.1, not "${url}"`;
      break;
    }
    case 'systemctl': {
      const verb = args.find((a) => !a.startsWith('-'));
      if (verb && SYSTEMCTL_WRITES.test(verb)) return `systemctl ${verb} changes the host (restarts go through AutoHeal with approval)`;
      break;
    }
    case 'docker': {
      const verb = args.find((a) => !a.startsWith('-'));
      if (verb && DOCKER_WRITES.test(verb))
        return `docker ${verb} changes the host or is not a diagnostic (restarts go through AutoHeal with approval)`;
      if (args.some((a) => /^(-H|--host.*|--context.*|--config.*)$/.test(a)))
        return 'docker may not be pointed at another daemon or config';
      break;
    }
    case 'journalctl': {
      const bad = args.find((a) =>
        /^--(vacuum|rotate|flush|sync|relinquish|setup-keys|update-catalog|output-fields|file|directory|root|image).*/.test(a),
      );
      if (bad) return `journalctl ${bad} writes or reads outside the journal`;
      break;
    }
    case 'dmesg':
      if (args.some((a) => /^(-c|-C|--clear|--read-clear|-D|-E|-n.*|--console.*)$/.test(a)))
        return 'dmesg with these options changes the kernel log';
      break;
  }
  return null;
}
