/**
 * Case tables for policy authors: YAML lists of requests with the decision each should get, run
 * through the real authorizer (`gatehouse policy test`). The request fixtures of
 * test/fixtures/policies use the same request shape.
 *
 * ```yaml
 * - name: restricted HR documents need the hr group
 *   agent: helpdesk
 *   user: { id: alice, groups: [hr] }        # optional: the end user the agent acts for
 *   action: read
 *   connector: handbook
 *   resource: { type: Document, path: hr/salaries.md, label: restricted }   # optional: the connector
 *   expect: allow
 * ```
 */
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import type { Config } from '../config/load.js';
import { POWERS, type Agent, type Caller, type EndUser, type ResourceRef } from '../domain/types.js';
import { GatehouseError } from '../errors/catalog.js';
import type { AuthorizationRequest, Authorizer } from './authorizer.js';

const attributes = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())]));

/** One request, as written in a case table or a fixture file. */
export const caseRequestSchema = z.strictObject({
  agent: z.string().min(1),
  user: z.strictObject({ id: z.string().min(1), groups: z.array(z.string()).optional(), attributes: attributes.optional() }).optional(),
  action: z.enum(POWERS),
  connector: z.string().min(1),
  resource: z.discriminatedUnion('type', [
    z.strictObject({ type: z.literal('Document'), path: z.string().min(1), label: z.string().min(1) }),
    z.strictObject({ type: z.literal('Record'), table: z.string().min(1), key: z.string().min(1), label: z.string().min(1) }),
    z.strictObject({ type: z.literal('Table'), table: z.string().min(1), label: z.string().min(1) }),
  ]).optional(),
  /** Defaults: operation = action, tool = `<connector>_<operation>`. */
  tool: z.string().min(1).optional(),
  operation: z.string().min(1).optional(),
});

const caseSchema = caseRequestSchema.extend({
  name: z.string().optional(),
  expect: z.enum(['allow', 'deny']),
});

/** A request of a case table or fixture, as parsed. */
export type CaseRequest = z.output<typeof caseRequestSchema>;
/** A case: a request, its expected decision and a name (`case <index>` when not given). */
export type PolicyCase = z.output<typeof caseSchema> & { readonly name: string };

/** The outcome of one case. */
export interface CaseResult {
  readonly index: number;
  readonly name: string;
  readonly expected: 'allow' | 'deny';
  /** `error` when the authorizer could not decide (the call would fail closed). */
  readonly actual: 'allow' | 'deny' | 'error';
  readonly passed: boolean;
  readonly policyIds: readonly string[];
  readonly reason: string | undefined;
  /** Error code and message when `actual` is `error`. */
  readonly error: string | undefined;
}

function bad(file: string, problems: readonly string[]): GatehouseError {
  return new GatehouseError('USAGE', `The policy case file ${file} has ${problems.length} problem(s):\n${problems.map((p) => `  ${p}`).join('\n')}\n`, {
    file, problems: problems.length,
  });
}

/**
 * Parse and check a case table against the configuration (agents, users, connectors exist).
 * Throws GatehouseError('USAGE') listing every problem with its case index and line.
 */
export function parsePolicyCases(text: string, file: string, config: Pick<Config, 'agents' | 'connectors'>): PolicyCase[] {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) throw bad(file, doc.errors.map((e) => `line ${e.linePos?.[0]?.line ?? '?'}: ${e.message.split('\n')[0] ?? 'YAML syntax error'}`));
  if (!isSeq(doc.contents)) throw bad(file, ['expected a YAML list of cases']);
  const items = doc.contents.items;
  const problems: string[] = [];
  const cases: PolicyCase[] = [];
  items.forEach((item, index) => {
    const offset = (item as { range?: [number, number, number] } | null)?.range?.[0];
    const where = `case[${index}]${offset === undefined ? '' : ` (line ${lineCounter.linePos(offset).line})`}`;
    const raw: unknown = isMap(item) ? item.toJSON() : item;
    const parsed = caseSchema.safeParse(raw);
    if (!parsed.success) {
      for (const issue of parsed.error.issues) problems.push(`${where} ${issue.path.join('.') || '(case)'}: ${issue.message}`);
      return;
    }
    const c = { ...parsed.data, name: parsed.data.name ?? `case ${index}` };
    for (const p of referenceProblems(c, config)) problems.push(`${where} ${p}`);
    cases.push(c);
  });
  if (problems.length > 0) throw bad(file, problems);
  return cases;
}

/** What is wrong with a request's references to the configuration, if anything. */
export function referenceProblems(c: CaseRequest, config: Pick<Config, 'agents' | 'connectors'>): string[] {
  const problems: string[] = [];
  const agent = config.agents.find((a) => a.name === c.agent);
  if (agent === undefined) problems.push(`agent: "${c.agent}" is not declared under agents:`);
  else if (c.user !== undefined && !agent.act_for_users) problems.push(`user: agent "${c.agent}" may not act for users (act_for_users is false)`);
  if (!config.connectors.some((k) => k.name === c.connector)) problems.push(`connector: "${c.connector}" is not declared under connectors:`);
  return problems;
}

/**
 * The authorization request a case stands for. A user that is declared under `users:` gets the
 * declared groups and attributes unless the case gives its own. Throws if a reference is unknown.
 */
export function caseToRequest(c: CaseRequest, config: Pick<Config, 'agents' | 'users' | 'connectors'>): AuthorizationRequest {
  const problems = referenceProblems(c, config);
  const a = config.agents.find((x) => x.name === c.agent);
  const k = config.connectors.find((x) => x.name === c.connector);
  if (problems.length > 0 || a === undefined || k === undefined) throw new GatehouseError('USAGE', `Bad policy request: ${problems.join('; ')}.`);
  const agent: Agent = { name: a.name, owner: a.owner, description: a.description, groups: a.groups, attributes: a.attributes, actForUsers: a.act_for_users };
  let user: EndUser | undefined;
  if (c.user !== undefined) {
    const declared = config.users.find((u) => u.id === c.user?.id);
    user = { id: c.user.id, groups: c.user.groups ?? declared?.groups ?? [], attributes: c.user.attributes ?? declared?.attributes ?? {} };
  }
  const caller: Caller = { agent, keyId: 'policy-case', user };
  const parents = [{ type: 'Connector', id: k.name }];
  const r = c.resource;
  // The same entities the connectors build (files-connector.ts, sql-results.ts), so cases decide as calls do.
  const table = (name: string) => ({ type: 'Table', id: `${k.name}/${name}` });
  const resource: ResourceRef = r === undefined ? { type: 'Connector', id: k.name, attributes: {}, parents: [] }
    : r.type === 'Document' ? { type: 'Document', id: `${k.name}/${r.path}`, attributes: { path: r.path, label: r.label, connector: k.name }, parents }
      : r.type === 'Table' ? { ...table(r.table), attributes: { table: r.table, label: r.label, connector: k.name }, parents }
        : { type: 'Record', id: `${k.name}/${r.table}/${r.key}`, attributes: { table: r.table, key: r.key, label: r.label, connector: k.name }, parents: [table(r.table), ...parents] };
  const operation = c.operation ?? c.action;
  return {
    caller, action: c.action, resource, operation,
    connector: { name: k.name, type: k.type, owner: k.owner, powers: k.powers },
    tool: c.tool ?? `${k.name}_${operation}`,
  };
}

/** Run every case; a case the authorizer cannot decide is an `error` result, never a throw. */
export function runPolicyCases(cases: readonly PolicyCase[], config: Pick<Config, 'agents' | 'users' | 'connectors'>, authorizer: Authorizer): CaseResult[] {
  return cases.map((c, index) => {
    const base = { index, name: c.name, expected: c.expect };
    try {
      const decision = authorizer.authorize(caseToRequest(c, config));
      const actual = decision.allowed ? 'allow' : 'deny';
      return { ...base, actual, passed: actual === c.expect, policyIds: decision.policyIds, reason: decision.reason, error: undefined };
    } catch (err) {
      const error = err instanceof GatehouseError ? `${err.code}: ${err.message}` : 'INTERNAL_ERROR';
      return { ...base, actual: 'error', passed: false, policyIds: [], reason: undefined, error };
    }
  });
}
