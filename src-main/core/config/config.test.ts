import { describe, expect, it } from 'vitest';
import { ConfigError, DEFAULT_CONFIG_YAML, parseConfig } from './load';
import { parseDuration } from '../duration';

const issuesOf = (text: string): string[] => {
  try {
    parseConfig(text);
  } catch (e) {
    if (e instanceof ConfigError) return e.issues;
    throw e;
  }
  throw new Error('expected the config to be refused');
};

describe('config: vigil.yaml validated with zod', () => {
  it('the embedded default has no hosts, a desktop channel and smoke checks on', () => {
    const c = parseConfig(DEFAULT_CONFIG_YAML);
    expect(c.hosts).toEqual([]);
    expect(c.channels).toEqual([{ name: 'desktop', type: 'desktop' }]);
    expect(c.smoke.enabled).toBe(true);
    expect(c.router.cooldown).toBe(5 * 60_000);
    expect(c.routes[0]!.groupBy).toEqual(['alertname']);
  });

  it('accepts the documented example shape and parses durations to milliseconds', () => {
    const c = parseConfig(`
router:   { cooldown: 5m, repeatInterval: 4h }
channels:
  - { name: ops-hook, type: webhook, url: http://127.0.0.1:9000/hook }
  - { name: tg, type: telegram, chatId: "-100123", botToken: { secret: tg-bot } }
routes:   [ { match: { severity: critical }, channels: [ops-hook, tg] } ]
probes:   [ { name: api, type: http, url: "https://example.invalid/health", interval: 30s } ]
hosts:    [ { name: web1, address: 10.0.0.5, user: vigil, hostKey: "SHA256:uNiVztksCsDhcc0u9e8BujQXVUpKZIDTMczCvj3tD2s" } ]
llm:      { provider: nim, models: [nvidia/llama-3.3-nemotron-super-49b-v1.5], apiKey: { secret: nim } }
protected: [ { container: "momo-db" }, { image: "postgres*" } ]
`);
    expect(c.router.repeatInterval).toBe(4 * 3_600_000);
    expect(c.probes[0]).toMatchObject({ interval: 30_000, failuresToAlert: 3, graceWindow: 180_000 });
    expect(c.channels[1]).toMatchObject({ type: 'telegram', botToken: { secret: 'tg-bot' } });
  });

  it('every error names the key path and says what is expected', () => {
    const issues = issuesOf(`
router: { cooldown: soon }
channels: [ { name: hook, type: webhook, url: not-a-url } ]
hosts: [ { name: h1, address: 1.2.3.4, user: u, port: 70000 } ]
`);
    const text = issues.join('\n');
    expect(text).toMatch(/router\.cooldown: expected a duration like "30s"/);
    expect(text).toMatch(/channels\.0\.url: /);
    expect(text).toMatch(/hosts\.0\.port: /);
    // Cross-references are checked once the shapes are valid.
    expect(
      issuesOf('channels: [ { name: hook, type: desktop } ]\nroutes: [ { match: {}, channels: [hook, missing] } ]\n').join('\n'),
    ).toMatch(/routes\.0\.channels\.1: unknown channel "missing"/);
  });

  it('refuses unknown keys, and a plain-text secret where a secret reference belongs', () => {
    expect(issuesOf('routr: {}\n').join()).toMatch(/routr/);
    expect(issuesOf('channels: [ { name: tg, type: telegram, chatId: "1", botToken: "123:abc" } ]\nroutes: []\n').join()).toMatch(
      /channels\.0\.botToken/,
    );
  });

  it('reports YAML syntax errors as such', () => {
    expect(() => parseConfig('router: { cooldown: [\n')).toThrow(/not valid YAML/);
  });

  it('parses compound durations and rejects garbage', () => {
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('250ms')).toBe(250);
    expect(parseDuration('5 minutes')).toBeNull();
    expect(parseDuration('')).toBeNull();
  });
});

describe('config: shipped example', () => {
  it('resources/vigil.example.yaml is valid', async () => {
    const { loadConfig } = await import('./load');
    const { config } = loadConfig(new URL('../../../resources/vigil.example.yaml', import.meta.url).pathname);
    expect(config.routes[0]!.escalate[0]).toEqual({ after: 600_000, channels: ['pagerduty'] });
  });

  it('R-ONCALL-6: the example shows on call end to end — an oncall channel, a rotation with an override, next-in-rotation', async () => {
    const { loadConfig } = await import('./load');
    const { config } = loadConfig(new URL('../../../resources/vigil.example.yaml', import.meta.url).pathname);
    const pager = config.channels.find((c) => c.type === 'oncall');
    expect(pager).toMatchObject({ type: 'oncall', team: 'ops', telegram: 'tg' });
    expect(config.oncall[0]).toMatchObject({ team: 'ops', shift: 7 * 86_400_000, overrides: [{ person: 'dave' }] });
    expect(config.oncall[0]!.people.length).toBeGreaterThan(1);
    const route = config.routes.find((r) => r.channels.includes(pager!.name))!;
    expect(route.escalate.flatMap((s) => s.channels)).toContain('next-in-rotation');
  });
});
