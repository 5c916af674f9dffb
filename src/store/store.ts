/**
 * The store: everything Gatehouse keeps between calls and shares between replicas.
 * Two implementations with the same file set: `sqlite/` (embedded default) and `postgres/`.
 * Both run the versioned migrations in `migrations/` and the contract suite in test/contract.
 */
import type { AdminCredentialRepo, ApprovalRepo } from './approval-repo.js';

/** A stored agent key. Only the SHA-256 of the key is kept; the key itself is shown once. */
export interface AgentKeyRow {
  readonly keyId: string;
  readonly agent: string;
  readonly keyHash: string;
  readonly createdAt: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

/** Whether an agent as a whole was revoked (all its keys refused). */
export interface AgentStateRow {
  readonly agent: string;
  readonly revokedAt: string | null;
  readonly reason: string | null;
}

export type ConnectorRunState = 'active' | 'paused';

export interface ConnectorStateRow {
  readonly connector: string;
  readonly state: ConnectorRunState;
  readonly changedAt: string;
  readonly changedBy: string | null;
  readonly reason: string | null;
}

/** One audit record as stored: the canonical body, its chain position and hashes. */
export interface AuditRow {
  readonly seq: number;
  readonly id: string;
  /** Canonical JSON of the record body; the hash covers exactly these bytes plus prev_hash. */
  readonly body: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** A record to append; the store assigns seq and computes the chain hashes in one transaction. */
export interface AuditAppend {
  readonly id: string;
  readonly body: string;
  /** Indexed columns for queries; all are also inside `body`. */
  readonly time: string;
  readonly requestId: string;
  readonly agent: string | null;
  readonly connector: string | null;
  readonly outcome: string;
}

/** Computes a record's hash from its predecessor's hash and its body. */
export type ChainHasher = (prevHash: string, seq: number, body: string) => string;

export interface AuditCheckpointRow {
  readonly seq: number;
  readonly headHash: string;
  readonly createdAt: string;
  readonly keyId: string;
  readonly signature: string;
}

export interface AuditQuery {
  /** Records with seq > afterSeq. */
  readonly afterSeq?: number;
  readonly limit: number;
  /** Newest first instead of oldest first. */
  readonly descending?: boolean;
}

/** A document in the full-text index of a files connector. */
export interface IndexedDocument {
  readonly connector: string;
  readonly path: string;
  readonly title: string;
  readonly label: string;
  /** sha256 of the file bytes, hex. */
  readonly version: string;
  readonly size: number;
  readonly modifiedAt: string;
  readonly indexedAt: string;
  readonly body: string;
}

export type IndexedDocumentMeta = Omit<IndexedDocument, 'body'>;

export interface SearchHit extends IndexedDocumentMeta {
  readonly score: number;
  /** Short excerpt around the match, from the indexed text. */
  readonly snippet: string;
}

export interface DocumentSearch {
  readonly connector: string;
  readonly query: string;
  /** Only documents with one of these labels are considered (decided by policy before the query). */
  readonly labels: readonly string[];
  readonly limit: number;
}

export interface AgentKeyRepo {
  insertKey(row: AgentKeyRow): Promise<void>;
  findKey(keyId: string): Promise<AgentKeyRow | undefined>;
  listKeys(agent?: string): Promise<AgentKeyRow[]>;
  /** Revoke every active key of an agent, except `keepKeyId`. Returns how many were revoked. */
  revokeKeys(agent: string, at: string, keepKeyId?: string): Promise<number>;
  touchKey(keyId: string, at: string): Promise<void>;
  getAgentState(agent: string): Promise<AgentStateRow | undefined>;
  setAgentRevoked(agent: string, revokedAt: string | null, reason: string | null): Promise<void>;
}

export interface ConnectorStateRepo {
  getConnectorState(connector: string): Promise<ConnectorStateRow | undefined>;
  listConnectorStates(): Promise<ConnectorStateRow[]>;
  setConnectorState(row: ConnectorStateRow): Promise<void>;
}

export interface AuditRepo {
  /**
   * Append records atomically at the chain head, in order, in one transaction.
   * Safe across replicas: the head is locked for the duration.
   */
  appendAudit(records: readonly AuditAppend[], hasher: ChainHasher): Promise<AuditRow[]>;
  auditHead(): Promise<{ seq: number; hash: string }>;
  readAudit(query: AuditQuery): Promise<AuditRow[]>;
  findAudit(id: string): Promise<AuditRow | undefined>;
  insertCheckpoint(row: AuditCheckpointRow): Promise<void>;
  listCheckpoints(): Promise<AuditCheckpointRow[]>;
  /** Publish an audit signing public key (PEM, SPKI) so verifiers can find it. */
  putAuditKey(keyId: string, publicKeyPem: string, createdAt: string): Promise<void>;
  listAuditKeys(): Promise<{ keyId: string; publicKeyPem: string; createdAt: string }[]>;
}

export interface DocumentIndexRepo {
  upsertDocument(doc: IndexedDocument): Promise<void>;
  deleteDocument(connector: string, path: string): Promise<void>;
  listDocuments(connector: string): Promise<IndexedDocumentMeta[]>;
  getDocument(connector: string, path: string): Promise<IndexedDocumentMeta | undefined>;
  searchDocuments(search: DocumentSearch): Promise<SearchHit[]>;
}

/** An encrypted secret as stored: AES-256-GCM parts, base64. The plaintext is never stored. */
export interface SecretRow {
  readonly name: string;
  /** Which master key encrypted it. */
  readonly keyId: string;
  readonly nonce: string;
  readonly ciphertext: string;
  readonly tag: string;
  /** Increases on every set; lets running gateways notice a rotation. */
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export type SecretMeta = Pick<SecretRow, 'name' | 'keyId' | 'version' | 'createdAt' | 'updatedAt'>;

export interface SecretRepo {
  /** Insert or replace; the store sets version = previous + 1 (1 for a new secret) and returns it. */
  putSecret(row: Omit<SecretRow, 'version' | 'createdAt'> & { readonly createdAt?: string }): Promise<number>;
  getSecret(name: string): Promise<SecretRow | undefined>;
  listSecrets(): Promise<SecretMeta[]>;
  deleteSecret(name: string): Promise<boolean>;
}

/** The approved definition of an upstream MCP tool: a hash of its name, description and input schema. */
export interface ToolPinRow {
  readonly connector: string;
  readonly tool: string;
  readonly hash: string;
  /** Canonical JSON of the pinned definition, to show a diff when the upstream changes it. */
  readonly definition: string;
  readonly pinnedAt: string;
  readonly pinnedBy: string | null;
}

export interface ToolPinRepo {
  listToolPins(connector: string): Promise<ToolPinRow[]>;
  /** Replace every pin of a connector at once (approval of a reviewed set). */
  replaceToolPins(connector: string, pins: readonly ToolPinRow[]): Promise<void>;
}

/** A stored change with its before-image, linked to the audit record of the call that made it. */
export interface ChangeRow {
  readonly auditId: string;
  readonly position: number;
  readonly connector: string;
  readonly kind: string;
  readonly target: string;
  readonly recordKey: string;
  /** JSON of the row before the change, or null. */
  readonly beforeImage: string | null;
  readonly afterImage: string | null;
  readonly createdAt: string;
}

export interface ChangeRepo {
  insertChanges(rows: readonly ChangeRow[]): Promise<void>;
  listChanges(auditId: string): Promise<ChangeRow[]>;
}

/** Health of a connector as last seen by one replica. */
export interface ConnectorHealthRow {
  readonly connector: string;
  readonly replica: string;
  readonly status: string;
  readonly lastSuccessAt: string | null;
  readonly lastErrorAt: string | null;
  readonly lastErrorCode: string | null;
  readonly latencyMs: number | null;
  readonly updatedAt: string;
}

export interface ConnectorHealthRepo {
  putConnectorHealth(row: ConnectorHealthRow): Promise<void>;
  listConnectorHealth(): Promise<ConnectorHealthRow[]>;
}

export type StoreKind = 'sqlite' | 'postgres';

/** The whole store. */
export interface Store extends AgentKeyRepo, ConnectorStateRepo, AuditRepo, DocumentIndexRepo, SecretRepo, ToolPinRepo, ChangeRepo, ConnectorHealthRepo {
  readonly kind: StoreKind;
  /** Approvals, drafts and administrator credentials. */
  readonly approvals: ApprovalRepo & AdminCredentialRepo;
  /** Applied migration versions, oldest first. */
  migrationVersions(): Promise<number[]>;
  close(): Promise<void>;
}

/** The genesis value of `prev_hash` for the first record of a chain. */
export const GENESIS_HASH = '0'.repeat(64);
