import { describe, expect, it } from 'vitest';
import { normalisePostableAlerts } from './alertmanager';

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
