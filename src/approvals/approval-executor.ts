/**
 * Runs approved requests, exactly once across every replica sharing the store.
 *
 * A request is executed only by the executor that moves it from `approved` to `executing` (a
 * compare-and-set); every other replica, and any retry, finds nothing to claim. The call then goes
 * through the whole pipeline again with the approved arguments and the original actor chain, so
 * policy, the kill switch and the agent's revocation are checked at the time of use, not only at
 * the time of the request. If the process dies while a request is `executing`, it is never retried:
 * once its lease has passed it is marked `failed` (EXECUTION_INTERRUPTED) for a person to check.
 * Approved requests left by a crash before their claim are picked up by the next poll, here or on
 * another replica.
 */
import { randomBytes } from 'node:crypto';
import type { AuditSink } from '../audit/audit-entry.js';
import { durationMs } from '../config/schema-parts.js';
import { GatehouseError } from '../errors/catalog.js';
import { agentFromConfig } from '../identity/authenticator.js';
import type { Runtime } from '../main/runtime.js';
import type { Logger } from '../ops/logger.js';
import type { CallOutcome } from '../pipeline/call-context.js';
import { CallFailure, PIPELINE, runToolCall } from '../pipeline/runner.js';
import type { Stage } from '../pipeline/stage.js';
import type { ApprovalRow, ApprovalStatus } from '../store/approval-repo.js';
import type { Store } from '../store/store.js';
import { userOf } from './approval-service.js';

/** States after which nothing more happens to a request. */
export const FINAL_STATES: readonly ApprovalStatus[] = ['executed', 'failed', 'rejected', 'expired', 'discarded'];

export interface ApprovalExecutorDeps {
  readonly store: Store;
  readonly audit: AuditSink;
  readonly log: Logger;
  readonly current: () => Runtime;
  /** This process, as recorded in `claimed_by`. */
  readonly replica: string;
  /** How often approved requests are looked for (default 1 s; 0 disables polling). */
  readonly pollIntervalMs?: number;
  /** How long an `executing` request may stay so before it is taken as interrupted (default: approvals.execution_lease). */
  readonly leaseMs?: number;
  readonly now?: () => Date;
}

/** How an execution this process ran ended, for an agent waiting on it here. */
export type LocalOutcome = { readonly ok: true; readonly outcome: CallOutcome } | { readonly ok: false; readonly failure: CallFailure };

/** The agent of an approved request must still exist and not be revoked. */
const agentStillActive: Stage = {
  name: 'approved-agent-active',
  async run(ctx, runtime) {
    const declared = runtime.config.agents.some((a) => a.name === ctx.caller.agent.name);
    const state = await runtime.store.getAgentState(ctx.caller.agent.name);
    if (!declared || (state?.revokedAt ?? null) !== null) {
      throw new GatehouseError('AUTH_REVOKED', `Agent "${ctx.caller.agent.name}" was revoked or removed after asking; the approved action was not executed.`);
    }
  },
};
const APPROVED_PIPELINE: readonly Stage[] = [agentStillActive, ...PIPELINE];
const KEEP_OUTCOMES = 500;

export class ApprovalExecutor {
  readonly #deps: ApprovalExecutorDeps;
  readonly #inFlight = new Map<string, Promise<void>>();
  readonly #outcomes = new Map<string, LocalOutcome>();
  readonly #listeners = new Map<string, Set<() => void>>();
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #closed = false;

  constructor(deps: ApprovalExecutorDeps) {
    this.#deps = deps;
  }

  #now(): Date {
    return (this.#deps.now ?? (() => new Date()))();
  }

  /** Start polling for approved requests (and run one poll now). */
  start(): void {
    const interval = this.#deps.pollIntervalMs ?? 1000;
    void this.poll();
    if (interval > 0) {
      this.#timer = setInterval(() => void this.poll(), interval);
      this.#timer.unref();
    }
  }

  /** One poll: mark interrupted executions, then run what is approved and unclaimed. Never throws. */
  poll(): Promise<void> {
    this.#ticking ??= this.#poll().catch((err: unknown) => {
      this.#deps.log.error('approval executor poll failed', { code: err instanceof GatehouseError ? err.code : 'INTERNAL_ERROR' });
    }).finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  async #poll(): Promise<void> {
    if (this.#closed) return;
    await this.#markInterrupted();
    for (const row of await this.#deps.store.approvals.listApprovedUnclaimed(20)) await this.execute(row.id);
  }

  /** Claim and run one approved request; returns when it ran here, or at once if it was not ours to run. */
  execute(id: string): Promise<void> {
    let running = this.#inFlight.get(id);
    if (running === undefined) {
      running = this.#execute(id).finally(() => this.#inFlight.delete(id));
      this.#inFlight.set(id, running);
    }
    return running;
  }

  async #execute(id: string): Promise<void> {
    if (this.#closed) return;
    const store = this.#deps.store.approvals;
    const at = this.#now().toISOString();
    if (!(await store.transitionApproval(id, ['approved'], 'executing', { claimedBy: this.#deps.replica, claimedAt: at }, at, at))) return;
    const row = (await store.getApproval(id))!;
    const runtime = this.#deps.current();
    const declared = runtime.config.agents.find((a) => a.name === row.agent);
    const agent = declared === undefined
      ? { name: row.agent, owner: row.agentOwner, description: undefined, groups: [], attributes: {}, actForUsers: false }
      : agentFromConfig(declared);
    let local: LocalOutcome;
    try {
      const outcome = await runToolCall({
        requestId: `req_${randomBytes(9).toString('base64url')}`,
        caller: { agent, keyId: row.keyId, user: userOf(row) },
        toolName: row.tool,
        arguments: JSON.parse(row.approvedArguments ?? row.arguments) as Record<string, unknown>,
        signal: new AbortController().signal,
        client: `approval-executor ${this.#deps.replica}`.slice(0, 64),
        approval: row,
      }, runtime, APPROVED_PIPELINE);
      local = { ok: true, outcome };
    } catch (err) {
      local = { ok: false, failure: err instanceof CallFailure ? err : new CallFailure(err instanceof GatehouseError ? err : new GatehouseError('INTERNAL_ERROR', 'The approved action failed.'), undefined) };
    }
    const done = this.#now().toISOString();
    const fields = local.ok
      ? { executedAt: done, executionAuditId: local.outcome.auditId, resultSummary: local.outcome.result.summary.slice(0, 300) }
      : { executedAt: done, executionAuditId: local.failure.auditId ?? null, errorCode: local.failure.error.code };
    if (!(await store.transitionApproval(id, ['executing'], local.ok ? 'executed' : 'failed', fields, done))) {
      this.#deps.log.error('approved action ran but its state could not be recorded', { approval: id });
    }
    this.#settle(id, local);
  }

  /** `executing` requests whose lease has passed were interrupted: they are failed, never run again. */
  async #markInterrupted(): Promise<void> {
    const lease = this.#deps.leaseMs ?? durationMs(this.#deps.current().config.approvals.execution_lease);
    const cutoff = new Date(this.#now().getTime() - lease).toISOString();
    const executing = await this.#deps.store.approvals.listApprovals({ statuses: ['executing'], limit: 100 });
    for (const row of executing.filter((r) => (r.claimedAt ?? '') < cutoff && !this.#inFlight.has(r.id))) {
      const at = this.#now().toISOString();
      if (!(await this.#deps.store.approvals.transitionApproval(row.id, ['executing'], 'failed', { errorCode: 'EXECUTION_INTERRUPTED', executedAt: at }, at))) continue;
      this.#deps.log.warn('approved action was interrupted while executing; not retried', { approval: row.id, claimedBy: row.claimedBy ?? '' });
      await this.#deps.audit.record({
        kind: 'admin', requestId: `req_${randomBytes(9).toString('base64url')}`, actor: { admin: 'gatehouse' }, action: 'approval_interrupted',
        tool: row.tool, connector: row.connector, target: row.id, decision: 'none', policyIds: [], status: 'error',
        errorCode: 'EXECUTION_INTERRUPTED', summary: `claimed by ${row.claimedBy ?? 'unknown'} at ${row.claimedAt ?? '?'}`, durationMs: 0, approval: row.id,
      });
    }
  }

  #settle(id: string, local: LocalOutcome): void {
    this.#outcomes.set(id, local);
    while (this.#outcomes.size > KEEP_OUTCOMES) this.#outcomes.delete(this.#outcomes.keys().next().value!);
    for (const wake of this.#listeners.get(id) ?? []) wake();
  }

  /** The outcome of an execution that ran in this process, if it is still remembered. */
  localOutcome(id: string): LocalOutcome | undefined {
    return this.#outcomes.get(id);
  }

  /**
   * Wait until `id` reaches a final state or `ms` pass; `tick` is called about every second with the
   * time waited (for progress notifications). Returns the request as it then is.
   */
  async waitFor(id: string, ms: number, signal: AbortSignal, tick?: (waitedMs: number) => void): Promise<ApprovalRow | undefined> {
    const started = Date.now();
    for (;;) {
      const row = await this.#deps.store.approvals.getApproval(id);
      const waited = Date.now() - started;
      if (row === undefined || FINAL_STATES.includes(row.status) || waited >= ms || signal.aborted || this.#closed) return row;
      tick?.(waited);
      await this.#sleep(id, Math.min(1000, ms - waited), signal);
    }
  }

  /** Sleep up to `ms`, waking early when `id` settles here or the wait is aborted. */
  #sleep(id: string, ms: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const listeners = this.#listeners.get(id) ?? new Set<() => void>();
      this.#listeners.set(id, listeners);
      const wake = () => {
        clearTimeout(timer);
        listeners.delete(wake);
        if (listeners.size === 0) this.#listeners.delete(id);
        signal.removeEventListener('abort', wake);
        resolve();
      };
      const timer = setTimeout(wake, ms);
      listeners.add(wake);
      signal.addEventListener('abort', wake, { once: true });
    });
  }

  /** Stop polling and let running executions finish (they are recorded, never abandoned mid-way). */
  async close(): Promise<void> {
    this.#closed = true;
    clearInterval(this.#timer);
    await this.#ticking;
    await Promise.allSettled([...this.#inFlight.values()]);
    for (const listeners of this.#listeners.values()) for (const wake of listeners) wake();
  }
}
