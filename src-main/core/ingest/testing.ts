// Test support for intake tests (here and in headless/routes).

/** A webhook as Alertmanager sends it (v4), two alerts: one firing with a runbook link, one resolved without annotations. */
export const amWebhookBody = () => ({
  version: '4',
  groupKey: '{}:{alertname="HighLatency"}',
  truncatedAlerts: 0,
  status: 'firing',
  receiver: 'vigil',
  groupLabels: { alertname: 'HighLatency' },
  commonLabels: { alertname: 'HighLatency' },
  commonAnnotations: {},
  externalURL: 'http://am:9093',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighLatency', severity: 'page', instance: 'api1' },
      annotations: { summary: 'p99 over 2s on api1', runbook_url: 'http://wiki/latency' },
      startsAt: '2026-01-05T12:00:00Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: 'http://prom/graph',
      fingerprint: 'a1b2c3d4e5f60718',
    },
    {
      status: 'resolved',
      labels: { alertname: 'HighLatency', instance: 'api2' },
      startsAt: '2026-01-05T11:00:00Z',
      endsAt: '2026-01-05T11:30:00Z',
      fingerprint: '0011223344556677',
    },
  ],
});
