/**
 * `gatehouse connector review NAME [--approve] [--json]`: compare an mcp connector's upstream tools
 * with their approved (pinned) definitions, show each change as a unified diff, and on approval
 * (`--approve`, or a yes at the prompt on a terminal) re-pin them. Approvals are audited.
 *
 * Exit codes: 0 nothing pending or approved; 1 changes pending and not approved; 2 errors.
 * Running gateways pick up new pins at their next tool refresh (every minute by default).
 */
import { createInterface } from 'node:readline/promises';
import type { DescriptionCheck } from '../connectors/mcp/description-check.js';
import { injectionDescriptionCheck } from '../connectors/mcp/injection-description-check.js';
import type { McpConnectorConfig } from '../connectors/mcp/mcp-config.js';
import { planReview, renderReview, reviewSummary } from '../connectors/mcp/tool-review.js';
import { fetchToolDefinitions } from '../connectors/mcp/upstream-endpoint.js';
import { GatehouseError } from '../errors/catalog.js';
import { findMasterKey } from '../secrets/master-key.js';
import type { SecretResolver } from '../secrets/secret-resolver.js';
import { StoreSecretResolver } from '../secrets/store-secret-resolver.js';
import { operatorName, printResult, withAdmin, type AdminContext } from './admin-context.js';
import { EXIT_CHECK_FAILED, EXIT_OK, type Io } from './io.js';

/** Options as the command line passes them: `args[0]` is the connector name. */
export interface ConnectorReviewOptions {
  readonly config: string;
  readonly args: readonly string[];
  readonly approve?: boolean;
  readonly json?: boolean;
}

/** What the review needs beyond the admin context; every part has a default. */
export interface ConnectorReviewDeps {
  /** Resolves the upstream's credentials (default: the store's encrypted secrets, as the gateway does). */
  readonly secrets?: SecretResolver;
  /** The same detector the gateway runs (default: the basic rules). */
  readonly check?: DescriptionCheck;
  /** Asks the operator; default: a y/N prompt when stdin and stderr are terminals, else no. */
  readonly confirm?: (question: string) => Promise<boolean>;
  readonly env?: Readonly<Record<string, string | undefined>>;
}

/**
 * The gateway's own resolver over the admin context's store: environment secrets as loaded, store
 * secrets opened with the master key, which is looked up only when a store secret is needed.
 */
function storeResolver(ctx: Pick<AdminContext, 'config' | 'store'>): SecretResolver {
  let resolver: StoreSecretResolver | undefined;
  return {
    resolve: async (secret) => {
      if (secret.source === 'env') return secret.reveal();
      resolver ??= new StoreSecretResolver({ store: ctx.store, masterKey: findMasterKey(ctx.config) });
      return resolver.resolve(secret);
    },
  };
}

async function terminalConfirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stderr.isTTY) return false;
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await rl.question(question)).trim());
  } finally {
    rl.close();
  }
}

/** The mcp connector entry named `name`; CONNECTOR_UNKNOWN or USAGE otherwise. */
function mcpEntry(ctx: Pick<AdminContext, 'config'>, name: string): McpConnectorConfig {
  const entry = ctx.config.connectors.find((c) => c.name === name);
  if (entry === undefined) {
    throw new GatehouseError('CONNECTOR_UNKNOWN', `Connector "${name}" is not declared in ${ctx.config.file}.`, { connector: name });
  }
  if (entry.type !== 'mcp') {
    throw new GatehouseError('USAGE', `Connector "${name}" is a ${entry.type} connector; only mcp connectors have tools to review.`, { connector: name });
  }
  return entry;
}

/**
 * Review one connector in an open admin context: fetch the upstream's tools, diff against the pins,
 * print, and re-pin when approved. Resolves to the exit code.
 */
export async function reviewConnector(
  ctx: Pick<AdminContext, 'config' | 'store' | 'recordAdmin'>,
  options: { readonly name: string; readonly approve?: boolean; readonly json?: boolean },
  io: Io,
  deps: ConnectorReviewDeps = {},
): Promise<number> {
  const config = mcpEntry(ctx, options.name);
  const upstream = await fetchToolDefinitions(config, deps.secrets ?? storeResolver(ctx), deps.env ?? process.env);
  const review = planReview({
    connector: config.name, allowList: config.tools, upstream, pins: await ctx.store.listToolPins(config.name),
    check: deps.check ?? injectionDescriptionCheck(), by: operatorName(), at: new Date().toISOString(),
  });
  const text = renderReview(review);
  let approved = false;
  if (review.pending) {
    if (options.approve === true) approved = true;
    else if (options.approve === undefined && options.json !== true) {
      io.out(text);
      approved = await (deps.confirm ?? terminalConfirm)(`Approve and re-pin the tools of ${config.name}? [y/N] `);
    }
  }
  if (approved) {
    await ctx.store.replaceToolPins(config.name, review.pins);
    await ctx.recordAdmin('connector_review_approve', {
      status: 'ok', connector: config.name, target: config.name, summary: `${reviewSummary(review)}; ${review.pins.length} pins`,
    });
  }
  const shown = options.approve === undefined && options.json !== true && review.pending;
  const outcome = !review.pending ? 'Nothing to approve.' : approved
    ? `Approved: ${review.pins.length} tool definitions pinned; running gateways pick them up at their next tool refresh (within a minute).`
    : 'Not approved: changed tools stay quarantined. Approve with --approve.';
  printResult(io, options.json, {
    connector: review.connector, pending: review.pending, approved, items: review.items,
    notAllowListed: review.notAllowListed, notOffered: review.notOffered,
  }, shown ? outcome : `${text}${outcome}`);
  return review.pending && !approved ? EXIT_CHECK_FAILED : EXIT_OK;
}

/** The `connector review` command for the CLI (`main.ts`). */
export function connectorReview(io: Io, deps: ConnectorReviewDeps = {}) {
  return (o: ConnectorReviewOptions): Promise<number> => withAdmin(o.config, (ctx) =>
    reviewConnector(ctx, { name: o.args[0] ?? '', approve: o.approve, json: o.json }, io, deps));
}
