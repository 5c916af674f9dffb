/**
 * Turns connectors' operations into MCP tools: a name per (connector, operation), a description
 * that states power and source, and an argument validator compiled once per configuration.
 */
import { Ajv, type ValidateFunction } from 'ajv';
import type { Connector } from '../connectors/connector.js';
import type { OperationSpec } from '../domain/types.js';
import type { ConnectorFacts } from '../policy/authorizer.js';

/** LLM providers accept only these characters in tool names. */
export const TOOL_NAME = /^[a-zA-Z0-9_-]{1,64}$/;

export interface RegisteredTool {
  readonly name: string;
  readonly description: string;
  readonly operation: OperationSpec;
  readonly connector: Connector;
  readonly facts: ConnectorFacts;
  readonly validate: ValidateFunction;
}

/** `<connector>_<operation>`, e.g. `handbook_search`. */
export function toolName(connector: string, operation: string): string {
  const name = `${connector}_${operation}`;
  if (!TOOL_NAME.test(name)) throw new Error(`tool name "${name}" does not match ${TOOL_NAME}`);
  return name;
}

function describe(connector: Connector, op: OperationSpec): string {
  const c = connector.config;
  return `[${op.power}] ${op.summary} Source: ${c.type} connector "${c.name}" (${c.purpose}; owner ${c.owner}). `
    + `Power: ${op.power}${op.power === 'read' || op.power === 'search' ? ' (read-only)' : ''}.`;
}

export class ToolRegistry {
  readonly #tools = new Map<string, RegisteredTool>();

  constructor(connectors: readonly Connector[]) {
    const ajv = new Ajv({ allErrors: true, strict: false, coerceTypes: false, useDefaults: false, logger: false });
    for (const connector of connectors) {
      const facts: ConnectorFacts = {
        name: connector.name, type: connector.type, owner: connector.config.owner, powers: connector.config.powers,
      };
      for (const operation of connector.operations()) {
        if (!connector.config.powers.includes(operation.power)) continue;
        const name = toolName(connector.name, operation.name);
        this.#tools.set(name, {
          name, operation, connector, facts,
          description: describe(connector, operation),
          validate: ajv.compile(operation.inputSchema),
        });
      }
    }
  }

  get(name: string): RegisteredTool | undefined {
    return this.#tools.get(name);
  }

  all(): RegisteredTool[] {
    return [...this.#tools.values()];
  }
}
