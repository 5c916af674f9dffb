/** `gatehouse agent create|list|rotate|revoke`. */
import { createAgentKey, listAgents, revokeAgent, rotateAgentKey } from '../identity/agent-admin.js';
import { printResult, table, withAdmin } from './admin-context.js';
import { EXIT_OK, type Io } from './io.js';

interface AgentOptions {
  readonly config: string;
  readonly args: readonly string[];
  readonly json?: boolean;
  readonly expires?: string;
  readonly reason?: string;
}

const KEY_NOTICE = 'Store this key now: it is shown once and only its hash is kept.';

export function agentCreate(io: Io) {
  return (o: AgentOptions): Promise<number> => withAdmin(o.config, async (ctx) => {
    const name = o.args[0] ?? '';
    const issued = await createAgentKey(ctx.store, ctx.config, name, o.expires === undefined ? {} : { expires: o.expires });
    await ctx.recordAdmin('agent_create', { status: 'ok', target: name, summary: `key ${issued.keyId}` });
    printResult(io, o.json, { name: issued.name, key: issued.key, keyId: issued.keyId, expiresAt: issued.expiresAt },
      `Agent ${name}: new key ${issued.keyId}${issued.expiresAt ? ` (expires ${issued.expiresAt})` : ''}\n${issued.key}\n${KEY_NOTICE}`);
    return EXIT_OK;
  });
}

export function agentRotate(io: Io) {
  return (o: AgentOptions): Promise<number> => withAdmin(o.config, async (ctx) => {
    const name = o.args[0] ?? '';
    const issued = await rotateAgentKey(ctx.store, ctx.config, name, o.expires === undefined ? {} : { expires: o.expires });
    await ctx.recordAdmin('agent_rotate', { status: 'ok', target: name, summary: `key ${issued.keyId}, ${issued.revoked} revoked` });
    printResult(io, o.json, { name, key: issued.key, keyId: issued.keyId, expiresAt: issued.expiresAt, revoked: issued.revoked },
      `Agent ${name}: new key ${issued.keyId}; ${issued.revoked} older key(s) revoked\n${issued.key}\n${KEY_NOTICE}`);
    return EXIT_OK;
  });
}

export function agentRevoke(io: Io) {
  return (o: AgentOptions): Promise<number> => withAdmin(o.config, async (ctx) => {
    const name = o.args[0] ?? '';
    const revoked = await revokeAgent(ctx.store, name, o.reason === undefined ? {} : { reason: o.reason });
    await ctx.recordAdmin('agent_revoke', { status: 'ok', target: name, summary: `${revoked} key(s) revoked` });
    printResult(io, o.json, { name, revoked }, `Agent ${name}: ${revoked} key(s) revoked; effective on the next call.`);
    return EXIT_OK;
  });
}

export function agentList(io: Io) {
  return (o: AgentOptions): Promise<number> => withAdmin(o.config, async (ctx) => {
    const agents = await listAgents(ctx.store, ctx.config);
    printResult(io, o.json, agents, table(['AGENT', 'OWNER', 'STATUS', 'KEY', 'EXPIRES', 'LAST USED'],
      agents.map((a) => [a.name, a.owner, a.status, a.activeKeyId ?? '-', a.expiresAt ?? 'never', a.lastUsedAt ?? 'never'])));
    return EXIT_OK;
  });
}
