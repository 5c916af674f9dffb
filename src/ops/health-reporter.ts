/**
 * Publishes each connector's health (status, last success, last error, latency) to the store, per
 * replica, so `gatehouse connector list` on any machine shows what the running gateways see.
 */
import { hostname } from 'node:os';
import type { Runtime } from '../main/runtime.js';
import type { Logger } from './logger.js';

export const HEALTH_INTERVAL_MS = 15_000;

export class HealthReporter {
  readonly replica: string;
  #timer: NodeJS.Timeout | undefined;

  constructor(private readonly current: () => Runtime, private readonly log: Logger, private readonly intervalMs = HEALTH_INTERVAL_MS) {
    this.replica = `${hostname()}:${process.pid}`;
  }

  start(): void {
    this.#timer = setInterval(() => void this.report(), this.intervalMs);
    this.#timer.unref();
    void this.report();
  }

  /** Write the current health of every connector. Failures are logged; health is advisory. */
  async report(): Promise<void> {
    const runtime = this.current();
    const updatedAt = new Date().toISOString();
    try {
      for (const connector of runtime.connectors) {
        const health = connector.health();
        await runtime.store.putConnectorHealth({
          connector: connector.name, replica: this.replica, status: health.status,
          lastSuccessAt: health.lastSuccessAt ?? null, lastErrorAt: health.lastErrorAt ?? null,
          lastErrorCode: health.lastErrorCode ?? null, latencyMs: health.latencyMs ?? null, updatedAt,
        });
      }
    } catch {
      this.log.warn('could not publish connector health', { replica: this.replica });
    }
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await this.report();
  }
}
