/**
 * JSONL export of the audit trail, complete enough to verify offline from the file alone.
 * One JSON object per line, in this order:
 *
 *     {"type":"gatehouse-audit-export","version":1,"exportedAt":"<ISO>"}
 *     {"type":"key","keyId":"…","publicKeyPem":"…","createdAt":"…"}                       per key
 *     {"type":"checkpoint","seq":N,"headHash":"…","createdAt":"…","keyId":"…","signature":"…"}
 *     {"type":"record","seq":N,"id":"aud_…","body":"<canonical JSON, as stored>","prevHash":"…","hash":"…"}
 *     {"type":"head","seq":N,"hash":"…"}                                               last line
 *
 * `body` is the exact stored string, so a third party hashes the same bytes the gateway did.
 * Key lines are a convenience: a verifier that distrusts the file passes its own public key.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { GatehouseError } from '../errors/catalog.js';
import type { AuditCheckpointRow, AuditRepo, AuditRow } from '../store/store.js';
import type { AuditPublicKey } from './audit-keys.js';
import { storeAuditSource, verifyAuditChain, type ChainHead, type VerifyReport } from './verifier.js';

/** `type` of an export's first line. */
export const EXPORT_TYPE = 'gatehouse-audit-export';
/** Export format version. */
export const EXPORT_VERSION = 1;

/** Counts of what an export wrote. */
export interface ExportSummary {
  readonly records: number;
  readonly checkpoints: number;
  readonly keys: number;
  readonly head: ChainHead | undefined;
}

/**
 * Write the whole trail as JSONL lines (each without its newline) to `write`. Checkpoints are read
 * before records, so no checkpoint points past the exported records of an untampered store.
 */
export async function writeAuditExport(
  store: AuditRepo,
  write: (line: string) => void | Promise<void>,
  options: { readonly pageSize?: number; readonly now?: () => Date } = {},
): Promise<ExportSummary> {
  const checkpoints = await store.listCheckpoints();
  const keys = await store.listAuditKeys();
  await write(JSON.stringify({ type: EXPORT_TYPE, version: EXPORT_VERSION, exportedAt: (options.now?.() ?? new Date()).toISOString() }));
  for (const k of keys) await write(JSON.stringify({ type: 'key', keyId: k.keyId, publicKeyPem: k.publicKeyPem, createdAt: k.createdAt }));
  for (const c of checkpoints) {
    await write(JSON.stringify({ type: 'checkpoint', seq: c.seq, headHash: c.headHash, createdAt: c.createdAt, keyId: c.keyId, signature: c.signature }));
  }
  const source = storeAuditSource(store, options.pageSize);
  let records = 0;
  for await (const r of source.records) {
    await write(JSON.stringify({ type: 'record', seq: r.seq, id: r.id, body: r.body, prevHash: r.prevHash, hash: r.hash }));
    records += 1;
  }
  const head = await source.head();
  if (head !== undefined) await write(JSON.stringify({ type: 'head', seq: head.seq, hash: head.hash }));
  return { records, checkpoints: checkpoints.length, keys: keys.length, head };
}

/** The non-record parts of an export file. */
export interface ExportIndex {
  readonly exportedAt: string;
  readonly keys: readonly AuditPublicKey[];
  readonly checkpoints: readonly AuditCheckpointRow[];
  readonly head: ChainHead | undefined;
}

/**
 * Read an export's header, keys, checkpoints and head (first pass over the file).
 * @throws GatehouseError USAGE if the file is not an export; AUDIT_CHAIN_BROKEN if a line is malformed.
 */
export async function readExportIndex(file: string): Promise<ExportIndex> {
  let exportedAt: string | undefined;
  const keys: AuditPublicKey[] = [];
  const checkpoints: AuditCheckpointRow[] = [];
  let head: ChainHead | undefined;
  for await (const { line, n } of exportLines(file)) {
    if (n === 1) {
      if (line.type !== EXPORT_TYPE || line.version !== EXPORT_VERSION || typeof line.exportedAt !== 'string') {
        throw new GatehouseError('USAGE', `${file} is not a Gatehouse audit export (version ${EXPORT_VERSION}).`);
      }
      exportedAt = line.exportedAt;
      continue;
    }
    if (line.type === 'key') keys.push(asKey(line, n));
    else if (line.type === 'checkpoint') checkpoints.push(asCheckpoint(line, n));
    else if (line.type === 'head') head = { seq: int(line.seq, n), hash: str(line.hash, n) };
    else if (line.type !== 'record') throw malformed(n);
  }
  if (exportedAt === undefined) throw new GatehouseError('USAGE', `${file} is empty, not a Gatehouse audit export.`);
  return { exportedAt, keys, checkpoints, head };
}

/** The record lines of an export, in file order (second pass over the file). */
export async function* readExportRecords(file: string): AsyncGenerator<AuditRow> {
  for await (const { line, n } of exportLines(file)) {
    if (line.type !== 'record') continue;
    yield { seq: int(line.seq, n), id: str(line.id, n), body: str(line.body, n), prevHash: str(line.prevHash, n), hash: str(line.hash, n) };
  }
}

/**
 * Verify an export file offline. Uses the file's key lines unless `trustedKeys` is given; pass a
 * trusted key when the file itself may have been forged.
 */
export async function verifyAuditExport(file: string, options: { readonly trustedKeys?: readonly AuditPublicKey[] } = {}): Promise<VerifyReport> {
  const index = await readExportIndex(file);
  return verifyAuditChain({
    records: readExportRecords(file),
    checkpoints: index.checkpoints,
    keys: options.trustedKeys ?? index.keys,
    head: async () => index.head,
  });
}

type Line = Record<string, unknown>;

async function* exportLines(file: string): AsyncGenerator<{ line: Line; n: number }> {
  const stream = createReadStream(file, { encoding: 'utf8' });
  const opened = new Promise<void>((resolve, reject) => {
    stream.once('open', () => resolve());
    stream.once('error', reject);
  });
  try {
    await opened;
  } catch {
    throw new GatehouseError('USAGE', `Cannot read the export file ${file}.`);
  }
  const lines = createInterface({ input: stream, crlfDelay: Infinity });
  let n = 0;
  try {
    for await (const text of lines) {
      n += 1;
      if (text.trim() === '') continue;
      let line: unknown;
      try {
        line = JSON.parse(text);
      } catch {
        throw malformed(n);
      }
      if (line === null || typeof line !== 'object' || Array.isArray(line)) throw malformed(n);
      yield { line: line as Line, n };
    }
  } finally {
    lines.close();
    stream.destroy();
  }
}

function asKey(line: Line, n: number): AuditPublicKey {
  return { keyId: str(line.keyId, n), publicKeyPem: str(line.publicKeyPem, n), createdAt: str(line.createdAt, n) };
}

function asCheckpoint(line: Line, n: number): AuditCheckpointRow {
  return { seq: int(line.seq, n), headHash: str(line.headHash, n), createdAt: str(line.createdAt, n), keyId: str(line.keyId, n), signature: str(line.signature, n) };
}

function str(value: unknown, n: number): string {
  if (typeof value !== 'string') throw malformed(n);
  return value;
}

function int(value: unknown, n: number): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw malformed(n);
  return value;
}

function malformed(n: number): GatehouseError {
  return new GatehouseError('AUDIT_CHAIN_BROKEN', `Line ${n} of the audit export is malformed.`, { line: n });
}
