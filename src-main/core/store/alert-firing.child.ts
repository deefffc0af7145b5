// A process for the kill -9 test of R-SCALE-27 (alert-firing.test.ts): on the database in argv[2] it commits 20 new
// firing alerts (putMany), then in a second transaction inserts more and kills itself with SIGKILL half-way through
// the batch: after the rows of 5 new alerts are written, before their firing counts are.
import { sqliteAlertStateStore, type AlertState } from './alert-state';
import { openDatabase } from './db';

const state = (fp: string, severity: AlertState['severity']): AlertState => ({
  fingerprint: fp,
  source: 'alertmanager',
  severity,
  status: 'firing',
  summary: fp,
  labels: { alertname: fp },
  firstSeen: 1,
  lastSeen: 1,
  lastEventId: `e-${fp}`,
  count: 1,
  notifiedStatus: 'firing',
  notifiedAt: 1,
});

const { db } = openDatabase(process.argv[2]!);
const states = sqliteAlertStateStore(db);
db.transaction(() => states.putMany(Array.from({ length: 20 }, (_, i) => state(`a${i}`, i % 4 ? 'warning' : 'critical'))))();
function* dying(): Generator<AlertState> {
  for (let i = 0; i < 10; i++) {
    if (i === 5) process.kill(process.pid, 'SIGKILL');
    yield state(`b${i}`, 'critical');
  }
}
db.transaction(() => states.putMany(dying()))();
process.stdout.write('not killed\n');
