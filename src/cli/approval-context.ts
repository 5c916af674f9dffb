/**
 * What the `gatehouse approvals` commands share: the person deciding, authenticated with the API
 * token in GATEHOUSE_ADMIN_TOKEN against the people declared in gatehouse.yaml, and an
 * ApprovalService on the store, so every rule (role and group, four eyes, expiry) is applied and
 * audited exactly as on the admin API.
 *
 * The CLI records decisions only; a running gateway executes approved requests (it polls every
 * second). Policies, connectors and tools are loaded only when a decision carries edits, which are
 * checked against the tool schema and policy; everything is closed before the command returns.
 */
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { AdminAuthenticator } from '../admin/admin-auth.js';
import { ApprovalExecutor } from '../approvals/approval-executor.js';
import { ApprovalService } from '../approvals/approval-service.js';
import type { AuditEntry, AuditSink } from '../audit/audit-entry.js';
import type { Config } from '../config/load.js';
import type { AdminConfig } from '../config/schema.js';
import { asGatehouseError, GatehouseError } from '../errors/catalog.js';
import { buildRuntime, closeRuntime, type Runtime } from '../main/runtime.js';
import { silentLogger } from '../ops/logger.js';
import { findMasterKey } from '../secrets/master-key.js';
import { SecretScrubber } from '../secrets/secret-scrubber.js';
import { StoreSecretResolver } from '../secrets/store-secret-resolver.js';
import type { Store } from '../store/store.js';
import { operatorName, withAdmin } from './admin-context.js';

/** The environment variable holding the deciding person's API token. */
export const ADMIN_TOKEN_ENV = 'GATEHOUSE_ADMIN_TOKEN';

export interface ApprovalsContext {
  readonly config: Config;
  readonly store: Store;
  /** The signed-in person. */
  readonly admin: AdminConfig;
  readonly service: ApprovalService;
  /** "cli os:<user>": the `via` of decisions and the client of audit records. */
  readonly via: string;
  /** Record a read by the signed-in person. */
  recordRead(action: string, fields: Partial<Pick<AuditEntry, 'target' | 'summary' | 'approval' | 'tool' | 'connector'>>): Promise<void>;
  /** Load policies, connectors and tools, which checking edited arguments needs. */
  loadRuntime(): Promise<void>;
  /** The runtime loadRuntime() built (for a rollback, which runs calls through the pipeline). */
  runtime(): Runtime;
}

/** Authenticate the person from GATEHOUSE_ADMIN_TOKEN, run `fn`, and close everything. */
export async function withApprovals<T>(configFile: string, fn: (ctx: ApprovalsContext) => Promise<T>, env: NodeJS.ProcessEnv = process.env): Promise<T> {
  const token = env[ADMIN_TOKEN_ENV]?.trim() ?? '';
  if (token === '') {
    throw new GatehouseError('USAGE', `${ADMIN_TOKEN_ENV} is not set. The approvals commands act as a person declared under admins: in gatehouse.yaml: `
      + `create their token with \`gatehouse admin token NAME\` and export it as ${ADMIN_TOKEN_ENV}.`);
  }
  return withAdmin(configFile, async (admin) => {
    const audit = await admin.audit();
    const via = `cli ${operatorName()}`.slice(0, 64);
    const requestId = () => `cli_${randomBytes(9).toString('base64url')}`;
    let person: AdminConfig;
    try {
      person = (await new AdminAuthenticator(admin.store).token(token, admin.config.admins)).admin;
    } catch (err) {
      const error = asGatehouseError(err);
      await audit.record({
        kind: 'auth_failure', requestId: requestId(), actor: {}, action: 'approvals_cli', decision: 'unauthenticated', policyIds: [], status: 'denied',
        errorCode: error.code, summary: typeof error.details.reason === 'string' ? error.details.reason : undefined, durationMs: 0, client: via,
      });
      throw error;
    }
    let runtime: Runtime | undefined;
    let secrets: StoreSecretResolver | undefined;
    const current = (): Runtime => {
      if (runtime === undefined) throw new GatehouseError('INTERNAL_ERROR', 'The configuration was not loaded for this command.');
      return runtime;
    };
    const service = new ApprovalService({ store: admin.store, audit, log: silentLogger, current });
    const ctx: ApprovalsContext = {
      config: admin.config, store: admin.store, admin: person, service, via,
      recordRead: async (action, fields) => {
        await audit.record({
          kind: 'admin', requestId: requestId(), actor: { admin: person.name }, action, decision: 'allow', policyIds: [], status: 'ok',
          durationMs: 0, client: via, ...fields,
        });
      },
      runtime: current,
      loadRuntime: async () => {
        if (runtime !== undefined) return;
        const loaded = await loadDecisionRuntime(admin.config, admin.store, audit, service, current);
        secrets = loaded.secrets;
        runtime = loaded.runtime;
      },
    };
    try {
      return await fn(ctx);
    } finally {
      if (runtime !== undefined) await closeRuntime(runtime);
      secrets?.close();
    }
  });
}

/** A runtime for checking decisions: no listener, and an executor that is never started (the gateway executes). */
async function loadDecisionRuntime(config: Config, store: Store, audit: AuditSink, approvals: ApprovalService, current: () => Runtime): Promise<{ runtime: Runtime; secrets: StoreSecretResolver }> {
  const masterKey = findMasterKey(config);
  const scrubber = new SecretScrubber();
  const secrets = new StoreSecretResolver({ store, masterKey, log: silentLogger, scrubber });
  const executor = new ApprovalExecutor({ store, audit, log: silentLogger, current, replica: `cli ${hostname()}:${process.pid}`, pollIntervalMs: 0 });
  try {
    const runtime = await buildRuntime(config, { store, log: silentLogger, audit, secrets, masterKeyLoaded: masterKey !== undefined, scrubber, approvals, executor });
    return { runtime, secrets };
  } catch (err) {
    secrets.close();
    throw err;
  }
}
