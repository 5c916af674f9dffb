/**
 * The shared store for several replicas: PostgreSQL through a `pg` connection pool.
 * `?schema=NAME` in the URL keeps Gatehouse's tables in their own schema (created if missing).
 * Migrations run under an advisory lock so replicas starting together apply each one once.
 * The audit append locks the chain head row, so appends from every replica form one chain.
 */
import pg from 'pg';
import { sqlApprovalRepo, type AdminCredentialRepo, type ApprovalRepo } from '../approval-repo.js';
import { MIGRATIONS } from '../migrations/migrations.js';
import { EXTRA_SQL, numbered } from '../extra-sql.js';
import { auditRow, changeRow, connectorRow, docMeta, healthRow, keyRow, nullable, secretMeta, secretRow, toolPinRow, type Row } from '../row-mappers.js';
import { ftsTerms } from '../search-terms.js';
import type {
  AgentKeyRow, AgentStateRow, AuditAppend, AuditCheckpointRow, AuditQuery, AuditRow, ChainHasher, ChangeRow, ConnectorHealthRow,
  ConnectorStateRow, DocumentSearch, IndexedDocument, IndexedDocumentMeta, SearchHit, SecretMeta, SecretRow, Store, ToolPinRow,
} from '../store.js';

const SQL = Object.fromEntries(Object.entries(EXTRA_SQL).map(([name, sql]) => [name, numbered(sql)])) as Record<keyof typeof EXTRA_SQL, string>;

const KEY_COLUMNS = 'key_id, agent, key_hash, created_at, expires_at, revoked_at, last_used_at';
const DOC_META_COLUMNS = 'connector, path, title, label, version, size, modified_at, indexed_at';
/** Advisory lock id that serializes migrations across replicas ("gatehous" in ASCII). */
const MIGRATION_LOCK = 0x6761746568_6f7573n % 2n ** 63n;

/** Open a PostgreSQL store and bring its schema up to date. */
export async function openPostgresStore(url: string, options: { poolSize?: number } = {}): Promise<PostgresStore> {
  const parsed = new URL(url);
  const schema = parsed.searchParams.get('schema');
  parsed.searchParams.delete('schema');
  if (schema !== null && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new Error('The schema parameter of the store URL must be a lowercase SQL identifier.');
  }
  const pool = new pg.Pool({
    connectionString: parsed.toString(),
    max: options.poolSize ?? 10,
    ...(schema === null ? {} : { options: `-c search_path=${schema}` }),
  });
  // An idle client that errors (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  const client = await pool.connect();
  try {
    if (schema !== null) await client.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK.toString()]);
    try {
      await client.query('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
      const applied = new Set((await client.query('SELECT version FROM schema_migrations')).rows.map((r: Row) => Number(r.version)));
      for (const migration of MIGRATIONS) {
        if (applied.has(migration.version)) continue;
        await client.query('BEGIN');
        try {
          await client.query(migration.postgres);
          await client.query('INSERT INTO schema_migrations (version, name, applied_at) VALUES ($1, $2, $3)',
            [migration.version, migration.name, new Date().toISOString()]);
          await client.query('COMMIT');
        } catch (err) {
          await client.query('ROLLBACK');
          throw err;
        }
      }
    } finally {
      await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK.toString()]);
    }
  } finally {
    client.release();
  }
  return new PostgresStore(pool);
}

export class PostgresStore implements Store {
  readonly kind = 'postgres' as const;
  readonly approvals: ApprovalRepo & AdminCredentialRepo;
  readonly #pool: pg.Pool;

  constructor(pool: pg.Pool) {
    this.#pool = pool;
    this.approvals = sqlApprovalRepo({
      all: async (sql, params) => (await pool.query({ text: numbered(sql), values: [...params] })).rows as Row[],
      run: async (sql, params) => (await pool.query({ text: numbered(sql), values: [...params] })).rowCount ?? 0,
    });
  }

  async #rows(text: string, values: unknown[] = []): Promise<Row[]> {
    return (await this.#pool.query({ text, values })).rows as Row[];
  }

  async insertKey(row: AgentKeyRow): Promise<void> {
    await this.#rows(`INSERT INTO agent_keys (${KEY_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [row.keyId, row.agent, row.keyHash, row.createdAt, row.expiresAt, row.revokedAt, row.lastUsedAt]);
  }
  async findKey(keyId: string): Promise<AgentKeyRow | undefined> {
    const [row] = await this.#rows(`SELECT ${KEY_COLUMNS} FROM agent_keys WHERE key_id = $1`, [keyId]);
    return row && keyRow(row);
  }
  async listKeys(agent?: string): Promise<AgentKeyRow[]> {
    const rows = agent === undefined
      ? await this.#rows(`SELECT ${KEY_COLUMNS} FROM agent_keys ORDER BY agent, created_at`)
      : await this.#rows(`SELECT ${KEY_COLUMNS} FROM agent_keys WHERE agent = $1 ORDER BY created_at`, [agent]);
    return rows.map(keyRow);
  }
  async revokeKeys(agent: string, at: string, keepKeyId?: string): Promise<number> {
    const result = await this.#pool.query(
      'UPDATE agent_keys SET revoked_at = $1 WHERE agent = $2 AND revoked_at IS NULL AND key_id IS DISTINCT FROM $3',
      [at, agent, keepKeyId ?? null]);
    return result.rowCount ?? 0;
  }
  async touchKey(keyId: string, at: string): Promise<void> {
    await this.#rows('UPDATE agent_keys SET last_used_at = $1 WHERE key_id = $2', [at, keyId]);
  }
  async getAgentState(agent: string): Promise<AgentStateRow | undefined> {
    const [row] = await this.#rows('SELECT agent, revoked_at, reason FROM agent_state WHERE agent = $1', [agent]);
    return row && { agent: String(row.agent), revokedAt: nullable(row.revoked_at), reason: nullable(row.reason) };
  }
  async setAgentRevoked(agent: string, revokedAt: string | null, reason: string | null): Promise<void> {
    await this.#rows(`INSERT INTO agent_state (agent, revoked_at, reason) VALUES ($1, $2, $3)
      ON CONFLICT (agent) DO UPDATE SET revoked_at = excluded.revoked_at, reason = excluded.reason`, [agent, revokedAt, reason]);
  }

  async getConnectorState(connector: string): Promise<ConnectorStateRow | undefined> {
    const [row] = await this.#rows('SELECT connector, state, changed_at, changed_by, reason FROM connector_state WHERE connector = $1', [connector]);
    return row && connectorRow(row);
  }
  async listConnectorStates(): Promise<ConnectorStateRow[]> {
    return (await this.#rows('SELECT connector, state, changed_at, changed_by, reason FROM connector_state ORDER BY connector')).map(connectorRow);
  }
  async setConnectorState(row: ConnectorStateRow): Promise<void> {
    await this.#rows(`INSERT INTO connector_state (connector, state, changed_at, changed_by, reason) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (connector) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at,
      changed_by = excluded.changed_by, reason = excluded.reason`, [row.connector, row.state, row.changedAt, row.changedBy, row.reason]);
  }

  async appendAudit(records: readonly AuditAppend[], hasher: ChainHasher): Promise<AuditRow[]> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      try {
        const head = (await client.query('SELECT seq, hash FROM audit_head WHERE id = 1 FOR UPDATE')).rows[0] as Row;
        let seq = Number(head.seq);
        let hash = String(head.hash);
        const written: AuditRow[] = [];
        const values: unknown[] = [];
        const tuples: string[] = [];
        for (const record of records) {
          seq += 1;
          const prevHash = hash;
          hash = hasher(prevHash, seq, record.body);
          const base = values.length;
          tuples.push(`(${Array.from({ length: 10 }, (_, i) => `$${base + i + 1}`).join(', ')})`);
          values.push(seq, record.id, record.time, record.requestId, record.agent, record.connector, record.outcome, record.body, prevHash, hash);
          written.push({ seq, id: record.id, body: record.body, prevHash, hash });
        }
        if (tuples.length > 0) {
          await client.query(`INSERT INTO audit_records (seq, id, time, request_id, agent, connector, outcome, body, prev_hash, hash)
            VALUES ${tuples.join(', ')}`, values);
          await client.query('UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1', [seq, hash]);
        }
        await client.query('COMMIT');
        return written;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      client.release();
    }
  }
  async auditHead(): Promise<{ seq: number; hash: string }> {
    const [row] = await this.#rows('SELECT seq, hash FROM audit_head WHERE id = 1');
    return { seq: Number(row?.seq ?? 0), hash: String(row?.hash) };
  }
  async readAudit(query: AuditQuery): Promise<AuditRow[]> {
    const rows = query.descending
      ? await this.#rows('SELECT seq, id, body, prev_hash, hash FROM audit_records ORDER BY seq DESC LIMIT $1', [query.limit])
      : await this.#rows('SELECT seq, id, body, prev_hash, hash FROM audit_records WHERE seq > $1 ORDER BY seq ASC LIMIT $2',
        [query.afterSeq ?? 0, query.limit]);
    return rows.map(auditRow);
  }
  async findAudit(id: string): Promise<AuditRow | undefined> {
    const [row] = await this.#rows('SELECT seq, id, body, prev_hash, hash FROM audit_records WHERE id = $1', [id]);
    return row && auditRow(row);
  }
  async insertCheckpoint(row: AuditCheckpointRow): Promise<void> {
    await this.#rows(`INSERT INTO audit_checkpoints (seq, head_hash, created_at, key_id, signature) VALUES ($1, $2, $3, $4, $5)
      ON CONFLICT (seq) DO NOTHING`, [row.seq, row.headHash, row.createdAt, row.keyId, row.signature]);
  }
  async listCheckpoints(): Promise<AuditCheckpointRow[]> {
    return (await this.#rows('SELECT seq, head_hash, created_at, key_id, signature FROM audit_checkpoints ORDER BY seq')).map((r) => ({
      seq: Number(r.seq), headHash: String(r.head_hash), createdAt: String(r.created_at), keyId: String(r.key_id), signature: String(r.signature),
    }));
  }
  async putAuditKey(keyId: string, publicKeyPem: string, createdAt: string): Promise<void> {
    await this.#rows('INSERT INTO audit_keys (key_id, public_key, created_at) VALUES ($1, $2, $3) ON CONFLICT (key_id) DO NOTHING',
      [keyId, publicKeyPem, createdAt]);
  }
  async listAuditKeys(): Promise<{ keyId: string; publicKeyPem: string; createdAt: string }[]> {
    return (await this.#rows('SELECT key_id, public_key, created_at FROM audit_keys ORDER BY created_at')).map((r) => ({
      keyId: String(r.key_id), publicKeyPem: String(r.public_key), createdAt: String(r.created_at),
    }));
  }

  async upsertDocument(doc: IndexedDocument): Promise<void> {
    await this.#rows(`INSERT INTO documents (connector, path, title, label, version, size, modified_at, indexed_at, body)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
      ON CONFLICT (connector, path) DO UPDATE SET title = excluded.title, label = excluded.label, version = excluded.version,
      size = excluded.size, modified_at = excluded.modified_at, indexed_at = excluded.indexed_at, body = excluded.body`,
    [doc.connector, doc.path, doc.title, doc.label, doc.version, doc.size, doc.modifiedAt, doc.indexedAt, doc.body]);
  }
  async deleteDocument(connector: string, path: string): Promise<void> {
    await this.#rows('DELETE FROM documents WHERE connector = $1 AND path = $2', [connector, path]);
  }
  async listDocuments(connector: string): Promise<IndexedDocumentMeta[]> {
    return (await this.#rows(`SELECT ${DOC_META_COLUMNS} FROM documents WHERE connector = $1 ORDER BY path`, [connector])).map(docMeta);
  }
  async getDocument(connector: string, path: string): Promise<IndexedDocumentMeta | undefined> {
    const [row] = await this.#rows(`SELECT ${DOC_META_COLUMNS} FROM documents WHERE connector = $1 AND path = $2`, [connector, path]);
    return row && docMeta(row);
  }
  async searchDocuments(search: DocumentSearch): Promise<SearchHit[]> {
    const terms = ftsTerms(search.query);
    if (terms.length === 0 || search.labels.length === 0) return [];
    const rows = await this.#rows(`
      WITH q AS (SELECT to_tsquery('english', $1) AS query)
      SELECT d.connector, d.path, d.title, d.label, d.version, d.size, d.modified_at, d.indexed_at,
             ts_rank_cd(d.search_vector, q.query) AS score,
             ts_headline('english', d.body, q.query, 'StartSel=«, StopSel=», MaxWords=24, MinWords=8, MaxFragments=1') AS snippet
      FROM documents d, q
      WHERE d.connector = $2 AND d.label = ANY($3) AND d.search_vector @@ q.query
      ORDER BY score DESC, d.path LIMIT $4`,
    [terms.join(' | '), search.connector, search.labels, search.limit]);
    return rows.map((r) => ({ ...docMeta(r), score: Number(r.score), snippet: String(r.snippet) }));
  }

  async putSecret(row: Omit<SecretRow, 'version' | 'createdAt'> & { readonly createdAt?: string }): Promise<number> {
    const [out] = await this.#rows(SQL.putSecret, [row.name, row.keyId, row.nonce, row.ciphertext, row.tag, row.createdAt ?? row.updatedAt, row.updatedAt]);
    return Number(out?.version);
  }
  async getSecret(name: string): Promise<SecretRow | undefined> {
    const [row] = await this.#rows(SQL.getSecret, [name]);
    return row && secretRow(row);
  }
  async listSecrets(): Promise<SecretMeta[]> {
    return (await this.#rows(SQL.listSecrets)).map(secretMeta);
  }
  async deleteSecret(name: string): Promise<boolean> {
    return ((await this.#pool.query(SQL.deleteSecret, [name])).rowCount ?? 0) > 0;
  }
  async listToolPins(connector: string): Promise<ToolPinRow[]> {
    return (await this.#rows(SQL.listToolPins, [connector])).map(toolPinRow);
  }
  async replaceToolPins(connector: string, pins: readonly ToolPinRow[]): Promise<void> {
    await this.#transaction(async (client) => {
      await client.query(SQL.deleteToolPins, [connector]);
      for (const pin of pins) await client.query(SQL.insertToolPin, [connector, pin.tool, pin.hash, pin.definition, pin.pinnedAt, pin.pinnedBy]);
    });
  }
  async insertChanges(rows: readonly ChangeRow[]): Promise<void> {
    await this.#transaction(async (client) => {
      for (const r of rows) {
        await client.query(SQL.insertChange, [r.auditId, r.position, r.connector, r.kind, r.target, r.recordKey, r.beforeImage, r.afterImage, r.createdAt]);
      }
    });
  }
  async listChanges(auditId: string): Promise<ChangeRow[]> {
    return (await this.#rows(SQL.listChanges, [auditId])).map(changeRow);
  }
  async putConnectorHealth(r: ConnectorHealthRow): Promise<void> {
    await this.#rows(SQL.putHealth, [r.connector, r.replica, r.status, r.lastSuccessAt, r.lastErrorAt, r.lastErrorCode, r.latencyMs, r.updatedAt]);
  }
  async listConnectorHealth(): Promise<ConnectorHealthRow[]> {
    return (await this.#rows(SQL.listHealth)).map(healthRow);
  }

  async #transaction(work: (client: pg.PoolClient) => Promise<void>): Promise<void> {
    const client = await this.#pool.connect();
    try {
      await client.query('BEGIN');
      try {
        await work(client);
        await client.query('COMMIT');
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    } finally {
      client.release();
    }
  }

  async migrationVersions(): Promise<number[]> {
    return (await this.#rows('SELECT version FROM schema_migrations ORDER BY version')).map((r) => Number(r.version));
  }
  async close(): Promise<void> {
    await this.#pool.end();
  }
}
