import { describe, expect, it } from 'vitest';
import { describeZodError } from '../../../src-shared/result';
import { z } from 'zod';
import { INTAKE_LIMITS } from '../../../src-shared/domain';
import { AmWebhook, PostableAlert, amSeverity, normaliseAmWebhook, normalisePostableAlerts } from './alertmanager';
import { amWebhookBody } from './testing';

const NOW = Date.parse('2026-12-02T03:10:00.750Z');

describe('POST /api/v2/alerts normalisation', () => {
  it('R-ALERT-2: a resolve with endsAt (whole seconds, just before now) and no startsAt is accepted as resolved, as Alertmanager does', () => {
    const n = normalisePostableAlerts([{ labels: { alertname: 'NginxDown' }, endsAt: '2026-12-02T03:10:00Z' }], NOW);
    // Before: refused with "0.endsAt: before startsAt" (startsAt defaulted to now, 750 ms later).
    expect(n).toMatchObject({ ok: true, events: [{ status: 'resolved', startsAt: Date.parse('2026-12-02T03:10:00Z') }] });
  });

  it('R-SEC-2: an endsAt before the startsAt the client sent is still refused, naming the field', () => {
    const n = normalisePostableAlerts(
      [{ labels: { alertname: 'NginxDown' }, startsAt: '2026-12-02T03:10:00Z', endsAt: '2026-12-02T03:00:00Z' }],
      NOW,
    );
    expect(n).toEqual({ ok: false, message: '0.endsAt: before startsAt' });
  });

  it('R-ALERT-2: a future endsAt without startsAt is firing since now', () => {
    const n = normalisePostableAlerts([{ labels: { alertname: 'NginxDown' }, endsAt: '2026-12-02T03:20:00Z' }], NOW);
    expect(n).toMatchObject({ ok: true, events: [{ status: 'firing', startsAt: NOW }] });
  });
});

type Fields = Record<string, unknown>;
type Body = Fields & { alerts: unknown[] };
/** The webhook with one change, made to it or to its first alert (loosely typed: the changes break the payload). */
const changed = (f: (b: Body, a: Fields) => void): Body => {
  const b = amWebhookBody() as unknown as Body;
  f(b, b.alerts[0] as Fields);
  return b;
};

describe('Alertmanager webhook normalisation (the one-pass check and the schema)', () => {
  it('R-SEC-2, R-ROUTE-9: every payload the schema refuses is refused with the schema’s own message naming the field', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['not an object', [], /^\(root\): /],
      ['JSON null', null, /^\(root\): /],
      ['version 3', changed((b) => (b.version = '3')), /^version: /],
      ['no receiver', changed((b) => delete b.receiver), /^receiver: /],
      ['status "pending"', changed((b) => (b.status = 'pending')), /^status: /],
      ['groupKey a number', changed((b) => (b.groupKey = 7)), /^groupKey: /],
      ['truncatedAlerts a string', changed((b) => (b.truncatedAlerts = '0')), /^truncatedAlerts: /],
      ['externalURL of 2,001 characters', changed((b) => (b.externalURL = 'h'.repeat(2001))), /^externalURL: Too big/],
      ['commonLabels with a number', changed((b) => (b.commonLabels = { a: 1 })), /^commonLabels\.a: /],
      ['groupLabels an array', changed((b) => (b.groupLabels = ['a'])), /^groupLabels: /],
      ['commonAnnotations too big', changed((b) => (b.commonAnnotations = { d: 'x'.repeat(20_001) })), /^commonAnnotations\.d: Too big/],
      ['no alerts', changed((b) => (b.alerts = [])), /^alerts: the payload has no alerts/],
      ['alerts not an array', changed((b) => ((b as Fields).alerts = {})), /^alerts: /],
      ['5,001 alerts', changed((b) => (b.alerts = Array.from({ length: 5001 }, () => b.alerts[1]))), /^alerts: Too big/],
      ['an alert that is a string', changed((b) => (b.alerts[1] = 'x')), /^alerts\.1: /],
      ['an alert status null', changed((_, a) => (a.status = null)), /^alerts\.0\.status: /],
      ['an alert status "pending"', changed((_, a) => (a.status = 'pending')), /^alerts\.0\.status: /],
      ['no labels', changed((_, a) => delete a.labels), /^alerts\.0\.labels: /],
      ['a label value a number', changed((_, a) => (a.labels = { alertname: 7 })), /^alerts\.0\.labels\.alertname: /],
      ['a label named __proto__', changed((_, a) => (a.labels = JSON.parse('{"__proto__": "x", "a": "b"}'))), /.*/],
      ['a label named constructor', changed((_, a) => (a.labels = { constructor: 'x' })), /^alerts\.0\.labels\.constructor: Invalid key/],
      ['a 2,001-character label value', changed((_, a) => (a.labels = { v: 'x'.repeat(2001) })), /^alerts\.0\.labels\.v: Too big/],
      [
        '65 labels',
        changed((_, a) => (a.labels = Object.fromEntries(Array.from({ length: 65 }, (_, k) => [`l${k}`, 'v'])))),
        /at most 64 labels/,
      ],
      ['annotations null', changed((_, a) => (a.annotations = null)), /^alerts\.0\.annotations: /],
      ['startsAt a number', changed((_, a) => (a.startsAt = 1)), /^alerts\.0\.startsAt: /],
      ['endsAt null', changed((_, a) => (a.endsAt = null)), /^alerts\.0\.endsAt: /],
      ['generatorURL a number', changed((_, a) => (a.generatorURL = 1)), /^alerts\.0\.generatorURL: /],
      ['no fingerprint', changed((_, a) => delete a.fingerprint), /^alerts\.0\.fingerprint: /],
      ['an empty fingerprint', changed((_, a) => (a.fingerprint = '')), /^alerts\.0\.fingerprint: Too small/],
      ['a 129-character fingerprint', changed((_, a) => (a.fingerprint = 'f'.repeat(129))), /^alerts\.0\.fingerprint: Too big/],
    ];
    for (const [what, body, says] of cases) {
      const strict = AmWebhook.safeParse(structuredClone(body));
      // A JSON "__proto__" key is dropped by the schema (never a label), so that payload passes: the same events either way.
      if (strict.success) {
        expect(what).toBe('a label named __proto__');
        expect(normaliseAmWebhook(structuredClone(body))).toMatchObject({ ok: true, events: [{ labels: { a: 'b' } }, {}] });
        continue;
      }
      const n = normaliseAmWebhook(body);
      expect(n, what).toEqual({ ok: false, message: describeZodError(strict.error) });
      expect(n.ok || n.message, what).toMatch(says);
    }
  });

  it('R-ROUTE-1: a payload the one-pass check takes gives the events the schema path gives (missing annotations are {}, extra fields ignored)', () => {
    const plain = amWebhookBody();
    const fast = normaliseAmWebhook(structuredClone(plain));
    // The same alerts in a shape only the schema takes (an alert status object, as Alertmanager's API v2 serves it).
    const viaSchema = normaliseAmWebhook(changed((b) => ((b.alerts[0] as Fields).status = { state: 'active' })));
    expect(fast).toEqual(viaSchema);
    expect(fast).toMatchObject({
      ok: true,
      receiver: 'vigil',
      events: [
        {
          source: 'alertmanager',
          fingerprint: 'a1b2c3d4e5f60718',
          severity: 'critical',
          status: 'firing',
          summary: 'p99 over 2s on api1',
          annotations: { summary: 'p99 over 2s on api1', runbook_url: 'http://wiki/latency' },
          generatorURL: 'http://prom/graph',
          startsAt: Date.parse('2026-01-05T12:00:00Z'),
          endsAt: null,
          origin: { externalURL: 'http://am:9093', groupKey: '{}:{alertname="HighLatency"}', receiver: 'vigil' },
        },
        { fingerprint: '0011223344556677', status: 'resolved', summary: 'HighLatency', annotations: {}, generatorURL: null },
      ],
    });
    // Fields Vigil does not know are ignored, as the schema strips them.
    const extra = changed((b, a) => ((b.future = { x: 1 }), (a.silencedBy = ['s1'])));
    expect(normaliseAmWebhook(extra)).toEqual(fast);
  });
});

describe('Alertmanager severity labels', () => {
  it('R-ROUTE-1: a severity label maps to critical, warning or info whatever its case; an unknown or missing one is a warning', () => {
    const cases: Array<[string | undefined, string]> = [
      ['critical', 'critical'],
      ['PAGE', 'critical'],
      ['Fatal', 'critical'],
      ['info', 'info'],
      ['DEBUG', 'info'],
      ['none', 'info'],
      ['warning', 'warning'],
      ['sev2', 'warning'],
      ['', 'warning'],
      [undefined, 'warning'],
      ['constructor', 'warning'],
    ];
    for (const [label, want] of cases) expect(amSeverity(label), String(label)).toBe(want);
  });
});

describe('POST /api/v2/alerts: the one-pass check and the schema', () => {
  const schema = z.array(PostableAlert).max(INTAKE_LIMITS.eventsPerRequest);
  const alert = () => ({
    labels: { alertname: 'NginxDown', instance: 'web1', severity: 'critical', empty: '' },
    annotations: { summary: 'nginx down on web1' },
    startsAt: '2026-12-02T03:00:00Z',
    generatorURL: 'http://prom/graph',
  });
  const one = (change: (a: Fields) => void): unknown[] => {
    const a: Fields = alert();
    change(a);
    return [a, alert()];
  };

  it('R-SEC-2, R-ALERT-2: every batch the schema refuses is refused with the schema’s own message naming the field', () => {
    const cases: Array<[string, unknown, RegExp]> = [
      ['an object, not a list', alert(), /^\(root\): /],
      ['5,001 alerts', Array.from({ length: 5001 }, alert), /^\(root\): Too big/],
      ['an alert that is a number', [1], /^0: /],
      ['no labels', one((a) => delete a.labels), /^0\.labels: /],
      ['a label value a number', one((a) => (a.labels = { alertname: 1 })), /^0\.labels\.alertname: /],
      ['a label name with a dash', one((a) => (a.labels = { 'bad-name': 'x' })), /^0\.labels: label names are/],
      ['a label named constructor', one((a) => (a.labels = { constructor: 'x' })), /^0\.labels\.constructor: Invalid key/],
      ['annotations null', one((a) => (a.annotations = null)), /^0\.annotations: /],
      ['a 20,001-character annotation', one((a) => (a.annotations = { d: 'x'.repeat(20_001) })), /^0\.annotations\.d: Too big/],
      ['startsAt on 30 February', one((a) => (a.startsAt = '2026-02-30T12:00:00Z')), /^0\.startsAt: /],
      ['startsAt without a T', one((a) => (a.startsAt = '2026-01-05 12:00:00Z')), /^0\.startsAt: /],
      ['startsAt offset without a colon', one((a) => (a.startsAt = '2026-01-05T12:00:00+0200')), /^0\.startsAt: /],
      ['endsAt a number', one((a) => (a.endsAt = 1)), /^0\.endsAt: /],
      ['generatorURL of 4,001 characters', one((a) => (a.generatorURL = 'h'.repeat(4001))), /^0\.generatorURL: Too big/],
      ['generatorURL null', one((a) => (a.generatorURL = null)), /^0\.generatorURL: /],
    ];
    for (const [what, body, says] of cases) {
      const strict = schema.safeParse(structuredClone(body));
      expect(strict.success, what).toBe(false);
      const n = normalisePostableAlerts(body, NOW);
      expect(n, what).toEqual({ ok: false, message: describeZodError(strict.error!) });
      expect(n.ok || n.message, what).toMatch(says);
    }
  });

  it('R-ALERT-2: a time the one-pass check takes is one the schema takes; the events equal the schema path’s', () => {
    const times = [
      '2026-12-02T03:00:00Z',
      '2026-12-02T03:00:00.123456Z',
      '2026-12-02T05:00:00+02:00',
      '2024-02-29T00:00:00Z',
      '2026-02-29T00:00:00Z',
      '2026-12-02T24:00:00Z',
      '2026-12-02T03:00Z',
      '2026-12-02T03:00:00',
      '2026-12-02T03:00:00.Z',
      '2026-12-02t03:00:00z',
      '+02026-12-02T03:00:00Z',
      '',
    ];
    for (const t of times) {
      const n = normalisePostableAlerts(
        one((a) => (a.startsAt = t)),
        NOW,
      );
      expect(n.ok, t).toBe(schema.safeParse(one((a) => (a.startsAt = t))).success);
    }
    const fast = normalisePostableAlerts([alert(), { labels: { alertname: 'Bare' } }], NOW);
    // The same alerts through the schema: a JSON "__proto__" label (dropped there, never a label) sends them that way.
    const viaSchema = normalisePostableAlerts(
      [
        {
          ...alert(),
          labels: JSON.parse('{"__proto__": "x", "alertname": "NginxDown", "instance": "web1", "severity": "critical", "empty": ""}'),
        },
        { labels: { alertname: 'Bare' } },
      ],
      NOW,
    );
    expect(fast).toEqual(viaSchema);
    expect(fast).toMatchObject({
      ok: true,
      events: [
        { labels: { alertname: 'NginxDown', instance: 'web1', severity: 'critical' }, annotations: { summary: 'nginx down on web1' } },
        { labels: { alertname: 'Bare' }, annotations: {}, status: 'firing', startsAt: NOW, generatorURL: null },
      ],
    });
  });
});
