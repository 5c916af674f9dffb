/**
 * Slicing: where each policy's scope lets it apply, and which policies a request can need.
 *
 * A policy's scope puts it in one principal bucket (`Agent::"a"`, a group, or any), one resource
 * bucket (a connector and a resource type, or any) and one or more action buckets; a slice is the
 * union of the buckets that can match a request, so leaving out the rest cannot change a decision.
 */
import type { EntityUidJson, PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import type { Agent, ResourceRef } from '../domain/types.js';
import { cedarType } from './entities.js';
import type { LoadedPolicy } from './policy-loader.js';

/** Where a policy's scope lets it apply; `*` is anywhere. */
export interface PolicyScope {
  /** `*`, `agent:<name>` or `group:<name>`. */
  readonly principal: string;
  /** `*` or `connector:<name>`. */
  readonly connector: string;
  /** Entity type the resource must have (`Document`, `Record`, `Connector`), or `*`. */
  readonly resourceType: string;
  /** Actions named by the scope; `undefined` when any action. */
  readonly actions: readonly string[] | undefined;
}

/** Any principal, connector, resource type or action. */
export const ANY = '*';
const RESOURCE_TYPES = ['Connector', 'Document', 'Record'];

function uidOf(value: EntityUidJson | undefined): { type: string; id: string } | undefined {
  if (value === undefined) return undefined;
  return '__entity' in value ? value.__entity : value;
}

type ScopeJson = PolicyJson['principal'] | PolicyJson['resource'];
const scopeEntity = (c: ScopeJson) => (c.op === '==' || c.op === 'in' ? ('entity' in c ? uidOf(c.entity) : undefined)
  : c.op === 'is' && c.in !== undefined && 'entity' in c.in ? uidOf(c.in.entity) : undefined);

/** The slicing key of a policy, from its scope (never from its conditions). */
export function policyScope(json: PolicyJson): PolicyScope {
  const p = scopeEntity(json.principal);
  // Agents are members only of groups, so `in Agent::"a"` means `== Agent::"a"`.
  const principal = p?.type === cedarType('Agent') ? `agent:${p.id}`
    : p?.type === cedarType('Group') && json.principal.op !== '==' ? `group:${p.id}` : ANY;

  const r = json.resource;
  const e = scopeEntity(r);
  const connector = e?.type === cedarType('Connector') ? `connector:${e.id}`
    : (e?.type === cedarType('Document') || e?.type === cedarType('Record')) && e.id.includes('/') ? `connector:${e.id.slice(0, e.id.indexOf('/'))}` : ANY;
  // Documents and Records have no members, so `in` them means `==`; `in` a Connector admits all types.
  const exact = r.op === 'is' ? r.entity_type : r.op === '==' || (r.op === 'in' && e?.type !== cedarType('Connector')) ? e?.type : undefined;
  const resourceType = RESOURCE_TYPES.find((t) => cedarType(t) === exact) ?? ANY;

  const a = json.action;
  const named = a.op === '==' ? ['entity' in a ? uidOf(a.entity) : undefined] : a.op === 'in' ? ('entity' in a ? [uidOf(a.entity)] : a.entities.map(uidOf)) : undefined;
  const actions = named === undefined || named.some((u) => u?.type !== cedarType('Action')) ? undefined : [...new Set(named.map((u) => u?.id ?? ''))];
  return { principal, connector, resourceType, actions };
}

/** Policies bucketed by scope: `principal \0 connector \0 resourceType \0 action` -> policies. */
export class PolicyIndex {
  readonly #buckets = new Map<string, LoadedPolicy[]>();
  readonly #connectorKeys = new Set<string>([ANY]);

  constructor(policies: readonly LoadedPolicy[]) {
    for (const policy of policies) {
      const s = policyScope(policy.json);
      this.#connectorKeys.add(s.connector);
      for (const action of s.actions ?? [ANY]) {
        const key = [s.principal, s.connector, s.resourceType, action].join('\u0000');
        const list = this.#buckets.get(key) ?? [];
        if (list.length === 0) this.#buckets.set(key, list);
        list.push(policy);
      }
    }
  }

  /** The slice for a request; an undefined connector or resource type means it could be any. */
  collect(agent: Agent, connector: string | undefined, resourceType: string | undefined, action: string): LoadedPolicy[] {
    const out: LoadedPolicy[] = [];
    const connectors = connector === undefined ? [...this.#connectorKeys] : [ANY, `connector:${connector}`];
    const types = resourceType === undefined ? [ANY, ...RESOURCE_TYPES] : [ANY, resourceType];
    for (const p of [ANY, `agent:${agent.name}`, ...agent.groups.map((g) => `group:${g}`)]) {
      for (const c of connectors) {
        for (const t of types) {
          for (const a of [ANY, action]) out.push(...(this.#buckets.get(`${p}\u0000${c}\u0000${t}\u0000${a}`) ?? []));
        }
      }
    }
    return out;
  }
}

/**
 * The connector a request's resource can belong to: the connector itself, or a Document/Record whose
 * id is `<connector>/...` and whose only parent is that connector. Anything else might match a policy
 * scoped to another connector, so it gets every connector's policies (undefined).
 */
export function connectorOf(resource: ResourceRef, connector: string, ownConnector: boolean): string | undefined {
  if (ownConnector) return connector;
  const parent = resource.parents[0];
  const conventional = resource.type !== 'Connector' && resource.id.startsWith(`${connector}/`)
    && resource.parents.length === 1 && parent?.type === 'Connector' && parent.id === connector;
  return conventional ? connector : undefined;
}
