/**
 * The Cedar schema policies are validated against, generated from the configuration: the fixed
 * entity types of the gateway plus the agent and end-user attributes the configuration declares.
 * `gatehouse policy schema` prints `CedarSchema.text`.
 */
import type { Config } from '../config/load.js';
import { GatehouseError } from '../errors/catalog.js';
import { POWERS, type AttributeValue } from '../domain/types.js';

/** Namespace of every Gatehouse entity type and action. */
export const CEDAR_NAMESPACE = 'Gatehouse';

/** The attribute types a configuration can declare. */
export type CedarAttributeType = 'String' | 'Long' | 'Bool' | 'Set<String>';

/** The generated schema and the attribute declarations it was made from. */
export interface CedarSchema {
  /** Cedar schema text (human-readable format). */
  readonly text: string;
  /** Optional attributes of `Agent`, beyond the built-in `owner`. */
  readonly agentAttributes: ReadonlyMap<string, CedarAttributeType>;
  /** Optional attributes of `User`. */
  readonly userAttributes: ReadonlyMap<string, CedarAttributeType>;
}

/** Attribute names the schema defines itself; configuration may not redefine them. */
const BUILT_IN_AGENT_ATTRIBUTES = new Set(['owner']);

/** Words the Cedar schema grammar reserves; such attribute names must be quoted. */
const RESERVED = new Set(['in', 'if', 'then', 'else', 'true', 'false', 'has', 'like', 'is']);

const DECLARED: Record<Config['identity']['userAttributes'][string], CedarAttributeType> = {
  'string': 'String',
  'long': 'Long',
  'bool': 'Bool',
  'set<string>': 'Set<String>',
};

/**
 * Cedar type of a configured attribute value, or a problem (Cedar has no floating point numbers).
 * Exported for entities.ts, which checks end-user claims against the same rules.
 */
export function cedarTypeOf(value: AttributeValue): CedarAttributeType | 'not-integer' {
  if (typeof value === 'string') return 'String';
  if (typeof value === 'boolean') return 'Bool';
  if (typeof value === 'number') return Number.isSafeInteger(value) ? 'Long' : 'not-integer';
  return 'Set<String>';
}

/** Collects attribute types and every conflict between them. */
class AttributeUnion {
  readonly types = new Map<string, CedarAttributeType>();
  readonly #firstSeen = new Map<string, string>();
  constructor(private readonly problems: string[]) {}

  add(name: string, type: CedarAttributeType | 'not-integer', where: string): void {
    if (type === 'not-integer') {
      this.problems.push(`${where}: attribute "${name}" is not an integer; Cedar numbers are whole (Long)`);
      return;
    }
    const known = this.types.get(name);
    if (known === undefined) {
      this.types.set(name, type);
      this.#firstSeen.set(name, where);
    } else if (known !== type) {
      this.problems.push(`${where}: attribute "${name}" is ${type} but ${this.#firstSeen.get(name) ?? 'elsewhere'} makes it ${known}`);
    }
  }
}

/**
 * Build the schema for `config`. Throws GatehouseError('POLICY_INVALID') naming every attribute whose
 * types conflict across agents or users, or that clashes with a built-in attribute.
 */
export function buildCedarSchema(config: Pick<Config, 'agents' | 'users' | 'identity'>): CedarSchema {
  const problems: string[] = [];
  const agents = new AttributeUnion(problems);
  config.agents.forEach((agent, index) => {
    for (const [name, value] of Object.entries(agent.attributes)) {
      const where = `agents[${index}] (${agent.name})`;
      if (BUILT_IN_AGENT_ATTRIBUTES.has(name)) {
        problems.push(`${where}: attribute "${name}" clashes with the built-in Agent attribute of that name`);
        continue;
      }
      agents.add(name, cedarTypeOf(value), where);
    }
  });
  const users = new AttributeUnion(problems);
  for (const [name, declared] of Object.entries(config.identity.userAttributes)) {
    users.add(name, DECLARED[declared], `identity.user_attributes.${name}`);
  }
  config.users.forEach((user, index) => {
    for (const [name, value] of Object.entries(user.attributes)) users.add(name, cedarTypeOf(value), `users[${index}] (${user.id})`);
  });
  if (problems.length > 0) {
    throw new GatehouseError('POLICY_INVALID', `Cannot build the Cedar schema from the configuration:\n${problems.map((p) => `  ${p}`).join('\n')}\n`, {
      problems: problems.length,
    });
  }
  return { text: schemaText(agents.types, users.types), agentAttributes: agents.types, userAttributes: users.types };
}

function attributeList(attributes: ReadonlyMap<string, CedarAttributeType>): string[] {
  return [...attributes.keys()].sort().map((name) => `${RESERVED.has(name) ? JSON.stringify(name) : name}?: ${attributes.get(name) ?? 'String'}`);
}

function record(fields: readonly string[], indent: string): string {
  if (fields.length === 0) return '{}';
  return `{\n${fields.map((f) => `${indent}  ${f},`).join('\n')}\n${indent}}`;
}

function schemaText(agent: ReadonlyMap<string, CedarAttributeType>, user: ReadonlyMap<string, CedarAttributeType>): string {
  const i = '  ';
  return [
    `// Generated by Gatehouse from the configuration; \`gatehouse policy schema\` prints it.`,
    `namespace ${CEDAR_NAMESPACE} {`,
    `${i}// Groups of agents and of end users (agents[].groups, users[].groups, user assertions).`,
    `${i}entity Group;`,
    `${i}// An AI agent; attributes come from agents[].attributes.`,
    `${i}entity Agent in [Group] ${record(['owner: String', ...attributeList(agent)], i)};`,
    `${i}// The end user an agent acts for; attributes come from users[] and identity.user_attributes.`,
    `${i}entity User in [Group] ${record(attributeList(user), i)};`,
    `${i}entity Connector ${record(['type: String', 'owner: String', 'powers: Set<String>'], i)};`,
    `${i}// Id "<connector>/<path>".`,
    `${i}entity Document in [Connector] ${record(['path: String', 'label: String', 'connector: String'], i)};`,
    `${i}// A declared table of a SQL connector; id "<connector>/<table>".`,
    `${i}entity Table in [Connector] ${record(['table: String', 'label: String', 'connector: String'], i)};`,
    `${i}// A row of a SQL connector; id "<connector>/<table>/<key>".`,
    `${i}entity Record in [Table, Connector] ${record(['table: String', 'key: String', 'label: String', 'connector: String'], i)};`,
    `${i}action ${POWERS.join(', ')} appliesTo {`,
    `${i}  principal: [Agent],`,
    `${i}  resource: [Connector, Document, Table, Record],`,
    `${i}  context: ${record(['tool: String', 'operation: String', 'user?: User', 'acting_for_user: Bool'], `${i}  `)},`,
    `${i}};`,
    `}`,
    '',
  ].join('\n');
}
