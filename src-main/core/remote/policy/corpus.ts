import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The shipped corpora (used by the policy tests and the real-sshd tests). */
const dir = join(__dirname, 'corpus');
const lines = (f: string): string[] =>
  readFileSync(join(dir, f), 'utf8')
    .split('\n')
    .filter((l, i, all) => !l.startsWith('#') && !(l === '' && i === all.length - 1));

/** Hostile strings; {{MARKER}} becomes the given path. Control-character variants are added. */
export function hostileCorpus(marker = '/tmp/vigil-marker'): string[] {
  const fromFile = lines('hostile.txt').map((l) => l.replaceAll('{{MARKER}}', marker));
  const control: string[] = [];
  for (let c = 0; c < 0x20; c++) control.push(`uptime${String.fromCharCode(c)}touch ${marker}`);
  control.push(
    `uptime\u007ftouch ${marker}`,
    `uptime\u2028touch ${marker}`,
    `uptime\u0085touch ${marker}`,
    `uptime\u200b`,
    `systemctl is-active nginx\ntouch ${marker}`,
    `uptime\r\ntouch ${marker}`,
  );
  return [...fromFile, ...control];
}

/** Legitimate commands with the template each must match. */
export function legitCorpus(): Array<{ id: string; command: string }> {
  return lines('legit.txt').map((l) => {
    const i = l.indexOf(' ');
    return { id: l.slice(0, i), command: l.slice(i + 1) };
  });
}

/** Commands that only read but whose output carries secrets (environments, command lines, credential files). */
export function leakCorpus(): string[] {
  return lines('leaks.txt');
}
