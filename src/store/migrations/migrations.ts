/**
 * Versioned schema migrations, one list for both stores. A migration never changes once released;
 * a change is a new version. Each carries the SQL for each dialect, kept side by side so they stay alike.
 */
import { APPROVALS_DDL } from '../approval-repo.js';

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sqlite: string;
  readonly postgres: string;
}

/** Tables whose DDL is the same in both dialects. */
const CREDENTIALS_AND_STATE = `
    CREATE TABLE agent_keys (
      key_id TEXT PRIMARY KEY,
      agent TEXT NOT NULL,
      key_hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      expires_at TEXT,
      revoked_at TEXT,
      last_used_at TEXT
    );
    CREATE INDEX agent_keys_agent ON agent_keys(agent);
    CREATE TABLE agent_state (
      agent TEXT PRIMARY KEY,
      revoked_at TEXT,
      reason TEXT
    );
    CREATE TABLE connector_state (
      connector TEXT PRIMARY KEY,
      state TEXT NOT NULL CHECK (state IN ('active', 'paused')),
      changed_at TEXT NOT NULL,
      changed_by TEXT,
      reason TEXT
    );
`;

const core: Migration = {
  version: 1,
  name: 'core',
  sqlite: `
    ${CREDENTIALS_AND_STATE}
    CREATE TABLE audit_records (
      seq INTEGER PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      time TEXT NOT NULL,
      request_id TEXT NOT NULL,
      agent TEXT,
      connector TEXT,
      outcome TEXT NOT NULL,
      body TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    CREATE INDEX audit_records_request ON audit_records(request_id);
    CREATE TABLE audit_head (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      seq INTEGER NOT NULL,
      hash TEXT NOT NULL
    );
    INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}');
    CREATE TABLE audit_checkpoints (
      seq INTEGER PRIMARY KEY,
      head_hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      key_id TEXT NOT NULL,
      signature TEXT NOT NULL
    );
    CREATE TABLE audit_keys (
      key_id TEXT PRIMARY KEY,
      public_key TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE TABLE documents (
      rowid INTEGER PRIMARY KEY,
      connector TEXT NOT NULL,
      path TEXT NOT NULL,
      title TEXT NOT NULL,
      label TEXT NOT NULL,
      version TEXT NOT NULL,
      size INTEGER NOT NULL,
      modified_at TEXT NOT NULL,
      indexed_at TEXT NOT NULL,
      body TEXT NOT NULL,
      UNIQUE (connector, path)
    );
    CREATE VIRTUAL TABLE documents_fts USING fts5(
      title, body, content='documents', content_rowid='rowid', tokenize='porter unicode61'
    );
    CREATE TRIGGER documents_ai AFTER INSERT ON documents BEGIN
      INSERT INTO documents_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body);
    END;
    CREATE TRIGGER documents_ad AFTER DELETE ON documents BEGIN
      INSERT INTO documents_fts (documents_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
    END;
    CREATE TRIGGER documents_au AFTER UPDATE ON documents BEGIN
      INSERT INTO documents_fts (documents_fts, rowid, title, body) VALUES ('delete', old.rowid, old.title, old.body);
      INSERT INTO documents_fts (rowid, title, body) VALUES (new.rowid, new.title, new.body);
    END;
  `,
  postgres: `
    ${CREDENTIALS_AND_STATE}
    CREATE TABLE audit_records (
      seq BIGINT PRIMARY KEY,
      id TEXT NOT NULL UNIQUE,
      time TEXT NOT NULL,
      request_id TEXT NOT NULL,
      agent TEXT,
      connector TEXT,
      outcome TEXT NOT NULL,
      body TEXT NOT NULL,
      prev_hash TEXT NOT NULL,
      hash TEXT NOT NULL
    );
    CREATE INDEX audit_records_request ON audit_records(request_id);
    CREATE TABLE audit_head (
      id INTEGER PRIMARY KEY CHECK (id = 1),
      seq BIGINT NOT NULL,
      hash TEXT NOT NULL
    );
    INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '${'0'.repeat(64)}');
    CREATE TABLE audit_checkpoints (
      seq BIGINT PRIMARY KEY,
      head_hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      key_id TEXT NOT NULL,
      signature TEXT NOT NULL
    );
    CREATE TABLE audit_keys (
      key_id TEXT PRIMARY KEY,
      public_key TEXT NOT NULL,
      created_at TEXT NOT NULL
    );
    CREATE TABLE documents (
      connector TEXT NOT NULL,
      path TEXT NOT NULL,
      title TEXT NOT NULL,
      label TEXT NOT NULL,
      version TEXT NOT NULL,
      size INTEGER NOT NULL,
      modified_at TEXT NOT NULL,
      indexed_at TEXT NOT NULL,
      body TEXT NOT NULL,
      -- tsvector values are capped at 1 MB; index the first 500k characters.
      search_vector tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', left(body, 500000)), 'B')
      ) STORED,
      PRIMARY KEY (connector, path)
    );
    CREATE INDEX documents_search ON documents USING GIN (search_vector);
  `,
};

/** Tables for connectors of record systems; the DDL is the same in both dialects. */
const RECORD_SYSTEMS_DDL = `
    CREATE TABLE secrets (
      name TEXT PRIMARY KEY,
      key_id TEXT NOT NULL,
      nonce TEXT NOT NULL,
      ciphertext TEXT NOT NULL,
      tag TEXT NOT NULL,
      version INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE tool_pins (
      connector TEXT NOT NULL,
      tool TEXT NOT NULL,
      hash TEXT NOT NULL,
      definition TEXT NOT NULL,
      pinned_at TEXT NOT NULL,
      pinned_by TEXT,
      PRIMARY KEY (connector, tool)
    );
    CREATE TABLE change_records (
      audit_id TEXT NOT NULL,
      position INTEGER NOT NULL,
      connector TEXT NOT NULL,
      kind TEXT NOT NULL,
      target TEXT NOT NULL,
      record_key TEXT NOT NULL,
      before_image TEXT,
      after_image TEXT,
      created_at TEXT NOT NULL,
      PRIMARY KEY (audit_id, position)
    );
    CREATE TABLE connector_health (
      connector TEXT NOT NULL,
      replica TEXT NOT NULL,
      status TEXT NOT NULL,
      last_success_at TEXT,
      last_error_at TEXT,
      last_error_code TEXT,
      latency_ms DOUBLE PRECISION,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (connector, replica)
    );
`;

const recordSystems: Migration = {
  version: 2,
  name: 'record-systems',
  sqlite: RECORD_SYSTEMS_DDL,
  postgres: RECORD_SYSTEMS_DDL,
};

const approvals: Migration = {
  version: 3,
  name: 'approvals',
  sqlite: APPROVALS_DDL,
  postgres: APPROVALS_DDL,
};

/** Every migration, oldest first. */
export const MIGRATIONS: readonly Migration[] = [core, recordSystems, approvals];
