/**
 * Audit chain verification: a pure function over records in seq order, checkpoints and public keys,
 * fed either by the store (paged) or by an export file. It stops at the FIRST bad record and says
 * how the chain was altered:
 *
 * - edited:    a record's hash does not match its content (or a rewritten record breaks the next link)
 * - deleted:   a seq is missing, or later records were renumbered down to close the gap
 * - inserted:  a record that is not part of the chain sits between linked records (later records
 *              renumbered up), or a record lies beyond the store's chain head
 * - reordered: a record is at another record's position, and that record is further on
 * - truncated: the newest records are gone: a signed checkpoint or the chain head lies past the end
 * - bad_checkpoint_signature / unknown_key: a checkpoint does not verify under a known key
 *
 * A record's hash covers its seq, so a moved record still proves where it belongs; the diagnosis
 * recovers that original seq within a window of records around the first problem.
 */
import { createPublicKey, type KeyObject } from 'node:crypto';
import { GENESIS_HASH, type AuditCheckpointRow, type AuditRepo, type AuditRow } from '../store/store.js';
import type { AuditPublicKey } from './audit-keys.js';
import { auditKeyId } from './audit-keys.js';
import { AuditBodyError, chainHash, isChainHash, parseAuditBody } from './audit-record.js';
import { checkpointSignatureValid } from './checkpointer.js';

/** How a chain was found altered. */
export type TamperKind = 'edited' | 'deleted' | 'inserted' | 'reordered' | 'truncated' | 'bad_checkpoint_signature' | 'unknown_key';

/** The first thing wrong with a chain. `seq` is the position of the first bad (or missing) record. */
export interface VerifyProblem {
  readonly kind: TamperKind;
  readonly seq: number;
  readonly id?: string;
  readonly detail: string;
}

/** Outcome of a verification. */
export interface VerifyReport {
  readonly ok: boolean;
  /** Records checked and found good before the first problem (all of them when ok). */
  readonly recordsChecked: number;
  /** Checkpoints whose signature and head hash were confirmed. */
  readonly checkpointsChecked: number;
  /** The last good record's seq and hash (0 and GENESIS_HASH for an empty chain). */
  readonly lastSeq: number;
  readonly lastHash: string;
  /** Seq of the newest signed checkpoint; records after it are protected by the chain alone. */
  readonly latestCheckpointSeq?: number;
  readonly problem?: VerifyProblem;
}

/** A chain position: seq and the hash of the record there. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** What verifyAuditChain checks. */
export interface VerifyInput {
  /** Records in ascending seq order (as stored, or as lines of an export). */
  readonly records: AsyncIterable<AuditRow> | Iterable<AuditRow>;
  readonly checkpoints: readonly AuditCheckpointRow[];
  /** Keys that may sign checkpoints: the store's published keys, or only a trusted key. */
  readonly keys: readonly AuditPublicKey[];
  /** The chain head the source claims, read after the records; omitted when unknown. */
  readonly head?: () => Promise<ChainHead | undefined>;
  /** Records examined on each side of the first problem to classify it. Default 1024. */
  readonly window?: number;
}

interface Seen {
  readonly seq: number;
  readonly id: string;
  readonly hash: string;
}

type CheckpointState = 'ok' | 'bad_signature' | 'unknown_key';

/** Verify a chain. Never throws for tampering; the report names the first problem. */
export async function verifyAuditChain(input: VerifyInput): Promise<VerifyReport> {
  const window = input.window ?? 1024;
  const keys = keyMap(input.keys);
  const checkpoints = [...input.checkpoints].sort((a, b) => a.seq - b.seq);
  const reader = new Reader(input.records);
  const behind: Seen[] = [];
  let expectedSeq = 1;
  let expectedPrev = GENESIS_HASH;
  let checked = 0;
  let cpIndex = 0;
  let cpChecked = 0;
  let lastConfirmedCp = 0;

  const report = (problem?: VerifyProblem): VerifyReport => ({
    ok: problem === undefined,
    recordsChecked: checked,
    checkpointsChecked: cpChecked,
    lastSeq: expectedSeq - 1,
    lastHash: expectedPrev,
    ...(checkpoints.length > 0 ? { latestCheckpointSeq: checkpoints[checkpoints.length - 1]?.seq } : {}),
    ...(problem === undefined ? {} : { problem }),
  });
  const ctx = (): RowContext => ({ expectedSeq, expectedPrev, behind, reader, window });

  for (let row = await reader.next(); row !== undefined; row = await reader.next()) {
    const problem = await checkRow(row, ctx());
    if (problem !== undefined) return report(problem);
    checked += 1;
    behind.push({ seq: row.seq, id: row.id, hash: row.hash });
    // Trim in blocks: shifting one element per record would copy the window every time.
    if (behind.length > 2 * window) behind.splice(0, behind.length - window);
    expectedSeq += 1;
    expectedPrev = row.hash;

    for (; cpIndex < checkpoints.length && (checkpoints[cpIndex]?.seq ?? 0) <= row.seq; cpIndex++) {
      const cp = checkpoints[cpIndex] as AuditCheckpointRow;
      const state = checkpointState(cp, keys);
      if (state !== 'ok') return report(checkpointProblem(cp, state));
      if (cp.seq !== row.seq) continue; // seq < 1: signed but pins nothing
      if (cp.headHash !== row.hash) {
        // A problem in the next record may explain the mismatch better (e.g. an insertion just before).
        const next = await reader.next();
        const nextProblem = next === undefined ? undefined : await checkRow(next, ctx());
        if (nextProblem !== undefined && nextProblem.seq <= cp.seq) return report(nextProblem);
        const from = lastConfirmedCp + 1;
        return report({
          kind: 'edited', seq: from, ...idAt(behind, from),
          detail: `records between seq ${from} and ${cp.seq} were rewritten: checkpoint ${cp.seq} (key ${cp.keyId}) signed head hash ${cp.headHash}, the chain has ${row.hash}`,
        });
      }
      cpChecked += 1;
      lastConfirmedCp = cp.seq;
    }
  }

  const head = input.head === undefined ? undefined : await input.head();
  return report(tailProblem({ last: expectedSeq - 1, lastHash: expectedPrev, head, pending: checkpoints.slice(cpIndex), keys, behind }));
}

/** After the last record: records past the head, and records missing from the end. */
function tailProblem(t: {
  readonly last: number;
  readonly lastHash: string;
  readonly head: ChainHead | undefined;
  /** Checkpoints past the last record. */
  readonly pending: readonly AuditCheckpointRow[];
  readonly keys: ReadonlyMap<string, KeyObject>;
  readonly behind: readonly Seen[];
}): VerifyProblem | undefined {
  const { last, head } = t;
  if (head !== undefined && head.seq < last) {
    const seq = head.seq + 1;
    return { kind: 'inserted', seq, ...idAt(t.behind, seq), detail: `records after the chain head (seq ${head.seq}) were added outside the gateway` };
  }
  const cp = t.pending[0];
  if (cp !== undefined) {
    const state = checkpointState(cp, t.keys);
    if (state !== 'ok') return checkpointProblem(cp, state);
    return { kind: 'truncated', seq: last + 1, detail: `records ${last + 1}..${cp.seq} are missing: checkpoint ${cp.seq} (key ${cp.keyId}) was signed after them` };
  }
  if (head !== undefined && head.seq > last) {
    return { kind: 'truncated', seq: last + 1, detail: `records ${last + 1}..${head.seq} are missing: the chain head is at seq ${head.seq}` };
  }
  if (head !== undefined && head.hash !== t.lastHash) {
    return { kind: 'edited', seq: last, ...idAt(t.behind, last), detail: `the newest record's hash differs from the chain head hash ${head.hash}` };
  }
  return undefined;
}

/**
 * Records of a store, paged in seq order, and the chain head read after the last page. If the head
 * moved on meanwhile (a live server), paging continues, so a busy chain is not reported truncated.
 */
export function storeAuditSource(store: Pick<AuditRepo, 'readAudit' | 'auditHead'>, pageSize = 1000): {
  records: AsyncIterable<AuditRow>;
  head: () => Promise<ChainHead | undefined>;
} {
  let head: ChainHead | undefined;
  async function* records(): AsyncGenerator<AuditRow> {
    let after = 0;
    let retried = false;
    for (;;) {
      const page = await store.readAudit({ afterSeq: after, limit: pageSize });
      for (const row of page) yield row;
      const lastRow = page[page.length - 1];
      if (lastRow !== undefined) {
        after = lastRow.seq;
        retried = false;
        continue;
      }
      head = await store.auditHead();
      if (head.seq <= after || retried) return;
      retried = true;
    }
  }
  return { records: records(), head: async () => head };
}

/**
 * Verify the chain in a store. Checkpoints are read before the records, so a checkpoint written
 * meanwhile never points past what was read. With `trustedKeys`, only those keys count.
 */
export async function verifyStore(store: AuditRepo, options: { trustedKeys?: readonly AuditPublicKey[]; pageSize?: number } = {}): Promise<VerifyReport> {
  const checkpoints = await store.listCheckpoints();
  const keys = options.trustedKeys ?? await store.listAuditKeys();
  const source = storeAuditSource(store, options.pageSize);
  return verifyAuditChain({ records: source.records, head: source.head, checkpoints, keys });
}

interface RowContext {
  readonly expectedSeq: number;
  readonly expectedPrev: string;
  readonly behind: readonly Seen[];
  readonly reader: Reader;
  readonly window: number;
}

/** undefined if `row` is the good next record; otherwise the classified first problem. */
async function checkRow(row: AuditRow, c: RowContext): Promise<VerifyProblem | undefined> {
  const p = c.expectedSeq;
  if (row.seq < p) {
    const dup = c.behind.some((s) => s.seq === row.seq);
    return dup
      ? { kind: 'inserted', seq: row.seq, id: row.id, detail: `a second record claims seq ${row.seq}` }
      : { kind: 'reordered', seq: row.seq, id: row.id, detail: `record seq ${row.seq} appears after seq ${p - 1}` };
  }
  if (row.seq > p) {
    const succ = await findSuccessor(c, row);
    if (succ !== undefined) {
      return { kind: 'reordered', seq: p, id: succ.id, detail: `record ${succ.id} belongs at seq ${p} but was moved to seq ${succ.seq}` };
    }
    const range = row.seq - 1 === p ? `record ${p} is` : `records ${p}..${row.seq - 1} are`;
    return { kind: 'deleted', seq: p, detail: `${range} missing (the next present record is ${row.id} at seq ${row.seq})` };
  }

  const ownOk = hashes(row, row.seq);
  const linkOk = row.prevHash === c.expectedPrev;
  if (ownOk && linkOk) {
    const bodyProblem = bodyCheck(row);
    return bodyProblem === undefined ? undefined : { kind: 'edited', seq: p, id: row.id, detail: bodyProblem };
  }
  if (ownOk) {
    // Self-consistent here, but it follows a different predecessor: the previous record was
    // rewritten and re-hashed, and this one still links to the original.
    const prev = c.behind[c.behind.length - 1];
    if (prev === undefined) return { kind: 'edited', seq: p, id: row.id, detail: 'the first record does not start from the genesis hash' };
    return { kind: 'edited', seq: prev.seq, id: prev.id, detail: `record ${prev.seq} was rewritten: record ${p} links to a different hash` };
  }

  const ahead = await c.reader.ahead(c.window);
  const original = recoverSeq(row, p, c.window + ahead.length);
  if (original !== undefined && original < p) {
    const first = c.behind.find((s) => s.seq === original);
    return {
      kind: 'inserted', seq: original, ...(first === undefined ? {} : { id: first.id }),
      detail: `${p - original} record(s) were inserted at seq ${original}..${p - 1}; record ${row.id} belongs at seq ${original}`,
    };
  }
  const succ = await findSuccessor(c);
  if (original !== undefined) {
    if (succ !== undefined) {
      return { kind: 'reordered', seq: p, id: row.id, detail: `record ${row.id} belongs at seq ${original}; record ${succ.id} of seq ${p} was moved to seq ${succ.seq}` };
    }
    return { kind: 'deleted', seq: p, detail: `records originally at seq ${p}..${original - 1} are missing and later records were renumbered (record ${row.id} belongs at seq ${original})` };
  }
  if (succ !== undefined) {
    return { kind: 'inserted', seq: p, id: row.id, detail: `record ${row.id} is not part of the chain, which continues with ${succ.id} (now at seq ${succ.seq})` };
  }
  return { kind: 'edited', seq: p, id: row.id, detail: 'the record does not match its hash (body, hash or link was changed)' };
}

/** Whether `row` hashes correctly as the record at `seq`. */
function hashes(row: AuditRow, seq: number): boolean {
  return isChainHash(row.prevHash) && isChainHash(row.hash) && chainHash(row.prevHash, seq, row.body) === row.hash;
}

/** The seq the record was written at, if its content is intact and that seq is within `span` of `p`. */
function recoverSeq(row: AuditRow, p: number, span: number): number | undefined {
  if (!isChainHash(row.prevHash) || !isChainHash(row.hash)) return undefined;
  for (let d = 1; d <= span; d++) {
    if (hashes(row, p + d)) return p + d;
    if (p - d >= 1 && hashes(row, p - d)) return p - d;
  }
  return undefined;
}

/** A later record that proves it belongs at the expected position: it links to the last good record. */
async function findSuccessor(c: RowContext, current?: AuditRow): Promise<AuditRow | undefined> {
  const rows = [...(current === undefined ? [] : [current]), ...await c.reader.ahead(c.window)];
  return rows.find((r) => r.prevHash === c.expectedPrev && hashes(r, c.expectedSeq));
}

function bodyCheck(row: AuditRow): string | undefined {
  try {
    const body = parseAuditBody(row.body);
    return body.id === row.id ? undefined : `the id column (${row.id}) differs from the id in the record body`;
  } catch (err) {
    return err instanceof AuditBodyError ? err.message : 'the record body cannot be read';
  }
}

function idAt(behind: readonly Seen[], seq: number): { id?: string } {
  const seen = behind.find((s) => s.seq === seq);
  return seen === undefined ? {} : { id: seen.id };
}

function keyMap(keys: readonly AuditPublicKey[]): Map<string, KeyObject> {
  const map = new Map<string, KeyObject>();
  for (const k of keys) {
    try {
      const key = createPublicKey(k.publicKeyPem);
      // A key row whose id does not match its key is not trusted.
      if (key.asymmetricKeyType === 'ed25519' && auditKeyId(key) === k.keyId) map.set(k.keyId, key);
    } catch {
      // Unparseable key rows simply do not count as known keys.
    }
  }
  return map;
}

function checkpointState(cp: AuditCheckpointRow, keys: ReadonlyMap<string, KeyObject>): CheckpointState {
  const key = keys.get(cp.keyId);
  if (key === undefined) return 'unknown_key';
  return checkpointSignatureValid(cp, key) ? 'ok' : 'bad_signature';
}

function checkpointProblem(cp: AuditCheckpointRow, state: Exclude<CheckpointState, 'ok'>): VerifyProblem {
  return state === 'unknown_key'
    ? { kind: 'unknown_key', seq: cp.seq, detail: `checkpoint ${cp.seq} is signed by key ${cp.keyId}, which is not a known audit key` }
    : { kind: 'bad_checkpoint_signature', seq: cp.seq, detail: `checkpoint ${cp.seq} (key ${cp.keyId}) has an invalid signature` };
}

/** Pulls records one at a time and can read ahead without losing them. */
class Reader {
  readonly #iterator: AsyncIterator<AuditRow> | Iterator<AuditRow>;
  readonly #buffer: AuditRow[] = [];
  #done = false;

  constructor(source: AsyncIterable<AuditRow> | Iterable<AuditRow>) {
    this.#iterator = Symbol.asyncIterator in source ? source[Symbol.asyncIterator]() : source[Symbol.iterator]();
  }

  async next(): Promise<AuditRow | undefined> {
    return this.#buffer.shift() ?? this.#pull();
  }

  /** Up to `n` upcoming records, left in place for next(). */
  async ahead(n: number): Promise<readonly AuditRow[]> {
    while (this.#buffer.length < n && !this.#done) {
      const row = await this.#pull();
      if (row !== undefined) this.#buffer.push(row);
    }
    return this.#buffer.slice(0, n);
  }

  async #pull(): Promise<AuditRow | undefined> {
    if (this.#done) return undefined;
    const result = await this.#iterator.next();
    if (result.done === true) {
      this.#done = true;
      return undefined;
    }
    return result.value;
  }
}
