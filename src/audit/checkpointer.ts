/**
 * Signed checkpoints of the audit chain head. A checkpoint pins (seq, head hash) under the gateway's
 * Ed25519 key, so deleting the newest records or rewriting the chain up to a checkpoint is detectable
 * even by someone who can recompute unkeyed hashes.
 *
 * Signed message (UTF-8, no trailing newline):
 *
 *     gatehouse-audit-checkpoint:v1:<seq>:<headHash>:<createdAt>
 *
 * `seq` decimal, `headHash` 64 lowercase hex, `createdAt` ISO-8601 UTC. The signature is stored as
 * base64 of the 64-byte Ed25519 signature.
 */
import { createPublicKey, sign, verify, type KeyObject } from 'node:crypto';
import { silentLogger, type Logger } from '../ops/logger.js';
import type { AuditCheckpointRow, AuditRepo } from '../store/store.js';
import type { AuditKeys, AuditSigningKey } from './audit-keys.js';

/** Prefix of every signed checkpoint message. */
export const CHECKPOINT_TAG = 'gatehouse-audit-checkpoint:v1';

/** The exact bytes (as a string) that a checkpoint signature covers. */
export function checkpointMessage(seq: number, headHash: string, createdAt: string): string {
  return `${CHECKPOINT_TAG}:${seq}:${headHash}:${createdAt}`;
}

/** Sign a checkpoint of `head` with the gateway key. */
export function signCheckpoint(key: AuditSigningKey, head: { readonly seq: number; readonly hash: string }, createdAt: string): AuditCheckpointRow {
  const message = Buffer.from(checkpointMessage(head.seq, head.hash, createdAt), 'utf8');
  return {
    seq: head.seq,
    headHash: head.hash,
    createdAt,
    keyId: key.keyId,
    signature: sign(null, message, key.privateKey).toString('base64'),
  };
}

/** Whether `row.signature` is a valid Ed25519 signature of the row by `publicKey` (a KeyObject or SPKI PEM). */
export function checkpointSignatureValid(row: AuditCheckpointRow, publicKey: KeyObject | string): boolean {
  try {
    const key = typeof publicKey === 'string' ? createPublicKey(publicKey) : publicKey;
    const signature = Buffer.from(row.signature, 'base64');
    // Buffer.from(base64) skips junk characters; insist on the canonical encoding.
    if (signature.length !== 64 || signature.toString('base64') !== row.signature) return false;
    return verify(null, Buffer.from(checkpointMessage(row.seq, row.headHash, row.createdAt), 'utf8'), key, signature);
  } catch {
    return false;
  }
}

/** Configuration of a Checkpointer; checked at construction. */
export interface CheckpointerOptions {
  /** Config `checkpointIntervalMs`. */
  readonly intervalMs: number;
  readonly log?: Logger;
  readonly now?: () => Date;
}

type CheckpointStore = Pick<AuditRepo, 'auditHead' | 'insertCheckpoint' | 'listCheckpoints'>;

/**
 * Writes a checkpoint every `intervalMs` when the chain grew, and a last one on close().
 * Close the AuditWriter first so the final checkpoint covers every record.
 */
export class Checkpointer {
  readonly #store: CheckpointStore;
  readonly #key: AuditSigningKey;
  readonly #intervalMs: number;
  readonly #logger: Logger;
  readonly #now: () => Date;
  #timer: NodeJS.Timeout | undefined;
  #lastSeq: number | undefined;
  #running: Promise<AuditCheckpointRow | undefined> | undefined;
  #closed = false;

  /** @param keys the gateway's checkpoint signing key (see audit-keys.ts) */
  constructor(store: CheckpointStore, keys: Pick<AuditKeys, 'signing'>, options: CheckpointerOptions) {
    if (!Number.isFinite(options.intervalMs) || options.intervalMs < 1) throw new RangeError('intervalMs must be a positive number');
    this.#store = store;
    this.#key = keys.signing;
    this.#intervalMs = options.intervalMs;
    this.#logger = options.log ?? silentLogger;
    this.#now = options.now ?? (() => new Date());
  }

  /** Start the periodic timer. The timer does not keep the process alive. */
  start(): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setInterval(() => {
      this.checkpoint().catch(() => undefined);
    }, this.#intervalMs);
    this.#timer.unref();
  }

  /**
   * Write a checkpoint now if the chain grew since the last one; returns it, or undefined when
   * there was nothing new. Calls never overlap. Failures are logged and rethrown.
   */
  async checkpoint(): Promise<AuditCheckpointRow | undefined> {
    while (this.#running !== undefined) await this.#running.catch(() => undefined);
    this.#running = this.#write();
    try {
      return await this.#running;
    } finally {
      this.#running = undefined;
    }
  }

  /** Stop the timer and write a final checkpoint if the chain grew. */
  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    if (this.#closed) return;
    this.#closed = true;
    await this.checkpoint().catch(() => undefined);
  }

  async #write(): Promise<AuditCheckpointRow | undefined> {
    try {
      if (this.#lastSeq === undefined) {
        const existing = await this.#store.listCheckpoints();
        this.#lastSeq = existing.reduce((max, c) => Math.max(max, c.seq), 0);
      }
      const head = await this.#store.auditHead();
      if (head.seq <= this.#lastSeq) return undefined;
      const row = signCheckpoint(this.#key, head, this.#now().toISOString());
      // Another replica may have checkpointed the same seq; the store keeps the first.
      await this.#store.insertCheckpoint(row);
      this.#lastSeq = head.seq;
      this.#logger.debug('audit checkpoint written', { seq: row.seq, keyId: row.keyId });
      return row;
    } catch (err) {
      // Driver messages can quote values; log only the driver's code.
      const code = (err as { code?: unknown } | null)?.code;
      this.#logger.warn('audit checkpoint failed', { cause: typeof code === 'string' ? code.slice(0, 40) : 'unknown' });
      throw err;
    }
  }
}
