/** Column-to-field mapping shared by both stores: they use the same column names. */
import type { AgentKeyRow, AuditRow, ConnectorStateRow, IndexedDocumentMeta } from './store.js';

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
