/**
 * `gatehouse audit tail`: the newest records, oldest of them first, as a table or JSON.
 */
import { describeActor } from '../audit/audit-record.js';
import type { Store } from '../store/store.js';
import { printable, readBody } from './audit-show.js';
import { EXIT_OK, EXIT_USAGE, type Io } from './io.js';

/** Options of `audit tail`. */
export interface AuditTailOptions {
  readonly store: Store;
  readonly json: boolean;
  /** How many of the newest records to print. Default 20, at most 10000. */
  readonly limit?: number;
}

const MAX_LIMIT = 10_000;
const COLUMNS = ['SEQ', 'TIME', 'ID', 'KIND', 'ACTOR', 'ACTION', 'CONNECTOR', 'TARGET', 'DECISION', 'STATUS', 'CODE', 'MS'] as const;
const MAX_CELL = 40;

/** Print the newest records. Exit 0, or 2 for a bad limit. */
export async function auditTail(options: AuditTailOptions, io: Io): Promise<number> {
  const limit = options.limit ?? 20;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    io.err(`error USAGE: the number of records must be an integer from 1 to ${MAX_LIMIT}.\n`);
    return EXIT_USAGE;
  }
  const rows = (await options.store.readAudit({ limit, descending: true })).reverse();
  if (options.json) {
    const out = rows.map((row) => {
      const record = readBody(row);
      return { seq: row.seq, id: row.id, prevHash: row.prevHash, hash: row.hash, record: record ?? null };
    });
    io.out(`${JSON.stringify(out)}\n`);
    return EXIT_OK;
  }
  if (rows.length === 0) {
    io.out('No audit records yet.\n');
    return EXIT_OK;
  }
  const table: string[][] = rows.map((row) => {
    const r = readBody(row);
    if (r === undefined) return [String(row.seq), '-', row.id, '(unreadable body; run `gatehouse audit verify`)'];
    return [
      String(row.seq), r.time, row.id, r.kind, describeActor(r.actor), r.action ?? r.tool ?? '-', r.connector ?? '-',
      r.target ?? '-', r.decision, r.status, r.errorCode ?? '-', String(r.durationMs),
    ];
  });
  io.out(renderTable([[...COLUMNS], ...table.map((cells) => cells.map(cell))]));
  return EXIT_OK;
}

function cell(value: string): string {
  const text = printable(value);
  return text.length > MAX_CELL ? `${text.slice(0, MAX_CELL - 1)}…` : text;
}

function renderTable(rows: readonly (readonly string[])[]): string {
  const widths: number[] = [];
  for (const row of rows) row.forEach((c, i) => { widths[i] = Math.max(widths[i] ?? 0, c.length); });
  return rows.map((row) => row.map((c, i) => (i === row.length - 1 ? c : c.padEnd(widths[i] ?? 0))).join('  ')).join('\n') + '\n';
}
