/**
 * `gatehouse audit show ID`: one audit record, as stored. Showing does not verify; `audit verify` does.
 */
import { GatehouseError } from '../errors/catalog.js';
import { describeActor, parseAuditBody, type AuditRecordBody } from '../audit/audit-record.js';
import type { AuditRow, Store } from '../store/store.js';
import { EXIT_OK, EXIT_USAGE, type Io } from './io.js';

/** Options of `audit show`. */
export interface AuditShowOptions {
  readonly store: Store;
  readonly json: boolean;
  readonly id: string;
}

/** Print one record by id. Exit 0, or 2 (AUDIT_RECORD_NOT_FOUND) when there is no such record. */
export async function auditShow(options: AuditShowOptions, io: Io): Promise<number> {
  const row = await options.store.findAudit(options.id);
  if (row === undefined) {
    const err = new GatehouseError('AUDIT_RECORD_NOT_FOUND', `There is no audit record with id ${printable(options.id)}.`, { id: options.id });
    if (options.json) io.out(`${JSON.stringify({ ok: false, error: { code: err.code, message: err.message } })}\n`);
    else io.err(`error ${err.code}: ${err.message}\n`);
    return EXIT_USAGE;
  }
  const record = readBody(row);
  if (options.json) {
    io.out(`${JSON.stringify({ seq: row.seq, id: row.id, prevHash: row.prevHash, hash: row.hash, record: record ?? null, ...(record === undefined ? { body: row.body } : {}) }, null, 2)}\n`);
    return EXIT_OK;
  }
  io.out(formatRecord(row, record));
  return EXIT_OK;
}

/** The parsed body, or undefined if it is not a readable record (tampering shows in `audit verify`). */
export function readBody(row: AuditRow): AuditRecordBody | undefined {
  try {
    return parseAuditBody(row.body);
  } catch {
    return undefined;
  }
}

/** Escape control characters, so stored strings cannot drive the terminal. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

function formatRecord(row: AuditRow, record: AuditRecordBody | undefined): string {
  const lines: [string, string | undefined][] = [['seq', String(row.seq)]];
  if (record === undefined) {
    lines.push(['body', row.body]);
  } else {
    const policies = record.policyIds.length === 0 ? '' : ` (policies: ${record.policyIds.join(', ')})`;
    lines.push(
      ['time', record.time], ['kind', record.kind], ['request', record.requestId], ['actor', describeActor(record.actor)],
      ['action', record.action], ['tool', record.tool], ['connector', record.connector], ['target', record.target],
      ['decision', `${record.decision}${policies}`], ['status', record.status], ['error', record.errorCode],
      ['summary', record.summary], ['duration', `${record.durationMs} ms`], ['client', record.client],
      ['guards', record.guards === undefined ? undefined
        : record.guards.map((g) => `${g.direction} ${g.detector}/${g.kind} ×${g.count} ${g.action}`).join(', ')],
      ['content', record.content], ['args hash', record.argsHash], ['result hash', record.resultHash],
      ['args', record.args === undefined ? undefined : JSON.stringify(record.args)],
      ['result', record.result === undefined ? undefined : JSON.stringify(record.result)],
    );
  }
  lines.push(['prev hash', row.prevHash], ['hash', row.hash]);
  const body = lines
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(([label, value]) => `  ${label.padEnd(12)}${printable(value)}`)
    .join('\n');
  const note = record === undefined ? '\n  (the body is not a readable record; run `gatehouse audit verify`)' : '';
  return `Audit record ${printable(row.id)}\n${body}${note}\n`;
}
