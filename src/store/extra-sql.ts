/**
 * SQL for the record-system tables (secrets, tool pins, change records, connector health), written
 * once with `?` placeholders; the PostgreSQL store numbers them. Both dialects accept the same text.
 */
export const EXTRA_SQL = {
  putSecret: `INSERT INTO secrets (name, key_id, nonce, ciphertext, tag, version, created_at, updated_at)
    VALUES (?, ?, ?, ?, ?, 1, ?, ?)
    ON CONFLICT (name) DO UPDATE SET key_id = excluded.key_id, nonce = excluded.nonce, ciphertext = excluded.ciphertext,
    tag = excluded.tag, version = secrets.version + 1, updated_at = excluded.updated_at
    RETURNING version`,
  getSecret: 'SELECT name, key_id, nonce, ciphertext, tag, version, created_at, updated_at FROM secrets WHERE name = ?',
  listSecrets: 'SELECT name, key_id, version, created_at, updated_at FROM secrets ORDER BY name',
  deleteSecret: 'DELETE FROM secrets WHERE name = ?',
  listToolPins: 'SELECT connector, tool, hash, definition, pinned_at, pinned_by FROM tool_pins WHERE connector = ? ORDER BY tool',
  deleteToolPins: 'DELETE FROM tool_pins WHERE connector = ?',
  insertToolPin: 'INSERT INTO tool_pins (connector, tool, hash, definition, pinned_at, pinned_by) VALUES (?, ?, ?, ?, ?, ?)',
  insertChange: `INSERT INTO change_records (audit_id, position, connector, kind, target, record_key, before_image, after_image, created_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  listChanges: `SELECT audit_id, position, connector, kind, target, record_key, before_image, after_image, created_at
    FROM change_records WHERE audit_id = ? ORDER BY position`,
  putHealth: `INSERT INTO connector_health (connector, replica, status, last_success_at, last_error_at, last_error_code, latency_ms, updated_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (connector, replica) DO UPDATE SET status = excluded.status, last_success_at = excluded.last_success_at,
    last_error_at = excluded.last_error_at, last_error_code = excluded.last_error_code, latency_ms = excluded.latency_ms,
    updated_at = excluded.updated_at`,
  listHealth: `SELECT connector, replica, status, last_success_at, last_error_at, last_error_code, latency_ms, updated_at
    FROM connector_health ORDER BY connector, replica`,
} as const;

/** `?` → `$1, $2, …` for PostgreSQL. */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}
