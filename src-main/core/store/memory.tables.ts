import type { TableSpec } from './spec';

/**
 * OpenClaw memory (R-MEMORY): insights, their keyword index (FTS5, kept in
 * step by triggers so rows written by any path are searchable), the
 * embedding queue and the vectors (one row per insight and model, with its
 * dimension, as float32 blobs that sqlite-vec compares).
 */
export const memoryTables: TableSpec[] = [
  {
    name: 'insights',
    columns: {
      id: 'INTEGER PRIMARY KEY AUTOINCREMENT',
      kind: "TEXT NOT NULL CHECK (kind IN ('incident','resolution','knowledge','note'))",
      source: 'TEXT NOT NULL',
      title: 'TEXT NOT NULL',
      body: "TEXT NOT NULL DEFAULT ''",
      tags: "TEXT NOT NULL DEFAULT '[]'",
      flags: "TEXT NOT NULL DEFAULT '[]'",
      ref: 'TEXT',
      created_at: 'INTEGER NOT NULL',
      updated_at: 'INTEGER NOT NULL',
    },
    indexes: { insights_kind_created: 'ON insights(kind, created_at)', insights_ref: 'ON insights(ref)' },
    extra: [
      `CREATE VIRTUAL TABLE IF NOT EXISTS insights_fts USING fts5(title, body, tags, content='insights', content_rowid='id', tokenize='porter unicode61')`,
      `CREATE TRIGGER IF NOT EXISTS insights_fts_ai AFTER INSERT ON insights BEGIN
         INSERT INTO insights_fts(rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags); END`,
      `CREATE TRIGGER IF NOT EXISTS insights_fts_ad AFTER DELETE ON insights BEGIN
         INSERT INTO insights_fts(insights_fts, rowid, title, body, tags) VALUES ('delete', old.id, old.title, old.body, old.tags); END`,
      `CREATE TRIGGER IF NOT EXISTS insights_fts_au AFTER UPDATE OF title, body, tags ON insights BEGIN
         INSERT INTO insights_fts(insights_fts, rowid, title, body, tags) VALUES ('delete', old.id, old.title, old.body, old.tags);
         INSERT INTO insights_fts(rowid, title, body, tags) VALUES (new.id, new.title, new.body, new.tags); END`,
    ],
  },
  {
    name: 'embedding_queue',
    columns: {
      insight_id: 'INTEGER PRIMARY KEY REFERENCES insights(id) ON DELETE CASCADE',
      state: "TEXT NOT NULL CHECK (state IN ('pending','processing','done','failed'))",
      attempts: 'INTEGER NOT NULL DEFAULT 0',
      last_error: 'TEXT',
      created_at: 'INTEGER NOT NULL',
      updated_at: 'INTEGER NOT NULL',
    },
    indexes: { embedding_queue_state: 'ON embedding_queue(state, updated_at)' },
  },
  {
    name: 'insight_vectors',
    columns: {
      insight_id: 'INTEGER NOT NULL REFERENCES insights(id) ON DELETE CASCADE',
      model: 'TEXT NOT NULL',
      dim: 'INTEGER NOT NULL',
      vector: 'BLOB NOT NULL',
      created_at: 'INTEGER NOT NULL',
    },
    constraints: ['PRIMARY KEY (insight_id, model)'],
    indexes: { insight_vectors_model: 'ON insight_vectors(model, dim)' },
  },
];
