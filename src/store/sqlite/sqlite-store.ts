/**
 * The embedded store: one SQLite file in WAL mode, shared safely by the server and CLI processes.
 * Statements are prepared once; the audit append runs in an IMMEDIATE transaction so concurrent
 * writers (another process) serialize on the chain head.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { sqlApprovalRepo, type AdminCredentialRepo, type ApprovalRepo } from '../approval-repo.js';
import { MIGRATIONS } from '../migrations/migrations.js';
import { EXTRA_SQL } from '../extra-sql.js';
import { auditRow, changeRow, connectorRow, docMeta, healthRow, keyRow, nullable, secretMeta, secretRow, toolPinRow, type Row } from '../row-mappers.js';
import { ftsTerms } from '../search-terms.js';
import type {
  AgentKeyRow, AgentStateRow, AuditAppend, AuditCheckpointRow, AuditQuery, AuditRow, ChainHasher, ChangeRow, ConnectorHealthRow,
  ConnectorStateRow, DocumentSearch, IndexedDocument, IndexedDocumentMeta, SearchHit, SecretMeta, SecretRow, Store, ToolPinRow,
} from '../store.js';

const KEY_COLUMNS = 'key_id, agent, key_hash, created_at, expires_at, revoked_at, last_used_at';
const DOC_META_COLUMNS = 'connector, path, title, label, version, size, modified_at, indexed_at';

/** Open (creating if needed) a SQLite store at `file` and bring its schema up to date. */
export function openSqliteStore(file: string): SqliteStore {
  if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  // Audit records must be durable before a response leaves: every commit is fsynced (batched upstream).
  db.pragma('synchronous = FULL');
  db.pragma('busy_timeout = 5000');
  db.pragma('foreign_keys = ON');
  migrate(db);
  return new SqliteStore(db);
}

function migrate(db: Database.Database): void {
  db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  const apply = db.transaction(() => {
    const applied = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
    for (const migration of MIGRATIONS) {
      if (applied.has(migration.version)) continue;
      db.exec(migration.sqlite);
      db.prepare('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)')
        .run(migration.version, migration.name, new Date().toISOString());
    }
  });
  apply.immediate();
}

export class SqliteStore implements Store {
  readonly kind = 'sqlite' as const;
  readonly approvals: ApprovalRepo & AdminCredentialRepo;
  readonly #db: Database.Database;
  readonly #stmt;

  constructor(db: Database.Database) {
    this.#db = db;
    // Statements prepared on first use and kept: the approval SQL is a fixed set of texts.
    const prepared = new Map<string, Database.Statement>();
    const statement = (sql: string) => {
      let s = prepared.get(sql);
      if (s === undefined) prepared.set(sql, s = db.prepare(sql));
      return s;
    };
    this.approvals = sqlApprovalRepo({
      all: async (sql, params) => statement(sql).all(...params) as Row[],
      run: async (sql, params) => statement(sql).run(...params).changes,
    });
    const p = (sql: string) => db.prepare(sql);
    this.#stmt = {
      insertKey: p(`INSERT INTO agent_keys (${KEY_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`),
      findKey: p(`SELECT ${KEY_COLUMNS} FROM agent_keys WHERE key_id = ?`),
      listKeys: p(`SELECT ${KEY_COLUMNS} FROM agent_keys ORDER BY agent, created_at`),
      listAgentKeys: p(`SELECT ${KEY_COLUMNS} FROM agent_keys WHERE agent = ? ORDER BY created_at`),
      revokeKeys: p('UPDATE agent_keys SET revoked_at = ? WHERE agent = ? AND revoked_at IS NULL AND key_id IS NOT ?'),
      touchKey: p('UPDATE agent_keys SET last_used_at = ? WHERE key_id = ?'),
      getAgentState: p('SELECT agent, revoked_at, reason FROM agent_state WHERE agent = ?'),
      setAgentState: p(`INSERT INTO agent_state (agent, revoked_at, reason) VALUES (?, ?, ?)
        ON CONFLICT (agent) DO UPDATE SET revoked_at = excluded.revoked_at, reason = excluded.reason`),
      getConnectorState: p('SELECT connector, state, changed_at, changed_by, reason FROM connector_state WHERE connector = ?'),
      listConnectorStates: p('SELECT connector, state, changed_at, changed_by, reason FROM connector_state ORDER BY connector'),
      setConnectorState: p(`INSERT INTO connector_state (connector, state, changed_at, changed_by, reason) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT (connector) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at,
        changed_by = excluded.changed_by, reason = excluded.reason`),
      head: p('SELECT seq, hash FROM audit_head WHERE id = 1'),
      insertAudit: p(`INSERT INTO audit_records (seq, id, time, request_id, agent, connector, outcome, body, prev_hash, hash)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
      setHead: p('UPDATE audit_head SET seq = ?, hash = ? WHERE id = 1'),
      readAuditAsc: p('SELECT seq, id, body, prev_hash, hash FROM audit_records WHERE seq > ? ORDER BY seq ASC LIMIT ?'),
      readAuditDesc: p('SELECT seq, id, body, prev_hash, hash FROM audit_records ORDER BY seq DESC LIMIT ?'),
      findAudit: p('SELECT seq, id, body, prev_hash, hash FROM audit_records WHERE id = ?'),
      insertCheckpoint: p('INSERT INTO audit_checkpoints (seq, head_hash, created_at, key_id, signature) VALUES (?, ?, ?, ?, ?) ON CONFLICT (seq) DO NOTHING'),
      listCheckpoints: p('SELECT seq, head_hash, created_at, key_id, signature FROM audit_checkpoints ORDER BY seq'),
      putAuditKey: p('INSERT INTO audit_keys (key_id, public_key, created_at) VALUES (?, ?, ?) ON CONFLICT (key_id) DO NOTHING'),
      listAuditKeys: p('SELECT key_id, public_key, created_at FROM audit_keys ORDER BY created_at'),
      upsertDocument: p(`INSERT INTO documents (connector, path, title, label, version, size, modified_at, indexed_at, body)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (connector, path) DO UPDATE SET title = excluded.title, label = excluded.label, version = excluded.version,
        size = excluded.size, modified_at = excluded.modified_at, indexed_at = excluded.indexed_at, body = excluded.body`),
      deleteDocument: p('DELETE FROM documents WHERE connector = ? AND path = ?'),
      listDocuments: p(`SELECT ${DOC_META_COLUMNS} FROM documents WHERE connector = ? ORDER BY path`),
      getDocument: p(`SELECT ${DOC_META_COLUMNS} FROM documents WHERE connector = ? AND path = ?`),
      migrations: p('SELECT version FROM schema_migrations ORDER BY version'),
      ...Object.fromEntries(Object.entries(EXTRA_SQL).map(([name, sql]) => [name, p(sql)])) as Record<keyof typeof EXTRA_SQL, Database.Statement>,
    };
  }

  async insertKey(row: AgentKeyRow): Promise<void> {
    this.#stmt.insertKey.run(row.keyId, row.agent, row.keyHash, row.createdAt, row.expiresAt, row.revokedAt, row.lastUsedAt);
  }
  async findKey(keyId: string): Promise<AgentKeyRow | undefined> {
    const row = this.#stmt.findKey.get(keyId) as Row | undefined;
    return row && keyRow(row);
  }
  async listKeys(agent?: string): Promise<AgentKeyRow[]> {
    const rows = (agent === undefined ? this.#stmt.listKeys.all() : this.#stmt.listAgentKeys.all(agent)) as Row[];
    return rows.map(keyRow);
  }
  async revokeKeys(agent: string, at: string, keepKeyId?: string): Promise<number> {
    return this.#stmt.revokeKeys.run(at, agent, keepKeyId ?? null).changes;
  }
  async touchKey(keyId: string, at: string): Promise<void> {
    this.#stmt.touchKey.run(at, keyId);
  }
  async getAgentState(agent: string): Promise<AgentStateRow | undefined> {
    const row = this.#stmt.getAgentState.get(agent) as Row | undefined;
    return row && { agent: String(row.agent), revokedAt: nullable(row.revoked_at), reason: nullable(row.reason) };
  }
  async setAgentRevoked(agent: string, revokedAt: string | null, reason: string | null): Promise<void> {
    this.#stmt.setAgentState.run(agent, revokedAt, reason);
  }

  async getConnectorState(connector: string): Promise<ConnectorStateRow | undefined> {
    const row = this.#stmt.getConnectorState.get(connector) as Row | undefined;
    return row && connectorRow(row);
  }
  async listConnectorStates(): Promise<ConnectorStateRow[]> {
    return (this.#stmt.listConnectorStates.all() as Row[]).map(connectorRow);
  }
  async setConnectorState(row: ConnectorStateRow): Promise<void> {
    this.#stmt.setConnectorState.run(row.connector, row.state, row.changedAt, row.changedBy, row.reason);
  }

  async appendAudit(records: readonly AuditAppend[], hasher: ChainHasher): Promise<AuditRow[]> {
    const append = this.#db.transaction(() => {
      const head = this.#stmt.head.get() as { seq: number; hash: string };
      let { seq, hash } = head;
      const written: AuditRow[] = [];
      for (const record of records) {
        seq += 1;
        const prevHash = hash;
        hash = hasher(prevHash, seq, record.body);
        this.#stmt.insertAudit.run(seq, record.id, record.time, record.requestId, record.agent, record.connector,
          record.outcome, record.body, prevHash, hash);
        written.push({ seq, id: record.id, body: record.body, prevHash, hash });
      }
      this.#stmt.setHead.run(seq, hash);
      return written;
    });
    return append.immediate();
  }
  async auditHead(): Promise<{ seq: number; hash: string }> {
    const head = this.#stmt.head.get() as { seq: number; hash: string };
    return { seq: Number(head.seq), hash: head.hash };
  }
  async readAudit(query: AuditQuery): Promise<AuditRow[]> {
    const rows = (query.descending
      ? this.#stmt.readAuditDesc.all(query.limit)
      : this.#stmt.readAuditAsc.all(query.afterSeq ?? 0, query.limit)) as Row[];
    return rows.map(auditRow);
  }
  async findAudit(id: string): Promise<AuditRow | undefined> {
    const row = this.#stmt.findAudit.get(id) as Row | undefined;
    return row && auditRow(row);
  }
  async insertCheckpoint(row: AuditCheckpointRow): Promise<void> {
    this.#stmt.insertCheckpoint.run(row.seq, row.headHash, row.createdAt, row.keyId, row.signature);
  }
  async listCheckpoints(): Promise<AuditCheckpointRow[]> {
    return (this.#stmt.listCheckpoints.all() as Row[]).map((r) => ({
      seq: Number(r.seq), headHash: String(r.head_hash), createdAt: String(r.created_at), keyId: String(r.key_id), signature: String(r.signature),
    }));
  }
  async putAuditKey(keyId: string, publicKeyPem: string, createdAt: string): Promise<void> {
    this.#stmt.putAuditKey.run(keyId, publicKeyPem, createdAt);
  }
  async listAuditKeys(): Promise<{ keyId: string; publicKeyPem: string; createdAt: string }[]> {
    return (this.#stmt.listAuditKeys.all() as Row[]).map((r) => ({ keyId: String(r.key_id), publicKeyPem: String(r.public_key), createdAt: String(r.created_at) }));
  }

  async upsertDocument(doc: IndexedDocument): Promise<void> {
    this.#stmt.upsertDocument.run(doc.connector, doc.path, doc.title, doc.label, doc.version, doc.size, doc.modifiedAt, doc.indexedAt, doc.body);
  }
  async deleteDocument(connector: string, path: string): Promise<void> {
    this.#stmt.deleteDocument.run(connector, path);
  }
  async listDocuments(connector: string): Promise<IndexedDocumentMeta[]> {
    return (this.#stmt.listDocuments.all(connector) as Row[]).map(docMeta);
  }
  async getDocument(connector: string, path: string): Promise<IndexedDocumentMeta | undefined> {
    const row = this.#stmt.getDocument.get(connector, path) as Row | undefined;
    return row && docMeta(row);
  }
  async searchDocuments(search: DocumentSearch): Promise<SearchHit[]> {
    const terms = ftsTerms(search.query);
    if (terms.length === 0 || search.labels.length === 0) return [];
    const match = terms.map((t) => `"${t}"`).join(' OR ');
    const labels = search.labels.map(() => '?').join(', ');
    // Built per call only for the label list length; values are bound, never interpolated.
    const rows = this.#db.prepare(`
      SELECT d.connector, d.path, d.title, d.label, d.version, d.size, d.modified_at, d.indexed_at,
             -bm25(documents_fts, 5.0, 1.0) AS score,
             snippet(documents_fts, 1, '«', '»', '…', 16) AS snippet
      FROM documents_fts JOIN documents d ON d.rowid = documents_fts.rowid
      WHERE documents_fts MATCH ? AND d.connector = ? AND d.label IN (${labels})
      ORDER BY bm25(documents_fts, 5.0, 1.0) LIMIT ?`).all(match, search.connector, ...search.labels, search.limit) as Row[];
    return rows.map((r) => ({ ...docMeta(r), score: Number(r.score), snippet: String(r.snippet) }));
  }

  async putSecret(row: Omit<SecretRow, 'version' | 'createdAt'> & { readonly createdAt?: string }): Promise<number> {
    const out = this.#stmt.putSecret.get(row.name, row.keyId, row.nonce, row.ciphertext, row.tag, row.createdAt ?? row.updatedAt, row.updatedAt) as Row;
    return Number(out.version);
  }
  async getSecret(name: string): Promise<SecretRow | undefined> {
    const row = this.#stmt.getSecret.get(name) as Row | undefined;
    return row && secretRow(row);
  }
  async listSecrets(): Promise<SecretMeta[]> {
    return (this.#stmt.listSecrets.all() as Row[]).map(secretMeta);
  }
  async deleteSecret(name: string): Promise<boolean> {
    return this.#stmt.deleteSecret.run(name).changes > 0;
  }
  async listToolPins(connector: string): Promise<ToolPinRow[]> {
    return (this.#stmt.listToolPins.all(connector) as Row[]).map(toolPinRow);
  }
  async replaceToolPins(connector: string, pins: readonly ToolPinRow[]): Promise<void> {
    this.#db.transaction(() => {
      this.#stmt.deleteToolPins.run(connector);
      for (const pin of pins) this.#stmt.insertToolPin.run(connector, pin.tool, pin.hash, pin.definition, pin.pinnedAt, pin.pinnedBy);
    }).immediate();
  }
  async insertChanges(rows: readonly ChangeRow[]): Promise<void> {
    this.#db.transaction(() => {
      for (const r of rows) {
        this.#stmt.insertChange.run(r.auditId, r.position, r.connector, r.kind, r.target, r.recordKey, r.beforeImage, r.afterImage, r.createdAt);
      }
    }).immediate();
  }
  async listChanges(auditId: string): Promise<ChangeRow[]> {
    return (this.#stmt.listChanges.all(auditId) as Row[]).map(changeRow);
  }
  async putConnectorHealth(r: ConnectorHealthRow): Promise<void> {
    this.#stmt.putHealth.run(r.connector, r.replica, r.status, r.lastSuccessAt, r.lastErrorAt, r.lastErrorCode, r.latencyMs, r.updatedAt);
  }
  async listConnectorHealth(): Promise<ConnectorHealthRow[]> {
    return (this.#stmt.listHealth.all() as Row[]).map(healthRow);
  }

  async migrationVersions(): Promise<number[]> {
    return this.#stmt.migrations.pluck().all() as number[];
  }
  async close(): Promise<void> {
    if (this.#db.open) this.#db.close();
  }
}
