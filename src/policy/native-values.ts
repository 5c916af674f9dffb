/**
 * Cedar values for native residual evaluation (native-residuals.ts), read from the same request JSON
 * the authorizer would send to Cedar.
 *
 * Only a conservative domain is read natively: booleans, longs that a double holds exactly, well-formed
 * strings, sets, records and entity references of the gateway's own types. Anything else in a request
 * (a fraction, a long past 2^53, `null`, a lone surrogate, an extension value, a duplicate entity, a
 * parent that is itself an entity of the request, ...) throws `NotNative`, and the call goes to Cedar,
 * which then decides or fails exactly as it always did.
 */
import { CEDAR_NAMESPACE } from './cedar-schema.js';

/** Cedar could decide this but native evaluation will not: hand the call to Cedar. */
export class NotNative {
  readonly notNative = true;
}
/** An evaluation error: Cedar skips the policy and reports the error. */
export class CedarFailure {
  readonly failure = true;
}
/** Thrown (no stack to capture) to hand a call to Cedar. */
export const NOT_NATIVE = new NotNative();
/** Thrown (no stack to capture) when a policy's evaluation fails. */
export const FAILURE = new CedarFailure();

/** An entity reference `type::"id"`; `key` identifies it. */
export class EntityRef {
  readonly key: string;
  constructor(readonly type: string, readonly id: string) {
    this.key = `${type}\u0000${id}`;
  }
}
/** A Cedar set; may hold duplicates (equality and membership ignore them). */
export class CedarSet {
  constructor(readonly items: readonly Value[]) {}
}
/** A Cedar record. */
export class CedarRecord {
  constructor(readonly fields: ReadonlyMap<string, Value>) {}
}
/** A Cedar value of the native domain; numbers are longs. */
export type Value = boolean | number | string | EntityRef | CedarSet | CedarRecord;

/** An entity of the request: its attributes and its parents' keys (its only ancestors, see `nativeRequest`). */
export interface StoredEntity {
  readonly attrs: ReadonlyMap<string, Value>;
  readonly parents: ReadonlySet<string>;
}

/** What a policy evaluates against. */
export interface Env {
  readonly principal: EntityRef;
  readonly resource: EntityRef;
  readonly context: CedarRecord;
  readonly entities: ReadonlyMap<string, StoredEntity>;
}

/** Cedar equality: never fails; values of different types are unequal; sets compare as sets. */
export function equal(a: Value, b: Value): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object') return false;
  if (a instanceof EntityRef) return b instanceof EntityRef && a.key === b.key;
  if (a instanceof CedarSet) return b instanceof CedarSet && subset(a, b) && subset(b, a);
  if (!(b instanceof CedarRecord) || a.fields.size !== b.fields.size) return false;
  for (const [name, value] of a.fields) {
    const other = b.fields.get(name);
    if (other === undefined || !equal(value, other)) return false;
  }
  return true;
}

/** Whether `set` holds a value equal to `value`. */
export function member(set: CedarSet, value: Value): boolean {
  for (const item of set.items) if (equal(item, value)) return true;
  return false;
}

/** Whether every element of `a` is in `b`. */
export function subset(a: CedarSet, b: CedarSet): boolean {
  for (const item of a.items) if (!member(b, item)) return false;
  return true;
}

/** Entity types a request may name natively; Cedar rejects malformed names, which these are not. */
const TYPES = new Set(['Agent', 'User', 'Group', 'Connector', 'Document', 'Table', 'Record', 'Action'].map((t) => `${CEDAR_NAMESPACE}::${t}`));
/** A lone surrogate: Cedar cannot take such a string. */
const LONE_SURROGATE = /\p{Cs}/u;

/** An object as JSON.stringify writes it: own enumerable keys, no prototype of its own. */
function plain(value: unknown): value is Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const proto = Object.getPrototypeOf(value) as unknown;
  return proto === Object.prototype || proto === null;
}

/** An array as JSON.stringify writes it (holes would become `null`, which Cedar refuses). */
function list(value: unknown[]): unknown[] {
  return Array.from(value, (item) => item);
}

/** A string Cedar reads as written. */
function text(value: unknown): string {
  if (typeof value !== 'string' || LONE_SURROGATE.test(value)) throw NOT_NATIVE;
  return value;
}

/** `{ type, id }` (optionally wrapped in `__entity`) of a gateway type, as an entity reference. */
export function uidValue(json: unknown): EntityRef {
  if (!plain(json)) throw NOT_NATIVE;
  const wrapped = '__entity' in json ? json['__entity'] : json;
  if (wrapped !== json && Object.keys(json).length !== 1) throw NOT_NATIVE;
  if (!plain(wrapped) || Object.keys(wrapped).length !== 2 || !TYPES.has(wrapped['type'] as string)) throw NOT_NATIVE;
  return new EntityRef(wrapped['type'] as string, text(wrapped['id']));
}

/**
 * A JSON value (an attribute, a context value or a literal) as a Cedar value, or `NotNative`.
 * Records and entity references are taken only where `records` allows (literals and the context).
 */
export function jsonValue(json: unknown, records: boolean): Value {
  switch (typeof json) {
    case 'boolean':
      return json;
    case 'number':
      if (!Number.isSafeInteger(json)) throw NOT_NATIVE;
      return json;
    case 'string':
      return text(json);
    case 'object': {
      if (Array.isArray(json)) return new CedarSet(list(json).map((item) => jsonValue(item, records)));
      if (!records || !plain(json)) throw NOT_NATIVE;
      if ('__entity' in json) return uidValue(json);
      if ('__extn' in json || '__expr' in json) throw NOT_NATIVE;
      return recordOf(json, records);
    }
    default:
      throw NOT_NATIVE;
  }
}

function recordOf(object: Record<string, unknown>, records: boolean): CedarRecord {
  const fields = new Map<string, Value>();
  for (const [name, value] of Object.entries(object)) fields.set(text(name), jsonValue(value, records));
  return new CedarRecord(fields);
}

/** Attribute names that look like Cedar's JSON escapes are left to Cedar. */
const ESCAPE_LIKE = /^__/;

function entityOf(json: unknown): [EntityRef, StoredEntity] {
  if (!plain(json) || Object.keys(json).length !== 3 || !Array.isArray(json['parents']) || !plain(json['attrs'])) throw NOT_NATIVE;
  const uid = uidValue(json['uid']);
  const attrs = new Map<string, Value>();
  for (const [name, value] of Object.entries(json['attrs'])) {
    if (ESCAPE_LIKE.test(name)) throw NOT_NATIVE;
    attrs.set(text(name), jsonValue(value, false));
  }
  const parents = new Set(list(json['parents']).map((p) => uidValue(p).key));
  return [uid, { attrs, parents }];
}

/** The parts of an authorization call native evaluation reads (see `cedarRequest` in entities.ts). */
export interface RequestInput {
  readonly principal: unknown;
  readonly action: unknown;
  readonly resource: unknown;
  readonly context: Readonly<Record<string, unknown>>;
  /** `EntityJson` objects: `uid`, `attrs`, `parents`. */
  readonly entities: readonly unknown[];
}

/**
 * The environment Cedar would evaluate a call in, or `NotNative`. Like Cedar, it reads every value of
 * the request, read by a policy or not. Entities are unique and no parent is an entity of the
 * request, so an entity's ancestors are its parents (and no cycle can make Cedar refuse the call).
 */
export function nativeRequest(call: RequestInput): Env {
  uidValue(call.action);
  const entities = new Map<string, StoredEntity>();
  for (const json of list(call.entities as unknown[])) {
    const [uid, entity] = entityOf(json);
    if (entities.has(uid.key)) throw NOT_NATIVE;
    entities.set(uid.key, entity);
  }
  for (const entity of entities.values()) for (const parent of entity.parents) if (entities.has(parent)) throw NOT_NATIVE;
  const context = jsonValue(call.context, true);
  if (!(context instanceof CedarRecord)) throw NOT_NATIVE;
  return { principal: uidValue(call.principal), resource: uidValue(call.resource), context, entities };
}
