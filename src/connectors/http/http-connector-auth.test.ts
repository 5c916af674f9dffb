import assert from 'node:assert/strict';
import { after, afterEach, before, describe, it } from 'node:test';
import type { Caller } from '../../domain/types.js';
import { createLogger } from '../../ops/logger.js';
import type { Connector, ConnectorContext, OperationResult } from '../connector.js';
import { createHttpConnector } from './http-connector.js';
import { httpConfig, json, rejectsWith, startServer, testSecrets, type TestServer } from './http-test-server.js';
import { REDACTED } from './response-filter.js';

const CALLER: Caller = {
  agent: { name: 'helper', owner: 'ops', description: undefined, groups: [], attributes: {}, actForUsers: false },
  keyId: 'k1', user: undefined,
};
const ctx = (): ConnectorContext => ({ caller: CALLER, mayAccess: () => true, signal: new AbortController().signal });

const TOKEN = 'tok-bearer-5f1e9a';
const PASSWORD = 'pw-basic-77c2d1';
const API_KEY = '8675309123';
const CLIENT_SECRET = 'cs-oauth-3b8e40';
const ENV = { HELPDESK_TOKEN: TOKEN, HELPDESK_KEY: API_KEY };


function assertClean(result: OperationResult, ...secrets: string[]): void {
  const all = JSON.stringify(result);
  for (const s of secrets) assert.ok(!all.includes(s), `result leaks ${s.slice(0, 4)}…`);
}

describe('http connector credentials', () => {
  let api: TestServer;
  let auth: TestServer;
  const logLines: string[] = [];
  const log = createLogger({ level: 'debug', write: (line) => logLines.push(line) });
  const open: Connector[] = [];
  /** Tokens the API accepts; the token server adds each one it issues. */
  const valid = new Set<string>();
  let issued = 0;
  let clock = 1_000_000;

  before(async () => {
    api = await startServer();
    auth = await startServer();
  });
  after(async () => {
    await api.close();
    await auth.close();
  });
  afterEach(async () => {
    for (const c of open.splice(0)) await c.close();
    api.requests.length = 0;
    auth.requests.length = 0;
    valid.clear();
  });

  /** The API echoes every credential-bearing header back, in values, keys and as a number. */
  const echo = () => {
    api.handler = (req, res) => {
      const presented = String(req.headers.authorization ?? req.headers['x-api-key'] ?? '');
      const bearer = presented.replace(/^Bearer /, '');
      if (req.headers.authorization?.startsWith('Bearer tok-issued-') && !valid.has(bearer)) return json(res, 401, { error: 'expired' });
      const basic = presented.startsWith('Basic ') ? Buffer.from(presented.slice(6), 'base64').toString('utf8') : undefined;
      json(res, 200, {
        you_sent: presented, decoded: basic, nested: [{ [presented]: 'as a key' }], as_number: Number(req.headers['x-api-key'] ?? 0), fine: 'kept',
      });
    };
  };

  const connector = (authConfig: Record<string, unknown>, secrets = testSecrets()) => {
    const c = createHttpConnector(httpConfig({
      base_url: `${api.origin}/v1`, allow_private_network: true, retries: 0, timeout: '2s', auth: authConfig,
      operations: { whoami: { method: 'GET', path: '/whoami' }, post: { method: 'POST', path: '/things', body: { type: 'object' } } },
    }), { log, secrets, env: ENV, now: () => clock, retryBaseMs: 1 });
    open.push(c);
    return c;
  };

  it('injects a bearer token and scrubs it from an echoing upstream', async () => {
    echo();
    const result = await connector({ type: 'bearer', token: '${env:HELPDESK_TOKEN}' }).execute('whoami', {}, ctx());
    assert.equal(api.requests[0]?.headers.authorization, `Bearer ${TOKEN}`);
    assert.equal((result.structured.data as Record<string, unknown>).you_sent, `Bearer ${REDACTED}`);
    assert.equal((result.structured.data as Record<string, unknown>).fine, 'kept');
    assertClean(result, TOKEN);
  });

  it('resolves store secrets on every request, so a rotation takes effect', async () => {
    echo();
    const store = new Map([['helpdesk-token', 'tok-store-one-1']]);
    const c = connector({ type: 'bearer', token: '${secret:helpdesk-token}' }, testSecrets(store));
    await c.execute('whoami', {}, ctx());
    store.set('helpdesk-token', 'tok-store-two-2');
    const second = await c.execute('whoami', {}, ctx());
    assert.deepEqual(api.requests.map((r) => r.headers.authorization), ['Bearer tok-store-one-1', 'Bearer tok-store-two-2']);
    assertClean(second, 'tok-store-two-2');
    store.delete('helpdesk-token');
    const err = await rejectsWith(c.execute('whoami', {}, ctx()), 'SECRET_UNAVAILABLE');
    assert.equal(err.details.secret, 'helpdesk-token');
    assert.equal(api.requests.length, 2);
  });

  it('injects basic auth and scrubs the password and the encoded pair', async () => {
    echo();
    const store = new Map([['helpdesk-pw', PASSWORD]]);
    const result = await connector({ type: 'basic', username: 'svc-gatehouse', password: '${secret:helpdesk-pw}' }, testSecrets(store)).execute('whoami', {}, ctx());
    const sent = api.requests[0]?.headers.authorization ?? '';
    assert.equal(Buffer.from(sent.replace('Basic ', ''), 'base64').toString(), `svc-gatehouse:${PASSWORD}`);
    assert.equal((result.structured.data as Record<string, unknown>).decoded, `svc-gatehouse:${REDACTED}`);
    assertClean(result, PASSWORD, sent.replace('Basic ', ''));
  });

  it('injects an API-key header and scrubs it, numbers included', async () => {
    echo();
    const result = await connector({ type: 'api_key', header: 'X-API-Key', value: '${env:HELPDESK_KEY}' }).execute('whoami', {}, ctx());
    assert.equal(api.requests[0]?.headers['x-api-key'], API_KEY);
    assert.equal((result.structured.data as Record<string, unknown>).as_number, REDACTED);
    assertClean(result, API_KEY);
  });

  describe('OAuth2 client credentials', () => {
    const oauth = (extra: Record<string, unknown> = {}) => ({
      type: 'oauth2_client_credentials', token_url: `${auth.origin}/oauth/token`, client_id: 'gatehouse', client_secret: '${secret:oauth-cs}', scope: 'tickets.read', ...extra,
    });
    const secrets = () => testSecrets(new Map([['oauth-cs', CLIENT_SECRET]]));

    before(() => {
      auth.handler = (_req, res) => {
        issued += 1;
        const token = `tok-issued-${issued}`;
        valid.add(token);
        json(res, 200, { access_token: token, token_type: 'Bearer', expires_in: 60 });
      };
    });

    it('gets a token once, reuses it, and renews it when it expires', async () => {
      echo();
      const c = connector(oauth(), secrets());
      const first = await c.execute('whoami', {}, ctx());
      await c.execute('whoami', {}, ctx());
      assert.equal(auth.requests.length, 1, 'one token for both calls');
      const tokenRequest = auth.requests[0];
      assert.equal(tokenRequest?.method, 'POST');
      assert.equal(tokenRequest?.headers['content-type'], 'application/x-www-form-urlencoded');
      assert.deepEqual(Object.fromEntries(new URLSearchParams(tokenRequest?.body)), { grant_type: 'client_credentials', scope: 'tickets.read' });
      assert.equal(Buffer.from((tokenRequest?.headers.authorization ?? '').replace('Basic ', ''), 'base64').toString(), `gatehouse:${CLIENT_SECRET}`);
      assertClean(first, api.requests[0]?.headers.authorization?.replace('Bearer ', '') ?? 'missing', CLIENT_SECRET);
      assert.equal((first.structured.data as Record<string, unknown>).you_sent, `Bearer ${REDACTED}`);

      clock += 61_000;
      await c.execute('whoami', {}, ctx());
      assert.equal(auth.requests.length, 2, 'expired token renewed');
      const used = api.requests.map((r) => r.headers.authorization);
      assert.equal(used[0], used[1]);
      assert.notEqual(used[1], used[2]);
    });

    it('renews the token after a 401 and repeats the call once, writes included', async () => {
      echo();
      const c = connector(oauth(), secrets());
      await c.execute('whoami', {}, ctx());
      valid.clear(); // the upstream revokes every token it knows
      const result = await c.execute('post', { body: { a: 1 } }, ctx());
      assert.equal(auth.requests.length, 2);
      assert.deepEqual(api.requests.map((r) => r.method), ['GET', 'POST', 'POST']);
      assert.equal((result.structured.data as Record<string, unknown>).fine, 'kept');

      api.handler = (_req, res) => json(res, 401, {});
      api.requests.length = 0;
      await rejectsWith(c.execute('whoami', {}, ctx()), 'CONNECTOR_UNAVAILABLE');
      assert.equal(api.requests.length, 2, 'one repeat only');
    });

    it('fetches one token for concurrent callers', async () => {
      echo();
      const c = connector(oauth(), secrets());
      await Promise.all(Array.from({ length: 6 }, () => c.execute('whoami', {}, ctx())));
      assert.equal(auth.requests.length, 1);
      assert.equal(api.requests.length, 6);
    });

    it('can send the client credentials in the form body', async () => {
      echo();
      await connector(oauth({ client_auth: 'post', scope: undefined }), secrets()).execute('whoami', {}, ctx());
      assert.deepEqual(Object.fromEntries(new URLSearchParams(auth.requests[0]?.body)), {
        grant_type: 'client_credentials', client_id: 'gatehouse', client_secret: CLIENT_SECRET,
      });
      assert.equal(auth.requests[0]?.headers.authorization, undefined);
    });

    it('reports a refusing or broken token endpoint without leaking the client secret', async () => {
      const saved = auth.handler;
      try {
        for (const handler of [
          (_req: unknown, res: Parameters<typeof json>[0]) => json(res, 401, { error: 'invalid_client', echoed: CLIENT_SECRET }),
          (_req: unknown, res: Parameters<typeof json>[0]) => json(res, 200, { token_type: 'bearer' }),
          (_req: unknown, res: Parameters<typeof json>[0]) => json(res, 200, { access_token: 'x\r\ny', token_type: 'bearer' }),
          (_req: unknown, res: Parameters<typeof json>[0]) => json(res, 200, { access_token: 'abcdefgh', token_type: 'mac' }),
        ]) {
          auth.handler = handler;
          const err = await rejectsWith(connector(oauth(), secrets()).execute('whoami', {}, ctx()), 'CONNECTOR_UNAVAILABLE');
          assert.ok(!err.message.includes(CLIENT_SECRET) && !JSON.stringify(err.details).includes(CLIENT_SECRET));
        }
        assert.equal(api.requests.length, 0);
      } finally {
        auth.handler = saved;
      }
    });
  });

  it('never writes a credential to the log', () => {
    const all = logLines.join('\n');
    assert.ok(logLines.length > 0, 'failures were logged');
    for (const s of [TOKEN, PASSWORD, API_KEY, CLIENT_SECRET, 'tok-issued-', 'tok-store-']) assert.ok(!all.includes(s), s);
  });
});
