/** Column-to-field mapping shared by both stores: they use the same column names. */
import type {
  AgentKeyRow, AuditRow, ChangeRow, ConnectorHealthRow, ConnectorStateRow, IndexedDocumentMeta, SecretMeta, SecretRow, ToolPinRow,
} from './store.js';

export type Row = Record<string, unknown>;

export function nullable(value: unknown): string | null {
  return value === null || value === undefined ? null : String(value);
}
export function keyRow(r: Row): AgentKeyRow {
  return {
    keyId: String(r.key_id), agent: String(r.agent), keyHash: String(r.key_hash), createdAt: String(r.created_at),
    expiresAt: nullable(r.expires_at), revokedAt: nullable(r.revoked_at), lastUsedAt: nullable(r.last_used_at),
  };
}
export function connectorRow(r: Row): ConnectorStateRow {
  return {
    connector: String(r.connector), state: r.state === 'paused' ? 'paused' : 'active', changedAt: String(r.changed_at),
    changedBy: nullable(r.changed_by), reason: nullable(r.reason),
  };
}
export function auditRow(r: Row): AuditRow {
  return { seq: Number(r.seq), id: String(r.id), body: String(r.body), prevHash: String(r.prev_hash), hash: String(r.hash) };
}
export function docMeta(r: Row): IndexedDocumentMeta {
  return {
    connector: String(r.connector), path: String(r.path), title: String(r.title), label: String(r.label),
    version: String(r.version), size: Number(r.size), modifiedAt: String(r.modified_at), indexedAt: String(r.indexed_at),
  };
}

export function secretRow(r: Row): SecretRow {
  return {
    name: String(r.name), keyId: String(r.key_id), nonce: String(r.nonce), ciphertext: String(r.ciphertext), tag: String(r.tag),
    version: Number(r.version), createdAt: String(r.created_at), updatedAt: String(r.updated_at),
  };
}
export function secretMeta(r: Row): SecretMeta {
  return { name: String(r.name), keyId: String(r.key_id), version: Number(r.version), createdAt: String(r.created_at), updatedAt: String(r.updated_at) };
}
export function toolPinRow(r: Row): ToolPinRow {
  return {
    connector: String(r.connector), tool: String(r.tool), hash: String(r.hash), definition: String(r.definition),
    pinnedAt: String(r.pinned_at), pinnedBy: nullable(r.pinned_by),
  };
}
export function changeRow(r: Row): ChangeRow {
  return {
    auditId: String(r.audit_id), position: Number(r.position), connector: String(r.connector), kind: String(r.kind), target: String(r.target),
    recordKey: String(r.record_key), beforeImage: nullable(r.before_image), afterImage: nullable(r.after_image), createdAt: String(r.created_at),
  };
}
export function healthRow(r: Row): ConnectorHealthRow {
  return {
    connector: String(r.connector), replica: String(r.replica), status: String(r.status), lastSuccessAt: nullable(r.last_success_at),
    lastErrorAt: nullable(r.last_error_at), lastErrorCode: nullable(r.last_error_code),
    latencyMs: r.latency_ms === null || r.latency_ms === undefined ? null : Number(r.latency_ms), updatedAt: String(r.updated_at),
  };
}
