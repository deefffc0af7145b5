import { describe, expect, it } from 'vitest';
import { hostileCorpus, leakCorpus, legitCorpus } from './corpus';
import { createPolicy, PolicyConfigError } from './index';
import { templateFromConfig } from './templates';

const policy = createPolicy();

describe('command policy', () => {
  it('R-HEAL-1: every hostile string in the corpus is refused with a reason', () => {
    const corpus = hostileCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(150);
    const allowed = corpus.filter((c) => policy.check(c).allowed);
    expect(allowed).toEqual([]);
    for (const c of corpus) {
      const v = policy.check(c);
      if (!v.allowed) expect(v.reason.length).toBeGreaterThan(5);
    }
  });

  it('R-HEAL-1: every legitimate diagnostic in the corpus is allowed by the expected template', () => {
    const corpus = legitCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(50);
    const wrong = corpus
      .map(({ id, command }) => ({ id, command, v: policy.check(command) }))
      .filter(({ id, v }) => !v.allowed || v.templateId !== id)
      .map(({ command, v }) => `${command} → ${v.allowed ? v.templateId : v.reason}`);
    expect(wrong).toEqual([]);
  });

  it('R-HEAL-1: arguments are single-quoted and fixed extras are added when sent', () => {
    expect(policy.check('systemctl is-active nginx.service')).toMatchObject({
      allowed: true,
      command: `'systemctl' 'is-active' 'nginx.service'`,
    });
    const v = policy.check('docker inspect web');
    expect(v.allowed && v.argv).toEqual(['docker', 'inspect', '--format', expect.stringContaining('{{.Config.Image}}'), 'web']);
  });

  it('R-HEAL-1: the reason names what is wrong', () => {
    const reason = (c: string) => {
      const v = policy.check(c);
      return v.allowed ? 'ALLOWED' : v.reason;
    };
    expect(reason('uptime; id')).toMatch(/separator/);
    expect(reason('uptime > /tmp/x')).toMatch(/redirection/);
    expect(reason('uptime $(id)')).toMatch(/substitution/);
    expect(reason('uptime\nid')).toMatch(/newline/);
    expect(reason('find / -exec id')).toMatch(/find -exec/);
    expect(reason('env')).toMatch(/secrets/);
    expect(reason('cat /home/u/.ssh/id_rsa')).toMatch(/key or secret/);
    expect(reason('journalctl --no-pager -n 5000 -u nginx')).toMatch(/between 1 and 1000/);
    expect(reason('tail -n 10 /etc/passwd')).toMatch(/outside the allowed roots/);
    expect(reason('systemctl restart nginx')).toMatch(/AutoHeal/);
    expect(reason('frobnicate')).toMatch(/not in the diagnostic allowlist/);
  });

  it('R-HEAL-1: extra templates from config are typed, host-scoped by tag, and vetted as read-only', () => {
    const p = createPolicy({
      extra: [
        templateFromConfig({
          id: 'pg-ready',
          command: 'pg_isready -p {port}',
          params: { port: { type: 'int', min: 1, max: 65535 } },
          tags: ['db'],
        }),
      ],
    });
    expect(p.check('pg_isready -p 5432', ['db'])).toMatchObject({ allowed: true, templateId: 'pg-ready' });
    expect(p.check('pg_isready -p 5432', ['web']).allowed).toBe(false);
    expect(p.check('pg_isready -p 0', ['db']).allowed).toBe(false);
    expect(() =>
      createPolicy({ extra: [templateFromConfig({ id: 'bad', command: 'rm -rf {dir}', params: { dir: { type: 'path' } } })] }),
    ).toThrow(PolicyConfigError);
    expect(() =>
      createPolicy({ extra: [templateFromConfig({ id: 'bad2', command: 'bash -c {x}', params: { x: { type: 'identifier' } } })] }),
    ).toThrow(/interpreter/);
    expect(() => createPolicy({ extra: [templateFromConfig({ id: 'untyped', command: 'foo {x}', params: {} })] })).toThrow(/no type/);
  });

  it('R-HEAL-9: a template\'s send is vetted like its pattern: command "uptime -p", send "rm -rf /" is refused', () => {
    const extra = (send: string) => [templateFromConfig({ id: 'up', command: 'uptime -p', send, params: {} })];
    expect(() => createPolicy({ extra: extra('rm -rf /') })).toThrow(/send is not read-only: "rm" can change the host/);
    expect(() => createPolicy({ extra: extra('bash -c uptime') })).toThrow(/interpreter/);
    expect(() => createPolicy({ extra: extra('systemctl restart nginx') })).toThrow(/AutoHeal/);
    expect(createPolicy({ extra: extra('uptime --pretty') }).check('uptime -p')).toMatchObject({
      allowed: true,
      argv: ['uptime', '--pretty'],
    });
  });

  it("R-HEAL-9: every read whose output carries secrets is refused, as a template's command or send, naming why", () => {
    const corpus = leakCorpus();
    expect(corpus.length).toBeGreaterThanOrEqual(45);
    const SAYS = /secret|credential|password|environment|command lines/i;
    const passed: string[] = [];
    for (const line of corpus) {
      for (const as of ['send', 'command'] as const) {
        const t = templateFromConfig({
          id: 'x',
          command: as === 'command' ? line : 'uptime -p',
          send: as === 'send' ? line : undefined,
          params: {},
        });
        try {
          createPolicy({ extra: [t] });
          passed.push(`${as}: ${line}`);
        } catch (e) {
          if (!(e instanceof PolicyConfigError)) throw e;
          if (as === 'send' && !SAYS.test(e.message)) passed.push(`${as}: ${line} (reason: ${e.message})`);
        }
      }
      // Typed, each is refused too, except the shipped docker-inspect form, which sends a safe --format (below).
      if (line !== 'docker inspect web') expect(policy.check(line).allowed, line).toBe(false);
    }
    expect(passed).toEqual([]);
    // The shipped docker-inspect template stays: it sends a fixed format without the environment.
    expect(policy.check('docker inspect web')).toMatchObject({ allowed: true, argv: expect.arrayContaining(['--format']) });
  });
});
