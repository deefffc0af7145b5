/**
 * The schedule the on-call tests share: ops rotates alice → bob → carol weekly from Monday 5 January 09:00 (+01:00),
 * dave covers the night of 21–22 January; db's rotation (erin) starts only in March, so nobody is on call for it before.
 */
export const ROTATIONS_YAML = `
oncall:
  - team: ops
    people: [alice, bob, carol]
    start: "2026-01-05T09:00:00+01:00"
    overrides:
      - { person: dave, from: "2026-01-21T18:00:00+01:00", until: "2026-01-22T08:00:00+01:00" }
  - team: db
    people: [erin]
    start: "2026-03-02T09:00:00Z"
`;
