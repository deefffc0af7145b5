import type { TableSpec } from './spec';

/**
 * People, intake tokens and browser sessions (R-PEOPLE). Only SHA-256 hashes
 * of tokens are kept: the tokens are 256-bit random, so a hash cannot be
 * reversed by guessing, and a stolen database opens nothing.
 */
export const peopleTables: TableSpec[] = [
  {
    name: 'people',
    columns: {
      name: 'TEXT PRIMARY KEY',
      role: 'TEXT NOT NULL',
      token_hash: 'TEXT NOT NULL',
      telegram: 'TEXT',
      created_at: 'INTEGER NOT NULL',
      token_issued_at: 'INTEGER NOT NULL',
      /** Severities this person's desktop is notified of (JSON array); NULL = all (issue 18.4). */
      notify_severities: 'TEXT',
      /** This person's own desktop notices are paused until (ms), or NULL (connected mode's "Pause notifications", R-TEAM-3). */
      notify_paused_until: 'INTEGER',
    },
    indexes: { people_token: 'UNIQUE ON people(token_hash)', people_telegram: 'UNIQUE ON people(telegram)' },
    options: 'WITHOUT ROWID',
  },
  {
    // Tokens that may only post alerts (webhooks, Alertmanager): their own kind, no role.
    name: 'intake_tokens',
    columns: { name: 'TEXT PRIMARY KEY', token_hash: 'TEXT NOT NULL', created_at: 'INTEGER NOT NULL' },
    indexes: { intake_tokens_hash: 'UNIQUE ON intake_tokens(token_hash)' },
    options: 'WITHOUT ROWID',
  },
  {
    // A number every change of who a token belongs to moves (triggers: any connection's write does, `vigil user` and
    // `vigil intake-token` included): the main thread remembers what presented tokens resolved to while it stands
    // (store/people.ts), reading this one row per request instead of a token's rows (R-PEOPLE-6).
    name: 'token_owners_version',
    columns: { id: 'INTEGER PRIMARY KEY CHECK (id = 1)', n: 'INTEGER NOT NULL' },
    extra: [
      `INSERT OR IGNORE INTO token_owners_version (id, n) VALUES (1, 0)`,
      ...[
        ['people_insert', 'INSERT ON people'],
        ['people_update', 'UPDATE OF name, role, token_hash ON people'],
        ['people_delete', 'DELETE ON people'],
        ['intake_insert', 'INSERT ON intake_tokens'],
        ['intake_update', 'UPDATE ON intake_tokens'],
        ['intake_delete', 'DELETE ON intake_tokens'],
      ].map(
        ([name, on]) => `CREATE TRIGGER IF NOT EXISTS token_owners_version_${name} AFTER ${on} BEGIN
           UPDATE token_owners_version SET n = n + 1 WHERE id = 1;
         END`,
      ),
    ],
  },
  {
    name: 'sessions',
    columns: {
      id: 'TEXT PRIMARY KEY',
      secret_hash: 'TEXT NOT NULL',
      person: 'TEXT NOT NULL',
      created_at: 'INTEGER NOT NULL',
      expires_at: 'INTEGER NOT NULL',
      last_seen_at: 'INTEGER NOT NULL',
      user_agent: "TEXT NOT NULL DEFAULT ''",
      revoked_at: 'INTEGER',
    },
    indexes: { sessions_secret: 'UNIQUE ON sessions(secret_hash)', sessions_person: 'ON sessions(person)' },
    options: 'WITHOUT ROWID',
  },
];
