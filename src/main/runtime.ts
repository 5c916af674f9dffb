/**
 * Everything one configuration produces: the authenticator, the policy engine, the connectors and
 * their tools. Built once per (re)load and swapped atomically, so a call always sees one consistent
 * configuration and nothing is parsed or compiled per call.
 */
import type { AuditSink } from '../audit/audit-entry.js';
import type { Config } from '../config/load.js';
import type { Connector } from '../connectors/connector.js';
import { createConnector } from '../connectors/create-connector.js';
import { Authenticator } from '../identity/authenticator.js';
import type { Logger } from '../ops/logger.js';
import type { Authorizer } from '../policy/authorizer.js';
import { createCedarAuthorizer } from '../policy/cedar-authorizer.js';
import { loadPolicies } from '../policy/policy-loader.js';
import { ToolRegistry } from '../pipeline/tool-registry.js';
import type { Store } from '../store/store.js';

export interface Runtime {
  readonly config: Config;
  readonly store: Store;
  readonly log: Logger;
  readonly audit: AuditSink;
  readonly authenticator: Authenticator;
  readonly authorizer: Authorizer;
  readonly connectors: readonly Connector[];
  readonly tools: ToolRegistry;
}

export interface RuntimeDeps {
  readonly store: Store;
  readonly log: Logger;
  readonly audit: AuditSink;
}

/**
 * Build and start a runtime. Throws (POLICY_INVALID, ...) without side effects left running if any
 * part fails, so a bad reload keeps the old runtime.
 */
export async function buildRuntime(config: Config, deps: RuntimeDeps): Promise<Runtime> {
  const policies = loadPolicies(config);
  for (const warning of policies.warnings) deps.log.warn('policy warning', { warning });
  const authorizer = createCedarAuthorizer(config, policies);
  const connectors = config.connectors.map((c) => createConnector(c, { store: deps.store, log: deps.log }));
  try {
    await Promise.all(connectors.map((c) => c.start()));
  } catch (err) {
    await Promise.allSettled(connectors.map((c) => c.close()));
    throw err;
  }
  return {
    config,
    store: deps.store,
    log: deps.log,
    audit: deps.audit,
    authenticator: new Authenticator(deps.store, config, deps.log),
    authorizer,
    connectors,
    tools: new ToolRegistry(connectors),
  };
}

/** Stop a runtime's connectors (watchers, timers). */
export async function closeRuntime(runtime: Runtime): Promise<void> {
  await Promise.allSettled(runtime.connectors.map((c) => c.close()));
}
