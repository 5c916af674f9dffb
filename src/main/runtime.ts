/**
 * Everything one configuration produces: the authenticator, the policy engine, the connectors and
 * their tools. Built once per (re)load and swapped atomically, so a call always sees one consistent
 * configuration and nothing is parsed or compiled per call.
 */
import type { ApprovalExecutor } from '../approvals/approval-executor.js';
import { APPROVAL_ANNOTATION } from '../approvals/approval-rules.js';
import type { ApprovalService } from '../approvals/approval-service.js';
import type { AuditSink } from '../audit/audit-entry.js';
import type { Config } from '../config/load.js';
import type { Connector } from '../connectors/connector.js';
import { createConnector } from '../connectors/create-connector.js';
import { Authenticator } from '../identity/authenticator.js';
import type { Logger } from '../ops/logger.js';
import { GatehouseError } from '../errors/catalog.js';
import type { Authorizer } from '../policy/authorizer.js';
import { createCedarAuthorizer } from '../policy/cedar-authorizer.js';
import { loadPolicies } from '../policy/policy-loader.js';
import { ToolRegistry } from '../pipeline/tool-registry.js';
import type { SecretResolver } from '../secrets/secret-resolver.js';
import type { SecretScrubber } from '../secrets/secret-scrubber.js';
import { createGuardEngine, type GuardEngine } from '../guards/guard-engine.js';
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
  /** Every credential handed to a connector, to clean out of results and errors. */
  readonly scrubber: SecretScrubber;
  /** The content guards of every connector (PII, secrets, injection, destinations, limits). */
  readonly guards: GuardEngine;
  /** Held requests (approval gates, drafts); shared by every runtime of the gateway. */
  readonly approvals: ApprovalService;
  /** Runs approved requests exactly once; shared by every runtime of the gateway. */
  readonly executor: ApprovalExecutor;
  /** Whether any policy gates calls or any tool drafts: then agents get the approval tools. */
  readonly approvalsInUse: boolean;
}

export interface RuntimeDeps {
  readonly store: Store;
  readonly log: Logger;
  readonly audit: AuditSink;
  /** Resolves connector credentials; shared by every runtime of the gateway. */
  readonly secrets: SecretResolver;
  /** Whether a master key was loaded, so `${secret:NAME}` references can be resolved at all. */
  readonly masterKeyLoaded: boolean;
  readonly scrubber: SecretScrubber;
  readonly approvals: ApprovalService;
  readonly executor: ApprovalExecutor;
}

/**
 * Build and start a runtime. Throws (POLICY_INVALID, ...) without side effects left running if any
 * part fails, so a bad reload keeps the old runtime.
 */
export async function buildRuntime(config: Config, deps: RuntimeDeps): Promise<Runtime> {
  if (config.usesStoredSecrets && !deps.masterKeyLoaded) {
    throw new GatehouseError('MASTER_KEY_MISSING',
      'The configuration uses ${secret:NAME} references but no master key is configured: set GATEHOUSE_MASTER_KEY or secrets.master_key_file.');
  }
  const policies = loadPolicies(config);
  // Before connectors start: a missing or damaged injection model stops the load (GUARD_MODEL_INVALID).
  const guards = createGuardEngine(config.connectors);
  for (const warning of policies.warnings) deps.log.warn('policy warning', { warning });
  const authorizer = createCedarAuthorizer(config, policies);
  const gated = policies.policies.some((p) => p.effect === 'permit' && (p.annotations[APPROVAL_ANNOTATION] ?? '') !== '');
  const connectors = config.connectors.map((c) => createConnector(c, { store: deps.store, log: deps.log, secrets: deps.secrets }));
  try {
    await Promise.all(connectors.map((c) => c.start()));
  } catch (err) {
    await Promise.allSettled(connectors.map((c) => c.close()));
    throw err;
  }
  // Rebuilt, never edited, when a connector's operations change: a call sees one whole registry.
  let tools = new ToolRegistry(connectors);
  for (const connector of connectors) {
    connector.onOperationsChanged?.(() => {
      tools = new ToolRegistry(connectors);
      deps.log.info('connector operations changed; tool list rebuilt', { connector: connector.name, tools: tools.all().length });
    });
  }
  return {
    config,
    store: deps.store,
    log: deps.log,
    audit: deps.audit,
    authenticator: new Authenticator(deps.store, config, deps.log),
    authorizer,
    connectors,
    scrubber: deps.scrubber,
    guards,
    approvals: deps.approvals,
    executor: deps.executor,
    get approvalsInUse() {
      return gated || tools.all().some((t) => t.operation.power === 'draft');
    },
    get tools() {
      return tools;
    },
  };
}

/** Stop a runtime's connectors (watchers, timers). */
export async function closeRuntime(runtime: Runtime): Promise<void> {
  await Promise.allSettled(runtime.connectors.map((c) => c.close()));
}
