/**
 * `gatehouse audit export --format jsonl [--output FILE]`: the whole trail as JSONL that
 * `gatehouse audit verify --file FILE` (or any third party) can verify offline.
 */
import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import { writeAuditExport } from '../audit/audit-export.js';
import type { Store } from '../store/store.js';
import { EXIT_OK, EXIT_USAGE, type Io } from './io.js';

/** Options of `audit export`. */
export interface AuditExportOptions {
  readonly store: Store;
  /** Only `jsonl` exists. */
  readonly format: string;
  /** File to write (created 0600, replaced if present); standard output when absent. */
  readonly output?: string;
  /** Print the summary as JSON (on stdout when writing to a file). */
  readonly json?: boolean;
}

const FLUSH_BYTES = 1 << 16;

/** Write an export. Exit 0, or 2 for an unknown format or an unwritable file. */
export async function auditExport(options: AuditExportOptions, io: Io): Promise<number> {
  if (options.format !== 'jsonl') {
    io.err(`error USAGE: unknown export format "${options.format}"; use --format jsonl.\n`);
    return EXIT_USAGE;
  }
  if (options.output === undefined) {
    await writeAuditExport(options.store, (line) => io.out(`${line}\n`));
    return EXIT_OK;
  }
  let fd: number;
  try {
    fd = openSync(options.output, 'w', 0o600);
  } catch {
    io.err(`error USAGE: cannot write ${options.output}.\n`);
    return EXIT_USAGE;
  }
  let pending: string[] = [];
  let size = 0;
  const drain = () => {
    if (pending.length > 0) writeSync(fd, pending.join(''));
    pending = [];
    size = 0;
  };
  try {
    const summary = await writeAuditExport(options.store, (line) => {
      pending.push(`${line}\n`);
      size += line.length + 1;
      if (size >= FLUSH_BYTES) drain();
    });
    drain();
    fsyncSync(fd);
    const result = { ok: true, file: options.output, records: summary.records, checkpoints: summary.checkpoints, keys: summary.keys };
    if (options.json) io.out(`${JSON.stringify(result)}\n`);
    else io.err(`Exported ${summary.records} records, ${summary.checkpoints} checkpoints and ${summary.keys} keys to ${options.output}.\n`);
    return EXIT_OK;
  } finally {
    closeSync(fd);
  }
}
