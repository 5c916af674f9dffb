/**
 * The stored form of an audit record and the chain hash over it.
 *
 * Body: RFC 8785 canonical JSON of `{ v: 1, id, time, content, ...AuditEntry, argsHash?, resultHash?,
 * args?, result? }`. Absent optional fields are omitted, never null. The bytes in the store are the
 * bytes that are hashed, so a verifier never re-serializes a body.
 *
 * Chain hash (hex SHA-256), for a record at `seq` whose predecessor has hash `prevHash`:
 *
 *     SHA-256( UTF-8( "gatehouse-audit-record:v1\n" + prevHash + "\n" + seq + "\n" + body ) )
 *
 * `prevHash` is 64 lowercase hex characters (GENESIS_HASH for seq 1) and `seq` is decimal without
 * leading zeros, so neither can contain the separator and the encoding is unambiguous.
 */
import { createHash, randomBytes } from 'node:crypto';
import canonicalize from 'canonicalize';
import type { AuditActor, AuditDecision, AuditEntry, AuditKind, AuditStatus } from './audit-entry.js';

/** Version of the body format; bump when a field changes meaning. */
export const AUDIT_BODY_VERSION = 1;
/** Domain-separation tag that starts the chain-hash preimage. */
export const CHAIN_HASH_TAG = 'gatehouse-audit-record:v1';

const HEX64 = /^[0-9a-f]{64}$/;
const RECORD_ID = /^aud_[0-9a-hjkmnp-tv-z]{26}$/;
const CROCKFORD = '0123456789abcdefghjkmnpqrstvwxyz';

/** How arguments and results appear in a record. */
export type AuditContentMode = 'hashed' | 'full';

/** The parsed body of one stored audit record. */
export interface AuditRecordBody extends AuditEntry {
  readonly v: 1;
  readonly id: string;
  /** ISO-8601 UTC time the record was created. */
  readonly time: string;
  /** Content mode this record was written in. */
  readonly content: AuditContentMode;
  /** Hex HMAC-SHA-256 of the canonical JSON of the arguments (both modes). */
  readonly argsHash?: string;
  /** Hex HMAC-SHA-256 of the canonical JSON of the result (both modes). */
  readonly resultHash?: string;
  /** Arguments verbatim; only in `full` mode. */
  readonly args?: unknown;
  /** Result verbatim; only in `full` mode. */
  readonly result?: unknown;
}

/**
 * A new record id: `aud_` + 10 Crockford base32 characters of milliseconds since the epoch
 * (so ids sort by time) + 16 characters (80 bits) of randomness.
 */
export function newAuditRecordId(now: Date = new Date()): string {
  let ms = Math.max(0, Math.floor(now.getTime()));
  let time = '';
  for (let i = 0; i < 10; i++) {
    time = CROCKFORD.charAt(ms % 32) + time;
    ms = Math.floor(ms / 32);
  }
  const random = randomBytes(16);
  let tail = '';
  for (const byte of random) tail += CROCKFORD.charAt(byte % 32);
  return `aud_${time}${tail}`;
}

/** Whether a string has the shape of an audit record id. */
export function isAuditRecordId(value: string): boolean {
  return RECORD_ID.test(value);
}

/**
 * RFC 8785 canonical JSON of a value. Throws a plain Error (without the value) for content that has
 * no JSON form: NaN, Infinity, BigInt, cycles, lone surrogates, or a top-level undefined.
 */
export function canonicalJson(value: unknown): string {
  let text: string | undefined;
  try {
    text = canonicalize(value);
  } catch {
    // The library's message can quote the value; keep content out of errors.
    throw new Error('value has no canonical JSON form');
  }
  if (text === undefined) throw new Error('value has no canonical JSON form');
  return text;
}

/** Serialize a body to its canonical stored bytes, dropping absent optional fields. */
export function serializeAuditBody(body: AuditRecordBody): string {
  return canonicalJson(body);
}

/** Hex SHA-256 chain hash of a record; see the file comment for the exact preimage. */
export function chainHash(prevHash: string, seq: number, body: string): string {
  if (!HEX64.test(prevHash)) throw new Error('prevHash must be 64 lowercase hex characters');
  if (!Number.isSafeInteger(seq) || seq < 1) throw new Error('seq must be a positive integer');
  return createHash('sha256')
    .update(`${CHAIN_HASH_TAG}\n${prevHash}\n${seq}\n`, 'utf8')
    .update(body, 'utf8')
    .digest('hex');
}

/** Whether a stored hash or prev_hash value is well-formed. */
export function isChainHash(value: string): boolean {
  return HEX64.test(value);
}

const KINDS: readonly AuditKind[] = ['tool_call', 'tools_list', 'mcp_request', 'auth_failure', 'protocol_error', 'admin'];
const DECISIONS: readonly AuditDecision[] = ['allow', 'deny', 'error', 'unauthenticated', 'none'];
const STATUSES: readonly AuditStatus[] = ['ok', 'denied', 'error', 'held'];
const OPTIONAL_STRINGS = ['action', 'tool', 'connector', 'target', 'errorCode', 'summary', 'client', 'approval', 'reverts', 'argsHash', 'resultHash'] as const;
const ACTOR_FIELDS = ['agent', 'keyId', 'user', 'approver', 'admin'] as const;

/** Why a stored body could not be read back; names the field, never its value. */
export class AuditBodyError extends Error {
  constructor(readonly field: string) {
    super(`audit record body has an invalid or missing "${field}"`);
    this.name = 'AuditBodyError';
  }
}

/**
 * Parse and check a stored body. Throws AuditBodyError naming the first bad field. It checks shape,
 * not integrity: integrity is the chain hash's job.
 */
export function parseAuditBody(body: string): AuditRecordBody {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    throw new AuditBodyError('(json)');
  }
  if (!isObject(value)) throw new AuditBodyError('(root)');
  const need = (ok: boolean, field: string) => {
    if (!ok) throw new AuditBodyError(field);
  };
  need(value.v === AUDIT_BODY_VERSION, 'v');
  need(typeof value.id === 'string' && RECORD_ID.test(value.id), 'id');
  need(typeof value.time === 'string' && !Number.isNaN(Date.parse(value.time)), 'time');
  need(value.content === 'hashed' || value.content === 'full', 'content');
  need(KINDS.includes(value.kind as AuditKind), 'kind');
  need(typeof value.requestId === 'string', 'requestId');
  need(DECISIONS.includes(value.decision as AuditDecision), 'decision');
  need(STATUSES.includes(value.status as AuditStatus), 'status');
  need(Array.isArray(value.policyIds) && value.policyIds.every((p) => typeof p === 'string'), 'policyIds');
  need(typeof value.durationMs === 'number' && Number.isFinite(value.durationMs), 'durationMs');
  for (const field of OPTIONAL_STRINGS) need(value[field] === undefined || typeof value[field] === 'string', field);
  const actor = value.actor;
  need(isObject(actor), 'actor');
  for (const field of ACTOR_FIELDS) need((actor as Record<string, unknown>)[field] === undefined || typeof (actor as Record<string, unknown>)[field] === 'string', `actor.${field}`);
  need(value.guards === undefined || (Array.isArray(value.guards) && value.guards.every(isGuardTally)), 'guards');
  if (value.content === 'hashed') need(value.args === undefined && value.result === undefined, 'content');
  return value as unknown as AuditRecordBody;
}

/** The actor chain as one short string: `agent(keyId) for user, approved by approver`. */
export function describeActor(actor: AuditActor): string {
  const parts: string[] = [];
  if (actor.admin !== undefined) parts.push(`admin ${actor.admin}`);
  if (actor.agent !== undefined) parts.push(actor.keyId === undefined ? actor.agent : `${actor.agent}(${actor.keyId})`);
  if (actor.user !== undefined) parts.push(`for ${actor.user}`);
  if (actor.approver !== undefined) parts.push(`approved by ${actor.approver}`);
  return parts.length === 0 ? '-' : parts.join(' ');
}

function isGuardTally(value: unknown): boolean {
  return isObject(value) && (value.direction === 'in' || value.direction === 'out') && typeof value.detector === 'string'
    && typeof value.kind === 'string' && typeof value.action === 'string' && Number.isSafeInteger(value.count);
}

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
