/**
 * The running gateway: store, audit trail, the live runtime, the MCP server and the HTTP listener.
 * Configuration reloads (file change or SIGHUP) build a complete new runtime first and swap it in
 * only if everything loaded; an invalid file is logged and the old configuration keeps serving.
 */
import { watch, type FSWatcher } from 'node:fs';
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { hostname } from 'node:os';
import { basename, dirname } from 'node:path';
import { ApprovalExecutor } from '../approvals/approval-executor.js';
import { approvalNotifier } from '../approvals/approval-notifier.js';
import { ApprovalService } from '../approvals/approval-service.js';
import { AuditWriter } from '../audit/audit-writer.js';
import { Checkpointer } from '../audit/checkpointer.js';
import { loadAuditKeys } from '../audit/audit-keys.js';
import { loadConfig, type Config } from '../config/load.js';
import { durationMs } from '../config/schema-parts.js';
import { asGatehouseError } from '../errors/catalog.js';
import { HealthReporter } from '../ops/health-reporter.js';
import type { Logger } from '../ops/logger.js';
import { createHttpHandler } from '../server/http-listener.js';
import { createMcpServer, newRequestId } from '../server/mcp-server.js';
import { StatelessTransport } from '../server/stateless-transport.js';
import { findMasterKey } from '../secrets/master-key.js';
import { SecretScrubber, scrubbingLogger } from '../secrets/secret-scrubber.js';
import { StoreSecretResolver } from '../secrets/store-secret-resolver.js';
import { openStore } from '../store/open-store.js';
import type { Store } from '../store/store.js';
import { buildRuntime, closeRuntime, type Runtime, type RuntimeDeps } from './runtime.js';

export interface GatewayOptions {
  readonly configFile: string;
  readonly log: Logger;
  /** Override server.listen (e.g. "127.0.0.1:0" in tests). */
  readonly listen?: string;
  /** Reload when the config file changes on disk. Default true. */
  readonly watchConfig?: boolean;
  /** Serve MCP over HTTP. False for stdio mode, where the caller connects its own transport. */
  readonly serveHttp?: boolean;
}

export class Gateway {
  #runtime: Runtime;
  #reloading: Promise<boolean> | undefined;
  readonly #watchers: FSWatcher[] = [];
  readonly #health: HealthReporter;

  readonly store: Store;
  readonly audit: AuditWriter;
  /** What every runtime of this gateway shares (store, audit, secrets, approvals), for reloads. */
  readonly #deps: RuntimeDeps & { readonly audit: AuditWriter; readonly secrets: StoreSecretResolver };

  private constructor(
    runtime: Runtime,
    deps: RuntimeDeps & { readonly audit: AuditWriter; readonly secrets: StoreSecretResolver },
    private readonly checkpointer: Checkpointer,
    private readonly http: HttpServer | undefined,
    private readonly options: GatewayOptions,
  ) {
    this.#runtime = runtime;
    this.#deps = deps;
    this.store = deps.store;
    this.audit = deps.audit;
    this.#health = new HealthReporter(() => this.#runtime, options.log);
  }

  /** Load the configuration, open the store, and start listening. */
  static async start(given: GatewayOptions): Promise<Gateway> {
    const scrubber = new SecretScrubber();
    const options: GatewayOptions = { ...given, log: scrubbingLogger(given.log, scrubber) };
    const config = loadConfig(options.configFile);
    // The master key is read once: changing it needs a restart, like changing the store.
    const masterKey = findMasterKey(config);
    const store = await openStore(config.store);
    const secrets = new StoreSecretResolver({ store, masterKey, log: options.log, scrubber });
    let runtime: Runtime | undefined;
    let executor: ApprovalExecutor | undefined;
    try {
      const keys = await loadAuditKeys(config, store);
      const audit = new AuditWriter(store, keys, { contentMode: config.audit.content, log: options.log });
      const checkpointer = new Checkpointer(store, keys, { intervalMs: config.checkpointIntervalMs, log: options.log });
      let gateway: Gateway | undefined;
      const current = () => gateway!.runtime;
      const replica = `${hostname()}:${process.pid}`;
      const approvals = new ApprovalService({ store, audit, log: options.log, current, onHeld: approvalNotifier(current, options.log) });
      executor = new ApprovalExecutor({ store, audit, log: options.log, current, replica, pollIntervalMs: durationMs(config.approvals.poll_interval) });
      const deps = { store, log: options.log, audit, secrets, masterKeyLoaded: masterKey !== undefined, scrubber, approvals, executor };
      runtime = await buildRuntime(config, deps);
      let http: HttpServer | undefined;
      if (options.serveHttp !== false) {
        const transport = new StatelessTransport();
        await createMcpServer(current).connect(transport);
        http = createServer({ requestTimeout: 120_000, headersTimeout: 30_000 }, createHttpHandler({ current, transport }));
        http.keepAliveTimeout = 30_000;
      }
      gateway = new Gateway(runtime, deps, checkpointer, http, options);
      if (http !== undefined) {
        const [host, port] = splitListen(options.listen ?? config.server.listen);
        await new Promise<void>((resolve, reject) => {
          http.once('error', reject);
          http.listen(port, host, () => resolve());
        });
      }
      checkpointer.start();
      gateway.#health.start();
      executor.start();
      if (options.watchConfig !== false) gateway.#watchConfig(config);
      options.log.info('gatehouse started', {
        url: http === undefined ? 'stdio' : gateway.url, store: store.kind, connectors: config.connectors.length, agents: config.agents.length,
      });
      return gateway;
    } catch (err) {
      await executor?.close();
      if (runtime !== undefined) await closeRuntime(runtime);
      secrets.close();
      await store.close().catch(() => undefined);
      throw err;
    }
  }

  get runtime(): Runtime {
    return this.#runtime;
  }

  /** The MCP endpoint URL. */
  get url(): string {
    const address = this.http?.address() as AddressInfo | null | undefined;
    if (address == null) return 'stdio';
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}/mcp`;
  }

  /**
   * Re-read the configuration. Returns true if the new one was applied; false (with the error
   * logged and audited) if it was refused and the old one kept.
   */
  reload(): Promise<boolean> {
    this.#reloading ??= this.#reload().finally(() => {
      this.#reloading = undefined;
    });
    return this.#reloading;
  }

  async #reload(): Promise<boolean> {
    const log = this.options.log;
    const requestId = newRequestId();
    const old = this.#runtime;
    let next: Runtime;
    try {
      const config = loadConfig(this.options.configFile);
      if (config.store !== old.config.store) {
        throw new Error('the store cannot change while running; restart the gateway to use a new store');
      }
      next = await buildRuntime(config, this.#deps);
    } catch (err) {
      const error = asGatehouseError(err);
      log.error('configuration reload refused; keeping the running configuration', {
        code: error.code, problem: err instanceof Error ? err.message : String(err),
      });
      await this.audit.record({
        kind: 'admin', requestId, actor: { admin: 'config-file' }, action: 'config_reload', decision: 'none', policyIds: [],
        status: 'error', errorCode: error.code, durationMs: 0,
      }).catch(() => undefined);
      return false;
    }
    this.#runtime = next;
    await closeRuntime(old);
    await this.audit.record({
      kind: 'admin', requestId, actor: { admin: 'config-file' }, action: 'config_reload', decision: 'none', policyIds: [],
      status: 'ok', summary: `${next.config.connectors.length} connectors, ${next.config.agents.length} agents, ${next.authorizer.policyCount} policies`, durationMs: 0,
    }).catch(() => undefined);
    log.info('configuration reloaded', { policies: next.authorizer.policyCount });
    return true;
  }

  /** Watch the config file's folder and the policy folders; debounce bursts of events. */
  #watchConfig(config: Config): void {
    let timer: NodeJS.Timeout | undefined;
    const trigger = () => {
      clearTimeout(timer);
      timer = setTimeout(() => void this.reload(), 250);
      timer.unref();
    };
    const configName = basename(config.file);
    const folders = new Set([dirname(config.file), ...config.policies.map((p) => dirname(p.replace(/\*.*$/, 'x')))]);
    for (const folder of folders) {
      try {
        const watcher = watch(folder, (_event, name) => {
          if (name === null || name === configName || name.endsWith('.cedar')) trigger();
        });
        watcher.unref();
        this.#watchers.push(watcher);
      } catch {
        this.options.log.warn('cannot watch folder for configuration changes', { folder });
      }
    }
  }

  /** Flush pending audit records and sign a checkpoint of the chain head now. */
  async checkpoint(): Promise<void> {
    await this.audit.flush();
    await this.checkpointer.checkpoint();
  }

  /** Stop listening, flush the audit trail and write a final checkpoint. */
  async close(): Promise<void> {
    for (const w of this.#watchers) w.close();
    const http = this.http;
    if (http !== undefined) {
      await new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      });
    }
    await this.#health.close();
    await this.#deps.executor.close();
    await closeRuntime(this.#runtime);
    this.#deps.secrets.close();
    await this.audit.close();
    await this.checkpointer.close();
    await this.store.close();
  }
}

function splitListen(listen: string): [string, number] {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[|\]$/g, '');
  return [host, Number(listen.slice(at + 1))];
}
