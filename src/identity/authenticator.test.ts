import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONFIG_TEMPLATE } from '../cli/scaffold.js';
import { parseConfig, type Config } from '../config/load.js';
import { GatehouseError, type ErrorCode } from '../errors/catalog.js';
import { silentLogger } from '../ops/logger.js';
import { openTestStore, type TestStore } from '../../test/support/stores.js';
import { createAgentKey, listAgents, revokeAgent, rotateAgentKey } from './agent-admin.js';
import { generateAgentKey, keyIdOf, keyMatchesHash } from './agent-keys.js';
import { Authenticator } from './authenticator.js';

async function refusedWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => err instanceof GatehouseError && err.code === code);
}

describe('agent keys', () => {
  it('have a recognizable prefix, an id, and only a hash is kept', () => {
    const key = generateAgentKey();
    assert.match(key.key, /^ghk_[0-9a-f]{12}_[A-Za-z0-9_-]{43}$/);
    assert.equal(keyIdOf(key.key), key.keyId);
    assert.ok(!key.keyHash.includes(key.key.slice(17)));
    assert.ok(keyMatchesHash(key.key, key.keyHash));
    // Change the last character to a different one (a fixed replacement would equal it 1 time in 64).
    const tampered = `${key.key.slice(0, -1)}${key.key.endsWith('A') ? 'B' : 'A'}`;
    assert.ok(!keyMatchesHash(tampered, key.keyHash));
    assert.equal(keyIdOf('Bearer nonsense'), undefined);
  });
});

describe('authenticator', () => {
  let t: TestStore;
  let config: Config;
  let auth: Authenticator;
  before(async () => {
    t = await openTestStore();
    config = parseConfig(CONFIG_TEMPLATE.replace('    attributes: { department: support }\n', '    attributes: { department: support }\n  - name: reporter\n    owner: x@example.com\n'), '/tmp/gatehouse.yaml', {});
    auth = new Authenticator(t.store, config, silentLogger);
  });
  after(async () => {
    await t.cleanup();
  });

  it('accepts a valid key and returns the declared agent', async () => {
    const { key } = await createAgentKey(t.store, config, 'support-bot');
    const caller = await auth.authenticate({ agentKey: key, userAssertion: undefined });
    assert.equal(caller.agent.name, 'support-bot');
    assert.deepEqual(caller.agent.attributes, { department: 'support' });
    assert.equal(caller.user, undefined);
  });

  it('refuses missing, malformed, unknown and tampered keys', async () => {
    const { key } = await createAgentKey(t.store, config, 'support-bot');
    await refusedWith(auth.authenticate({ agentKey: undefined, userAssertion: undefined }), 'AUTH_MISSING');
    await refusedWith(auth.authenticate({ agentKey: 'sk-live-123', userAssertion: undefined }), 'AUTH_INVALID');
    await refusedWith(auth.authenticate({ agentKey: generateAgentKey().key, userAssertion: undefined }), 'AUTH_INVALID');
    const tampered = `${key.slice(0, -2)}${key.endsWith('AA') ? 'BB' : 'AA'}`;
    await refusedWith(auth.authenticate({ agentKey: tampered, userAssertion: undefined }), 'AUTH_INVALID');
  });

  it('refuses expired keys, rotated-out keys and revoked agents', async () => {
    const expired = await createAgentKey(t.store, config, 'reporter', { expires: '1h', now: new Date(Date.now() - 2 * 3600_000) });
    await refusedWith(auth.authenticate({ agentKey: expired.key, userAssertion: undefined }), 'AUTH_EXPIRED');
    const first = await createAgentKey(t.store, config, 'reporter');
    const rotated = await rotateAgentKey(t.store, config, 'reporter');
    await refusedWith(auth.authenticate({ agentKey: first.key, userAssertion: undefined }), 'AUTH_REVOKED');
    assert.equal((await auth.authenticate({ agentKey: rotated.key, userAssertion: undefined })).agent.name, 'reporter');
    await revokeAgent(t.store, 'reporter', { reason: 'test' });
    await refusedWith(auth.authenticate({ agentKey: rotated.key, userAssertion: undefined }), 'AUTH_REVOKED');
    const listing = (await listAgents(t.store, config)).find((a) => a.name === 'reporter');
    assert.equal(listing?.status, 'revoked');
  });

  it('refuses a user assertion from an agent that may not act for users', async () => {
    const { key } = await createAgentKey(t.store, config, 'support-bot');
    await refusedWith(auth.authenticate({ agentKey: key, userAssertion: 'eyJ.x.y' }), 'USER_ASSERTION_NOT_ALLOWED');
  });

  it('refuses keys of agents no longer declared', async () => {
    const { key } = await createAgentKey(t.store, config, 'reporter');
    const smaller = parseConfig(CONFIG_TEMPLATE, '/tmp/gatehouse.yaml', {});
    await refusedWith(new Authenticator(t.store, smaller, silentLogger).authenticate({ agentKey: key, userAssertion: undefined }), 'AUTH_REVOKED');
  });
});
