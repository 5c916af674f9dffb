import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, it } from 'node:test';
import type { Secret } from '../../config/secret.js';
import { GatehouseError } from '../../errors/catalog.js';
import { silentLogger } from '../../ops/logger.js';
import type { ConnectorContext } from '../connector.js';
import { webhookConnectorSchema } from './webhook-config.js';
import { createWebhookConnector, type WebhookConnector } from './webhook-connector.js';
import { verifySignature } from './webhook-signature.js';

const SECRET = 'whsec-test-4f1c';

const ctx: ConnectorContext = {
  caller: { agent: { name: 'a', owner: 'o', description: undefined, groups: [], attributes: {}, actForUsers: false }, keyId: 'k', user: undefined },
  mayAccess: () => true,
  signal: new AbortController().signal,
};

const code = (expected: string) => (err: unknown) => {
  assert.ok(err instanceof GatehouseError, `expected GatehouseError ${expected}, got ${String(err)}`);
  assert.equal(err.code, expected, err.message);
  return true;
};

interface Received {
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly signature: string;
}

/** A real receiver on 127.0.0.1 that verifies signatures and answers from a script. */
class Receiver {
  readonly received: Received[] = [];
  /** How to answer each request in turn; the last entry repeats. */
  script: ((res: ServerResponse) => void)[] = [(res) => res.writeHead(200).end('ok')];
  readonly #server: Server;
  readonly #hung: ServerResponse[] = [];
  url = '';

  constructor() {
    this.#server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const header = String(req.headers['x-gatehouse-signature'] ?? '');
        this.received.push({ headers: req.headers, body, signature: verifySignature(SECRET, header, body) });
        const answer = this.script[Math.min(this.received.length - 1, this.script.length - 1)];
        answer?.(res);
      });
    });
  }

  hang = (res: ServerResponse) => {
    this.#hung.push(res);
  };

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/hooks/oncall`;
    return this;
  }

  async close(): Promise<void> {
    for (const res of this.#hung) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

describe('webhook connector', () => {
  let receiver: Receiver;
  const connectors: WebhookConnector[] = [];

  const connector = (extra: Record<string, unknown> = {}) => {
    const config = webhookConnectorSchema.parse({
      name: 'oncall', type: 'webhook', owner: 'sre', purpose: 'page the on-call engineer', powers: ['trigger'],
      url: receiver.url, secret: '${env:HOOK_SECRET}', allow_private_network: true, timeout: '2s', retries: 2,
      template: { text: '{{args.summary}}', channel: '#oncall' },
      arguments: { summary: { type: 'string', maxLength: 500 } },
      ...extra,
    });
    const c = createWebhookConnector(config, {
      log: silentLogger, secrets: { resolve: async (s: Secret) => s.reveal() }, env: { HOOK_SECRET: SECRET }, retryDelayMs: 10,
    });
    connectors.push(c);
    return c;
  };

  beforeEach(async () => {
    receiver = await new Receiver().start();
  });

  afterEach(async () => {
    for (const c of connectors.splice(0)) await c.close();
    await receiver.close();
  });

  it('posts the payload signed with the HMAC header and an idempotency key', async () => {
    const hook = connector();
    assert.deepEqual(hook.operations().map((o) => [o.name, o.power]), [['send', 'trigger']]);
    assert.deepEqual(await hook.target('send', { summary: 'x' }), { type: 'Connector', id: 'oncall', attributes: {}, parents: [] });
    const result = await hook.execute('send', { summary: 'db is down' }, ctx);
    assert.equal(receiver.received.length, 1);
    const [got] = receiver.received;
    assert.equal(got?.signature, 'valid');
    assert.match(String(got?.headers['x-gatehouse-signature']), /^t=\d+,v1=[0-9a-f]{64}$/);
    assert.equal(got?.headers['content-type'], 'application/json');
    assert.match(String(got?.headers['idempotency-key']), /^[0-9a-f-]{36}$/);
    assert.deepEqual(JSON.parse(got?.body ?? ''), { text: 'db is down', channel: '#oncall' });
    assert.deepEqual(result.structured, { delivered: true, status: 200, attempts: 1, idempotencyKey: got?.headers['idempotency-key'] });
    assert.equal(result.summary, 'HTTP 200 after 1 attempt');
  });

  it('inserts hostile argument values as JSON values, intact', async () => {
    const hostile = 'he said "hi" }{ ]\\ {{args.channel}} {{ \n\t\u2028 </script> ${env:HOOK_SECRET}';
    const hook = connector({
      template: {
        text: '{{args.summary}}', title: 'Alert: {{ args.summary }}!', count: '{{args.count}}', urgent: '{{args.urgent}}',
        nested: ['{{args.summary}}', { who: '{{args.owner}}' }, '{{args.owner}}'], note: '{{args.owner}}', channel: '#oncall',
      },
      arguments: {
        summary: { type: 'string', maxLength: 500 }, count: { type: 'integer', minimum: 0 }, urgent: { type: 'boolean' },
        owner: { type: 'string', required: false }, channel: { type: 'string', required: false },
      },
    });
    await hook.execute('send', { summary: hostile, count: 3, urgent: true }, ctx);
    const [got] = receiver.received;
    assert.equal(got?.signature, 'valid');
    assert.deepEqual(JSON.parse(got?.body ?? ''), {
      text: hostile, title: `Alert: ${hostile}!`, count: 3, urgent: true, nested: [hostile, {}, null], channel: '#oncall',
    });
  });

  it('retries on 5xx with the same idempotency key, each attempt signed', async () => {
    receiver.script = [(res) => res.writeHead(503).end(), (res) => res.writeHead(500).end(), (res) => res.writeHead(202).end()];
    const result = await connector().execute('send', { summary: 'retry me' }, ctx);
    assert.equal(receiver.received.length, 3);
    assert.equal(new Set(receiver.received.map((r) => r.headers['idempotency-key'])).size, 1);
    assert.ok(receiver.received.every((r) => r.signature === 'valid' && r.body === receiver.received[0]?.body));
    assert.deepEqual({ ...result.structured, idempotencyKey: undefined }, { delivered: true, status: 202, attempts: 3, idempotencyKey: undefined });
  });

  it('bounds retries: gives up with UPSTREAM_ERROR after retries + 1 attempts', async () => {
    receiver.script = [(res) => res.writeHead(503, { 'retry-after': '0' }).end()];
    const hook = connector({ retries: 2 });
    await assert.rejects(hook.execute('send', { summary: 'x' }, ctx), (err: unknown) =>
      code('UPSTREAM_ERROR')(err) && (err as GatehouseError).details.attempts === 3);
    assert.equal(receiver.received.length, 3);
    assert.equal(hook.health().status, 'degraded');
  });

  it('does not retry a 4xx other than 408 and 429', async () => {
    receiver.script = [(res) => res.writeHead(400).end()];
    await assert.rejects(connector().execute('send', { summary: 'x' }, ctx), code('UPSTREAM_REJECTED'));
    assert.equal(receiver.received.length, 1);
    receiver.received.length = 0;
    receiver.script = [(res) => res.writeHead(429, { 'retry-after': '0' }).end(), (res) => res.writeHead(200).end()];
    assert.equal((await connector().execute('send', { summary: 'x' }, ctx)).structured.attempts, 2);
  });

  it('retries a timed-out attempt with the same key', async () => {
    receiver.script = [receiver.hang, (res) => res.writeHead(200).end()];
    const result = await connector({ timeout: '1s', retries: 1 }).execute('send', { summary: 'slow' }, ctx);
    assert.equal(result.structured.attempts, 2);
    assert.equal(receiver.received[0]?.headers['idempotency-key'], receiver.received[1]?.headers['idempotency-key']);
  });

  it('refuses redirects: only the configured URL is used', async () => {
    receiver.script = [(res) => res.writeHead(302, { location: 'http://127.0.0.1:9/elsewhere' }).end()];
    await assert.rejects(connector().execute('send', { summary: 'x' }, ctx), code('EGRESS_DENIED'));
    assert.equal(receiver.received.length, 1);
  });

  it('keeps to the egress rules of the http connector', async () => {
    await assert.rejects(connector({ allow_private_network: false }).execute('send', { summary: 'x' }, ctx), code('EGRESS_DENIED'));
    assert.equal(receiver.received.length, 0);
  });

  it('validates arguments against the declared ones', async () => {
    const hook = connector();
    const schema = hook.operations()[0]?.inputSchema;
    assert.deepEqual(schema, {
      type: 'object', properties: { summary: { type: 'string', maxLength: 500 } }, required: ['summary'], additionalProperties: false,
    });
    await assert.rejects(hook.execute('send', { summary: 'x'.repeat(501) }, ctx), code('ARGUMENTS_INVALID'));
    await assert.rejects(hook.execute('send', { summary: 'x', extra: 1 }, ctx), code('ARGUMENTS_INVALID'));
    await assert.rejects(hook.execute('send', {}, ctx), code('ARGUMENTS_INVALID'));
    assert.equal(receiver.received.length, 0);
  });

  it('checks the template and powers at construction', () => {
    assert.throws(() => connector({ template: { text: '{{args.nope}}' } }), code('CONFIG_INVALID'));
    assert.throws(() => connector({ template: { text: '{{summary}}' } }), code('CONFIG_INVALID'));
    assert.throws(() => connector({ secret: '${env:MISSING_HOOK_SECRET}' }), code('CONFIG_REFERENCE_UNRESOLVED'));
    const noTrigger = connector({ powers: ['read'] });
    assert.deepEqual(noTrigger.operations(), []);
    return assert.rejects(noTrigger.target('send', {}), code('TOOL_UNKNOWN'));
  });
});

describe('webhook config', () => {
  const base = { name: 'oncall', type: 'webhook', owner: 'sre', purpose: 'p', powers: ['trigger'], url: 'https://hooks.example/x', secret: '${secret:oncall-hook}', template: {} };

  it('requires the secret as a reference and a plain http(s) URL', () => {
    assert.equal(webhookConnectorSchema.safeParse(base).success, true);
    assert.equal(webhookConnectorSchema.safeParse({ ...base, secret: 'literal' }).success, false);
    assert.equal(webhookConnectorSchema.safeParse({ ...base, url: 'ftp://hooks.example/x' }).success, false);
    assert.equal(webhookConnectorSchema.safeParse({ ...base, url: 'https://u:p@hooks.example/x' }).success, false);
    assert.equal(webhookConnectorSchema.safeParse({ ...base, arguments: { n: { type: 'number', maxLength: 3 } } }).success, false);
    assert.equal(webhookConnectorSchema.safeParse({ ...base, retries: 9 }).success, false);
  });
});
