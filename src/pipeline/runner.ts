/**
 * The request path for one tool call, written once:
 *
 *   (1 authenticate: at the listener, so a bad key is an HTTP 401)
 *    2 resolve-tool ........ TOOL_UNKNOWN
 *    3 validate-arguments .. ARGUMENTS_INVALID
 *    4 check-state ......... CONNECTOR_PAUSED, STORE_UNAVAILABLE
 *    5 resolve-target ...... PATH_OUTSIDE_ROOT, DOCUMENT_NOT_FOUND, CONNECTOR_UNAVAILABLE
 *    6 authorize ........... POLICY_DENIED, POLICY_EVALUATION_FAILED
 *    7 guard-input ......... GUARD_BLOCKED, DESTINATION_NOT_ALLOWED, GUARD_FAILED
 *    8 gate ................ (held as a pending approval or a draft: nothing more runs)
 *    9 execute ............. CONNECTOR_UNAVAILABLE, connector-specific codes
 *   10 scrub-secrets ....... (credentials echoed by an upstream are redacted)
 *   11 guard-output ........ OUTPUT_TOO_LARGE, GUARD_BLOCKED, GUARD_FAILED
 *   12 audit (this runner) . AUDIT_WRITE_FAILED
 *
 * Guards and approval gates are stages inserted into PIPELINE; connectors do not change.
 * The runner audits every outcome (allow, deny, error) and answers only once the record is durable:
 * if the audit write fails, the result is withheld (fail closed).
 */
import { performance } from 'node:perf_hooks';
import type { AuditDecision, AuditEntry, AuditStatus } from '../audit/audit-entry.js';
import { asGatehouseError, GatehouseError } from '../errors/catalog.js';
import type { Runtime } from '../main/runtime.js';
import type { CallContext, CallOutcome } from './call-context.js';
import type { Stage } from './stage.js';
import { authorize } from './stages/authorize.js';
import { checkState } from './stages/check-state.js';
import { execute } from './stages/execute.js';
import { gate } from './stages/gate.js';
import { guardInput } from './stages/guard-input.js';
import { guardOutput } from './stages/guard-output.js';
import { resolveTarget } from './stages/resolve-target.js';
import { resolveTool } from './stages/resolve-tool.js';
import { scrubSecrets } from './stages/scrub-secrets.js';
import { validateArguments } from './stages/validate-arguments.js';

/** The stage order. Add a stage here; nothing else changes. */
export const PIPELINE: readonly Stage[] = [
  resolveTool, validateArguments, checkState, resolveTarget, authorize, guardInput, gate, execute, scrubSecrets, guardOutput,
];

/** A failed call, carrying the audit id of its record. */
export class CallFailure extends Error {
  readonly error: GatehouseError;
  readonly auditId: string | undefined;
  constructor(error: GatehouseError, auditId: string | undefined) {
    super(error.message);
    this.error = error;
    this.auditId = auditId;
  }
}

/** Run one tool call through every stage, audit it, and return the result or throw CallFailure. */
export async function runToolCall(ctx: CallContext, runtime: Runtime, stages: readonly Stage[] = PIPELINE): Promise<CallOutcome> {
  const started = performance.now();
  let failure: GatehouseError | undefined;
  for (const stage of stages) {
    try {
      await stage.run(ctx, runtime);
    } catch (err) {
      failure = withoutSecrets(asGatehouseError(err), runtime);
      if (failure.spec.fault === 'server') {
        runtime.log.error('tool call failed', { requestId: ctx.requestId, stage: stage.name, code: failure.code });
      }
      break;
    }
    if (ctx.held !== undefined) break;
  }
  const durationMs = Math.round((performance.now() - started) * 1000) / 1000;
  const entry = auditEntryFor(ctx, failure, durationMs);
  let auditId: string;
  try {
    auditId = await runtime.audit.record(entry, {
      arguments: ctx.arguments,
      result: failure === undefined ? ctx.result?.structured : undefined,
      mode: ctx.tool?.connector.config.audit_content ?? runtime.config.audit.content,
    });
  } catch (err) {
    runtime.log.error('audit write failed; call withheld', { requestId: ctx.requestId });
    throw new CallFailure(err instanceof GatehouseError ? err : new GatehouseError('AUDIT_WRITE_FAILED', 'The audit record could not be written.'), undefined);
  }
  if (failure !== undefined) throw new CallFailure(failure, auditId);
  if (ctx.held !== undefined) {
    await runtime.approvals.held(ctx.held, auditId);
    return { auditId, result: ctx.result!, held: ctx.held };
  }
  await storeChanges(ctx, runtime, auditId);
  return { auditId, result: ctx.result! };
}

/** The error, or a copy whose message no longer holds a credential an upstream echoed into it. */
function withoutSecrets(error: GatehouseError, runtime: Runtime): GatehouseError {
  if (!runtime.scrubber.active || !runtime.scrubber.leaks(error.message)) return error;
  const clean = new GatehouseError(error.code, '', error.details);
  clean.message = runtime.scrubber.scrubText(error.message);
  return clean;
}

/**
 * Keep what a write changed, with before-images, linked to its audit record (for rollback). The write
 * already happened, so a failure here is logged loudly rather than turned into an error the agent
 * might answer with a retry (and a second write).
 */
async function storeChanges(ctx: CallContext, runtime: Runtime, auditId: string): Promise<void> {
  const changes = ctx.result?.changes;
  if (changes === undefined || changes.length === 0) return;
  const createdAt = new Date().toISOString();
  try {
    await runtime.store.insertChanges(changes.map((change, position) => ({
      auditId, position, connector: ctx.tool!.connector.name, kind: change.kind, target: change.target, recordKey: change.key,
      beforeImage: change.before === null ? null : JSON.stringify(change.before),
      afterImage: change.after === null ? null : JSON.stringify(change.after),
      createdAt,
    })));
  } catch {
    runtime.log.error('change records could not be stored; this write cannot be rolled back automatically', { auditId, requestId: ctx.requestId });
  }
}

/** Refusals by a check (recorded as `denied`), as opposed to failures (`error`). */
const DENIALS: ReadonlySet<string> = new Set(['POLICY_DENIED', 'CONNECTOR_PAUSED', 'AUTH_REVOKED', 'GUARD_BLOCKED', 'DESTINATION_NOT_ALLOWED']);

function auditEntryFor(ctx: CallContext, failure: GatehouseError | undefined, durationMs: number): AuditEntry {
  const decision: AuditDecision = ctx.decision === undefined
    ? (failure === undefined ? 'none' : 'error')
    : ctx.decision.allowed ? 'allow' : 'deny';
  const status: AuditStatus = failure !== undefined
    ? (DENIALS.has(failure.code) ? 'denied' : 'error')
    : ctx.held !== undefined ? 'held' : 'ok';
  const approval = ctx.approval ?? ctx.held;
  return {
    kind: 'tool_call',
    requestId: ctx.requestId,
    actor: {
      agent: ctx.caller.agent.name, keyId: ctx.caller.keyId, ...(ctx.caller.user ? { user: ctx.caller.user.id } : {}),
      ...(ctx.approval?.decidedBy ? { approver: ctx.approval.decidedBy } : {}),
      ...(ctx.internal === undefined ? {} : { admin: ctx.internal.admin }),
    },
    action: ctx.tool?.operation.power,
    tool: ctx.toolName.slice(0, 64),
    connector: ctx.tool?.connector.name,
    target: ctx.resource?.id,
    decision,
    policyIds: ctx.decision?.policyIds ?? [],
    status,
    ...(failure === undefined ? {} : { errorCode: failure.code }),
    summary: failure === undefined ? ctx.result?.summary : failure.code,
    durationMs,
    ...(ctx.client === undefined ? {} : { client: ctx.client }),
    ...(approval === undefined ? {} : { approval: approval.id }),
    ...(ctx.internal === undefined ? {} : { reverts: ctx.internal.reverts }),
    ...(ctx.guards === undefined || ctx.guards.length === 0 ? {} : { guards: ctx.guards }),
  };
}
