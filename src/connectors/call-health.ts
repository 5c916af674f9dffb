/**
 * The part of a connector's health that comes from its calls: when the last one succeeded, when
 * and with what code the system last failed, and how long the last call took. Shared by every
 * connector type so that "failing" means the same thing everywhere.
 */
import { performance } from 'node:perf_hooks';
import { GatehouseError } from '../errors/catalog.js';
import type { ConnectorHealth } from './connector.js';

/** Whether a failure says something about the system: not the agent's mistake, not a cancelled call. */
export function isSystemFailure(err: unknown): boolean {
  if (!(err instanceof GatehouseError)) return true;
  return err.spec.fault === 'server' && err.details.cancelled !== true;
}

export class CallHealth {
  #lastSuccessAt: string | undefined;
  #lastErrorAt: string | undefined;
  #lastErrorCode: string | undefined;
  #latencyMs: number | undefined;
  #failing = false;
  readonly #now: () => Date;

  constructor(now: () => Date = () => new Date()) {
    this.#now = now;
  }

  /** Run one call, timing it and recording its outcome; the call's own result or error passes through. */
  async track<T>(call: () => Promise<T>): Promise<T> {
    const started = performance.now();
    try {
      const result = await call();
      this.succeeded();
      return result;
    } catch (err) {
      this.failed(err);
      throw err;
    } finally {
      this.#latencyMs = Math.round(performance.now() - started);
    }
  }

  succeeded(): void {
    this.#lastSuccessAt = this.#now().toISOString();
    this.#failing = false;
  }

  /** Record a failure if it is the system's (see isSystemFailure); returns whether it was recorded. */
  failed(err: unknown): boolean {
    if (!isSystemFailure(err)) return false;
    this.#lastErrorAt = this.#now().toISOString();
    this.#lastErrorCode = err instanceof GatehouseError ? err.code : 'INTERNAL_ERROR';
    this.#failing = true;
    return true;
  }

  /** Whether the last recorded outcome was a failure of the system. */
  get failing(): boolean {
    return this.#failing;
  }

  get lastErrorCode(): string | undefined {
    return this.#lastErrorCode;
  }

  /** The call facts of ConnectorHealth; a connector adds status and its own facts. */
  snapshot(): Pick<ConnectorHealth, 'lastSuccessAt' | 'lastErrorAt' | 'lastErrorCode' | 'latencyMs'> {
    return { lastSuccessAt: this.#lastSuccessAt, lastErrorAt: this.#lastErrorAt, lastErrorCode: this.#lastErrorCode, latencyMs: this.#latencyMs };
  }
}
