/**
 * Approvals, drafts and administrator credentials, for both stores. The SQL is written once with
 * `?` placeholders (PostgreSQL numbers them) and runs through a two-method runner each store
 * provides, so the state machine's guarded updates are the same statements everywhere.
 *
 * Every state change is a compare-and-set on (id, status): of two replicas, or two approvers,
 * racing to move the same request, exactly one update matches a row. That is what makes "execute
 * exactly once" hold: a request is executed only by whoever moved it from `approved` to `executing`.
 */
import type { Row } from './row-mappers.js';
import { nullable } from './row-mappers.js';

/** Runs one statement: rows for a query, the number of changed rows for an update. */
export interface SqlRunner {
  all(sql: string, params: readonly unknown[]): Promise<Row[]>;
  run(sql: string, params: readonly unknown[]): Promise<number>;
}

export const APPROVAL_STATUSES = [
  'pending', 'approved', 'rejected', 'expired', 'executing', 'executed', 'failed', 'draft', 'discarded',
] as const;
export type ApprovalStatus = (typeof APPROVAL_STATUSES)[number];

/** A request held for a human: a gated call (`approval`) or a stored draft (`draft`). */
export interface ApprovalRow {
  readonly id: string;
  readonly kind: 'approval' | 'draft';
  readonly status: ApprovalStatus;
  readonly connector: string;
  readonly tool: string;
  readonly operation: string;
  readonly power: string;
  /** Canonical JSON of the arguments as the agent sent them. */
  readonly arguments: string;
  /** Canonical JSON of the arguments to execute (after edits); null until decided. */
  readonly approvedArguments: string | null;
  readonly agent: string;
  readonly agentOwner: string;
  readonly keyId: string;
  readonly userId: string | null;
  /** JSON of the end user the agent acted for (id, groups, attributes), to decide again at execution. */
  readonly userJson: string | null;
  /** JSON array of the ids of the policies that gated the call. */
  readonly policyIds: string;
  /** JSON array of the groups whose approvers may decide. */
  readonly approverGroups: string;
  readonly fourEyes: boolean;
  /** Short, content-free description of what would happen. */
  readonly risk: string;
  readonly requestAuditId: string | null;
  readonly createdAt: string;
  readonly expiresAt: string;
  readonly decidedBy: string | null;
  readonly decidedAt: string | null;
  readonly decisionReason: string | null;
  /** JSON of the edits an approver made (RFC 6902-like list of changed paths), or null. */
  readonly edits: string | null;
  readonly decisionAuditId: string | null;
  readonly claimedBy: string | null;
  readonly claimedAt: string | null;
  readonly executedAt: string | null;
  readonly executionAuditId: string | null;
  readonly resultSummary: string | null;
  readonly errorCode: string | null;
  readonly updatedAt: string;
}

/** Fields a transition may set, besides the status. */
export type ApprovalUpdate = Partial<Pick<ApprovalRow,
  'risk' | 'approvedArguments' | 'decidedBy' | 'decidedAt' | 'decisionReason' | 'edits' | 'decisionAuditId' | 'claimedBy' | 'claimedAt'
  | 'executedAt' | 'executionAuditId' | 'resultSummary' | 'errorCode' | 'requestAuditId'>>;

export interface ApprovalQuery {
  readonly statuses?: readonly ApprovalStatus[];
  readonly limit: number;
}

/** Password hash and API tokens of an administrator declared in gatehouse.yaml (`admins:`). */
export interface AdminTokenRow {
  readonly tokenId: string;
  readonly admin: string;
  readonly tokenHash: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface ApprovalRepo {
  insertApproval(row: ApprovalRow): Promise<void>;
  getApproval(id: string): Promise<ApprovalRow | undefined>;
  listApprovals(query: ApprovalQuery): Promise<ApprovalRow[]>;
  /**
   * Move `id` from one of `from` to `to`, setting `fields`, only if its status is still one of
   * `from` (and, for `notExpiredAt`, it has not expired by then). True if this call made the move.
   */
  transitionApproval(id: string, from: readonly ApprovalStatus[], to: ApprovalStatus, fields: ApprovalUpdate, at: string, notExpiredAt?: string): Promise<boolean>;
  /** Approved requests not yet claimed, oldest first (for the executor). */
  listApprovedUnclaimed(limit: number): Promise<ApprovalRow[]>;
  /** Pending or approved requests whose expiry is at or before `at`, soonest first. */
  listDue(at: string, limit: number): Promise<ApprovalRow[]>;
  /** Record the audit ids that link a request to its trail, whatever its state now. */
  linkApproval(id: string, links: Pick<ApprovalUpdate, 'requestAuditId' | 'decisionAuditId'>): Promise<void>;
}

export interface AdminCredentialRepo {
  setAdminPassword(admin: string, passwordHash: string | null, at: string): Promise<void>;
  getAdminPassword(admin: string): Promise<string | undefined>;
  insertAdminToken(row: AdminTokenRow): Promise<void>;
  findAdminToken(tokenId: string): Promise<AdminTokenRow | undefined>;
  listAdminTokens(admin?: string): Promise<AdminTokenRow[]>;
  revokeAdminTokens(admin: string, at: string): Promise<number>;
  touchAdminToken(tokenId: string, at: string): Promise<void>;
}

/** Tables of migration 3; the DDL is the same in both dialects. */
export const APPROVALS_DDL = `
    CREATE TABLE approvals (
      id TEXT PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('approval', 'draft')),
      status TEXT NOT NULL CHECK (status IN (${APPROVAL_STATUSES.map((s) => `'${s}'`).join(', ')})),
      connector TEXT NOT NULL,
      tool TEXT NOT NULL,
      operation TEXT NOT NULL,
      power TEXT NOT NULL,
      arguments TEXT NOT NULL,
      approved_arguments TEXT,
      agent TEXT NOT NULL,
      agent_owner TEXT NOT NULL,
      key_id TEXT NOT NULL,
      user_id TEXT,
      user_json TEXT,
      policy_ids TEXT NOT NULL,
      approver_groups TEXT NOT NULL,
      four_eyes INTEGER NOT NULL,
      risk TEXT NOT NULL,
      request_audit_id TEXT,
      created_at TEXT NOT NULL,
      expires_at TEXT NOT NULL,
      decided_by TEXT,
      decided_at TEXT,
      decision_reason TEXT,
      edits TEXT,
      decision_audit_id TEXT,
      claimed_by TEXT,
      claimed_at TEXT,
      executed_at TEXT,
      execution_audit_id TEXT,
      result_summary TEXT,
      error_code TEXT,
      updated_at TEXT NOT NULL
    );
    CREATE INDEX approvals_status ON approvals(status, created_at);
    CREATE TABLE admin_passwords (
      admin TEXT PRIMARY KEY,
      password_hash TEXT,
      updated_at TEXT NOT NULL
    );
    CREATE TABLE admin_tokens (
      token_id TEXT PRIMARY KEY,
      admin TEXT NOT NULL,
      token_hash TEXT NOT NULL,
      created_at TEXT NOT NULL,
      expires_at TEXT,
      revoked_at TEXT,
      last_used_at TEXT
    );
    CREATE INDEX admin_tokens_admin ON admin_tokens(admin);
`;

const COLUMNS: readonly [keyof ApprovalRow, string][] = [
  ['id', 'id'], ['kind', 'kind'], ['status', 'status'], ['connector', 'connector'], ['tool', 'tool'], ['operation', 'operation'],
  ['power', 'power'], ['arguments', 'arguments'], ['approvedArguments', 'approved_arguments'], ['agent', 'agent'],
  ['agentOwner', 'agent_owner'], ['keyId', 'key_id'], ['userId', 'user_id'], ['userJson', 'user_json'], ['policyIds', 'policy_ids'],
  ['approverGroups', 'approver_groups'], ['fourEyes', 'four_eyes'], ['risk', 'risk'], ['requestAuditId', 'request_audit_id'],
  ['createdAt', 'created_at'], ['expiresAt', 'expires_at'], ['decidedBy', 'decided_by'], ['decidedAt', 'decided_at'],
  ['decisionReason', 'decision_reason'], ['edits', 'edits'], ['decisionAuditId', 'decision_audit_id'], ['claimedBy', 'claimed_by'],
  ['claimedAt', 'claimed_at'], ['executedAt', 'executed_at'], ['executionAuditId', 'execution_audit_id'],
  ['resultSummary', 'result_summary'], ['errorCode', 'error_code'], ['updatedAt', 'updated_at'],
];
const COLUMN_OF = new Map(COLUMNS);
const SELECT = `SELECT ${COLUMNS.map(([, c]) => c).join(', ')} FROM approvals`;
const TOKEN_COLUMNS = 'token_id, admin, token_hash, created_at, expires_at, revoked_at, last_used_at';

function approvalRow(r: Row): ApprovalRow {
  const out: Record<string, unknown> = {};
  for (const [field, column] of COLUMNS) out[field] = r[column] ?? null;
  out.fourEyes = Number(r.four_eyes) === 1;
  return out as unknown as ApprovalRow;
}

function tokenRow(r: Row): AdminTokenRow {
  return {
    tokenId: String(r.token_id), admin: String(r.admin), tokenHash: String(r.token_hash), createdAt: String(r.created_at),
    expiresAt: nullable(r.expires_at), revokedAt: nullable(r.revoked_at), lastUsedAt: nullable(r.last_used_at),
  };
}

const marks = (n: number) => Array.from({ length: n }, () => '?').join(', ');

/** The approval and admin-credential repositories over a store's runner. */
export function sqlApprovalRepo(db: SqlRunner): ApprovalRepo & AdminCredentialRepo {
  return {
    async insertApproval(row) {
      const values = COLUMNS.map(([field]) => (field === 'fourEyes' ? (row.fourEyes ? 1 : 0) : row[field]));
      await db.run(`INSERT INTO approvals (${COLUMNS.map(([, c]) => c).join(', ')}) VALUES (${marks(COLUMNS.length)})`, values);
    },
    async getApproval(id) {
      const [row] = await db.all(`${SELECT} WHERE id = ?`, [id]);
      return row && approvalRow(row);
    },
    async listApprovals(query) {
      const statuses = query.statuses ?? [];
      const where = statuses.length === 0 ? '' : ` WHERE status IN (${marks(statuses.length)})`;
      return (await db.all(`${SELECT}${where} ORDER BY created_at DESC, id LIMIT ?`, [...statuses, query.limit])).map(approvalRow);
    },
    async transitionApproval(id, from, to, fields, at, notExpiredAt) {
      const entries = Object.entries(fields).filter(([, v]) => v !== undefined) as [keyof ApprovalRow, unknown][];
      const sets = ['status = ?', 'updated_at = ?', ...entries.map(([f]) => `${COLUMN_OF.get(f)} = ?`)];
      const expiry = notExpiredAt === undefined ? '' : ' AND expires_at > ?';
      const params = [to, at, ...entries.map(([, v]) => v), id, ...from, ...(notExpiredAt === undefined ? [] : [notExpiredAt])];
      return (await db.run(`UPDATE approvals SET ${sets.join(', ')} WHERE id = ? AND status IN (${marks(from.length)})${expiry}`, params)) === 1;
    },
    async listDue(at, limit) {
      return (await db.all(`${SELECT} WHERE status IN ('pending', 'approved') AND expires_at <= ? ORDER BY expires_at, id LIMIT ?`, [at, limit])).map(approvalRow);
    },
    async linkApproval(id, links) {
      const entries = Object.entries(links).filter(([, v]) => v !== undefined && v !== null) as [keyof ApprovalRow, unknown][];
      if (entries.length === 0) return;
      await db.run(`UPDATE approvals SET ${entries.map(([f]) => `${COLUMN_OF.get(f)} = ?`).join(', ')} WHERE id = ?`, [...entries.map(([, v]) => v), id]);
    },
    async listApprovedUnclaimed(limit) {
      return (await db.all(`${SELECT} WHERE status = 'approved' ORDER BY decided_at, id LIMIT ?`, [limit])).map(approvalRow);
    },
    async setAdminPassword(admin, passwordHash, at) {
      await db.run(`INSERT INTO admin_passwords (admin, password_hash, updated_at) VALUES (?, ?, ?)
        ON CONFLICT (admin) DO UPDATE SET password_hash = excluded.password_hash, updated_at = excluded.updated_at`, [admin, passwordHash, at]);
    },
    async getAdminPassword(admin) {
      const [row] = await db.all('SELECT password_hash FROM admin_passwords WHERE admin = ?', [admin]);
      return row?.password_hash == null ? undefined : String(row.password_hash);
    },
    async insertAdminToken(row) {
      await db.run(`INSERT INTO admin_tokens (${TOKEN_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?)`,
        [row.tokenId, row.admin, row.tokenHash, row.createdAt, row.expiresAt, row.revokedAt, row.lastUsedAt]);
    },
    async findAdminToken(tokenId) {
      const [row] = await db.all(`SELECT ${TOKEN_COLUMNS} FROM admin_tokens WHERE token_id = ?`, [tokenId]);
      return row && tokenRow(row);
    },
    async listAdminTokens(admin) {
      const rows = admin === undefined
        ? await db.all(`SELECT ${TOKEN_COLUMNS} FROM admin_tokens ORDER BY admin, created_at`, [])
        : await db.all(`SELECT ${TOKEN_COLUMNS} FROM admin_tokens WHERE admin = ? ORDER BY created_at`, [admin]);
      return rows.map(tokenRow);
    },
    async revokeAdminTokens(admin, at) {
      return db.run('UPDATE admin_tokens SET revoked_at = ? WHERE admin = ? AND revoked_at IS NULL', [at, admin]);
    },
    async touchAdminToken(tokenId, at) {
      await db.run('UPDATE admin_tokens SET last_used_at = ? WHERE token_id = ?', [at, tokenId]);
    },
  };
}
