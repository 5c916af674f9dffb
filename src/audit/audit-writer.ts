/**
 * The audit sink of the request path. Each record() builds a canonical body and joins the next
 * group commit: while one appendAudit is in flight, new records queue and all go in the next single
 * call, so N concurrent requests cost about one fsync, not N. record() resolves only after the batch
 * holding its record committed; if that commit fails, every record of the batch is rejected with
 * AUDIT_WRITE_FAILED and the caller fails its request closed.
 */
import { createHmac, type KeyObject } from 'node:crypto';
import { GatehouseError } from '../errors/catalog.js';
import { silentLogger, type Logger } from '../ops/logger.js';
import type { AuditAppend, AuditRepo } from '../store/store.js';
import type { AuditContent, AuditEntry, AuditSink } from './audit-entry.js';
import type { AuditKeys } from './audit-keys.js';
import {
  AUDIT_BODY_VERSION, canonicalJson, chainHash, newAuditRecordId, serializeAuditBody,
  type AuditContentMode, type AuditRecordBody,
} from './audit-record.js';

/** Tuning and configuration of an AuditWriter; checked at construction. */
export interface AuditWriterOptions {
  /** Configured `audit.content`; a record's AuditContent.mode overrides it. */
  readonly contentMode: AuditContentMode;
  readonly log?: Logger;
  /** Most records waiting for a commit; record() waits for room beyond this. Default 10000. */
  readonly maxQueue?: number;
  /** Most records in one appendAudit call. Default 500. */
  readonly maxBatch?: number;
  readonly now?: () => Date;
}

/** Counters for health and tests. */
export interface AuditWriterStats {
  readonly records: number;
  readonly commits: number;
  readonly failedCommits: number;
  readonly queued: number;
}

interface Pending {
  readonly append: AuditAppend;
  readonly resolve: (id: string) => void;
  readonly reject: (err: unknown) => void;
}

/** Group-committing AuditSink over the store. Construct once per process. */
export class AuditWriter implements AuditSink {
  readonly #store: Pick<AuditRepo, 'appendAudit'>;
  readonly #hmacKey: KeyObject;
  readonly #mode: AuditContentMode;
  readonly #logger: Logger;
  readonly #maxQueue: number;
  readonly #maxBatch: number;
  readonly #now: () => Date;
  #queue: Pending[] = [];
  #inFlight: Promise<void> | undefined;
  #scheduled = false;
  #closed = false;
  #roomWaiters: (() => void)[] = [];
  /** Records accepted but waiting for queue room. */
  #waiting = 0;
  #idleWaiters: (() => void)[] = [];
  #records = 0;
  #commits = 0;
  #failedCommits = 0;

  /**
   * @param store where records go; appendAudit must be atomic at the chain head
   * @param keys the HMAC key for argument and result hashes (see audit-keys.ts)
   */
  constructor(store: Pick<AuditRepo, 'appendAudit'>, keys: Pick<AuditKeys, 'hmacKey'>, options: AuditWriterOptions) {
    const maxQueue = options.maxQueue ?? 10_000;
    const maxBatch = options.maxBatch ?? 500;
    if (!Number.isInteger(maxQueue) || maxQueue < 1) throw new RangeError('maxQueue must be a positive integer');
    if (!Number.isInteger(maxBatch) || maxBatch < 1) throw new RangeError('maxBatch must be a positive integer');
    if (options.contentMode !== 'hashed' && options.contentMode !== 'full') throw new RangeError('contentMode must be hashed or full');
    this.#store = store;
    this.#hmacKey = keys.hmacKey;
    this.#mode = options.contentMode;
    this.#logger = options.log ?? silentLogger;
    this.#maxQueue = maxQueue;
    this.#maxBatch = maxBatch;
    this.#now = options.now ?? (() => new Date());
  }

  /**
   * Write one record; resolves to its id once it is durable in the store.
   * @throws GatehouseError AUDIT_WRITE_FAILED if the record cannot be built or its batch fails to commit.
   */
  async record(entry: AuditEntry, content?: AuditContent): Promise<string> {
    if (this.#closed) throw new GatehouseError('AUDIT_WRITE_FAILED', 'The audit writer is closed.');
    const append = this.#build(entry, content);
    if (this.#queue.length >= this.#maxQueue) {
      // Backpressure: the caller waits instead of the queue growing. Accepted records are still
      // written after close() began; flush() waits for them too.
      this.#waiting += 1;
      try {
        while (this.#queue.length >= this.#maxQueue) await new Promise<void>((resolve) => this.#roomWaiters.push(resolve));
      } finally {
        this.#waiting -= 1;
      }
    }
    return new Promise<string>((resolve, reject) => {
      this.#queue.push({ append, resolve, reject });
      this.#schedule();
    });
  }

  /** Resolves when every record queued before the call has been committed or rejected. */
  async flush(): Promise<void> {
    while (this.#queue.length > 0 || this.#inFlight !== undefined || this.#scheduled || this.#waiting > 0) {
      await new Promise<void>((resolve) => this.#idleWaiters.push(resolve));
    }
  }

  /** Refuse new records and wait for the queued ones. Idempotent. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.flush();
  }

  get stats(): AuditWriterStats {
    return { records: this.#records, commits: this.#commits, failedCommits: this.#failedCommits, queued: this.#queue.length };
  }

  /** The canonical body and indexed columns of one record. Content never leaves this function unhashed in `hashed` mode. */
  #build(entry: AuditEntry, content: AuditContent | undefined): AuditAppend {
    const now = this.#now();
    const id = newAuditRecordId(now);
    const mode = content?.mode ?? this.#mode;
    const body: AuditRecordBody = {
      v: AUDIT_BODY_VERSION,
      id,
      time: now.toISOString(),
      content: mode,
      kind: entry.kind,
      requestId: entry.requestId,
      actor: { ...entry.actor },
      action: entry.action,
      tool: entry.tool,
      connector: entry.connector,
      target: entry.target,
      decision: entry.decision,
      policyIds: [...entry.policyIds],
      status: entry.status,
      errorCode: entry.errorCode,
      summary: entry.summary,
      // Whole milliseconds: canonical JSON of fractions is exact but noisy.
      durationMs: Number.isFinite(entry.durationMs) ? Math.max(0, Math.round(entry.durationMs)) : 0,
      client: entry.client,
      approval: entry.approval,
      reverts: entry.reverts,
      ...(entry.guards === undefined ? {} : { guards: entry.guards.map((g) => ({ ...g })) }),
      argsHash: this.#hash(content?.arguments, 'arguments'),
      resultHash: this.#hash(content?.result, 'result'),
      ...(mode === 'full' ? { args: content?.arguments, result: content?.result } : {}),
    };
    let serialized: string;
    try {
      serialized = serializeAuditBody(body);
    } catch {
      throw new GatehouseError('AUDIT_WRITE_FAILED', 'The audit record could not be serialized.', { requestId: entry.requestId });
    }
    return {
      id,
      body: serialized,
      time: body.time,
      requestId: entry.requestId,
      agent: entry.actor.agent ?? null,
      connector: entry.connector ?? null,
      outcome: entry.status,
    };
  }

  #hash(value: unknown, what: string): string | undefined {
    if (value === undefined) return undefined;
    let json: string;
    try {
      json = canonicalJson(value);
    } catch {
      throw new GatehouseError('AUDIT_WRITE_FAILED', `The ${what} of the call have no JSON form and cannot be audited.`);
    }
    return createHmac('sha256', this.#hmacKey).update(json, 'utf8').digest('hex');
  }

  #schedule(): void {
    if (this.#scheduled || this.#inFlight !== undefined) return;
    this.#scheduled = true;
    // Wait one turn of the event loop so requests whose I/O is already ready join this batch.
    setImmediate(() => {
      this.#scheduled = false;
      this.#commitNext();
    });
  }

  #commitNext(): void {
    const batch = this.#queue.splice(0, this.#maxBatch);
    for (const wake of this.#roomWaiters.splice(0)) wake();
    if (batch.length === 0) {
      for (const wake of this.#idleWaiters.splice(0)) wake();
      return;
    }
    this.#inFlight = this.#commit(batch).finally(() => {
      this.#inFlight = undefined;
      // Records that queued during this commit go out now, as one batch.
      this.#commitNext();
    });
  }

  async #commit(batch: readonly Pending[]): Promise<void> {
    try {
      await this.#store.appendAudit(batch.map((p) => p.append), chainHash);
    } catch (err) {
      this.#failedCommits += 1;
      // Driver messages can quote values; log only the driver's code.
      this.#logger.error('audit commit failed', { records: batch.length, cause: driverCode(err) });
      const failure = new GatehouseError('AUDIT_WRITE_FAILED', 'The audit record could not be committed to the store.', { records: batch.length });
      for (const p of batch) p.reject(failure);
      return;
    }
    this.#commits += 1;
    this.#records += batch.length;
    for (const p of batch) p.resolve(p.append.id);
  }
}

function driverCode(err: unknown): string {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && /^[A-Za-z0-9_]{1,40}$/.test(code)) return code;
  return err instanceof Error ? err.name : 'unknown';
}
