/**
 * The demo's own HTTP API, a small "help center": service status, knowledge-base articles and
 * replies to customers (accepted, counted, never e-mailed), served by the demo process on 127.0.0.1 (a free port). Every request must carry the API key in
 * `X-API-Key`; without it the service answers 401. The gateway holds that key (encrypted in its
 * store) and injects it, so the agent never sees it. Like some real APIs, the status answer echoes
 * the caller's key back, which shows that the gateway scrubs credentials from what comes back.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A running demo service. */
export interface DemoService {
  /** `http://127.0.0.1:PORT`. */
  readonly url: string;
  close(): Promise<void>;
}

/** Header the service reads the API key from. */
export const DEMO_SERVICE_KEY_HEADER = 'X-API-Key';

interface ServiceStatus {
  readonly status: 'operational' | 'degraded' | 'outage';
  readonly note: string;
}

const STATUS: Readonly<Record<string, ServiceStatus>> = {
  api: { status: 'operational', note: 'All regions answering normally.' },
  billing: { status: 'degraded', note: 'Some renewals were charged twice on 3 March; refunds are being issued automatically.' },
  email: { status: 'operational', note: 'Delivery times normal.' },
  login: { status: 'degraded', note: 'SSO sign-in for a few EU tenants loops back to the start page; a fix is rolling out.' },
};

interface Article {
  readonly id: string;
  readonly title: string;
  readonly body: string;
}

const ARTICLES: readonly Article[] = [
  { id: 'kb-101', title: 'Refunds for duplicate charges', body: 'Duplicate renewal charges are refunded within 5 business days; no action is needed from the customer.' },
  { id: 'kb-102', title: 'Changing the billing address or VAT number', body: 'Owners can edit billing details under Settings > Billing; new invoices use the new details.' },
  { id: 'kb-201', title: 'Fixing SSO login loops', body: 'Clear the session cookie, then check that the identity provider sends the right audience.' },
  { id: 'kb-202', title: 'Resetting a password', body: 'Reset e-mails come from no-reply@example.com; check spam folders and allow-lists.' },
  { id: 'kb-301', title: 'API rate limits', body: 'Team plans allow 600 requests per minute; enterprise plans can ask for more.' },
  { id: 'kb-302', title: 'Exporting data to CSV', body: 'Large exports run in the background and are e-mailed as a download link.' },
];

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

/** Constant-time comparison of the presented key with the expected one. */
function keyMatches(presented: string | string[] | undefined, expected: Buffer): boolean {
  if (typeof presented !== 'string') return false;
  const digest = createHash('sha256').update(presented).digest();
  return timingSafeEqual(digest, expected);
}

function searchArticles(query: string): Article[] {
  const words = query.toLowerCase().split(/\W+/).filter((w) => w.length > 2);
  if (words.length === 0) return [];
  return ARTICLES.filter((a) => words.some((w) => `${a.title} ${a.body}`.toLowerCase().includes(w)));
}

function handle(req: IncomingMessage, res: ServerResponse, apiKey: string, expected: Buffer, sent: { replies: number }): void {
  if (!keyMatches(req.headers[DEMO_SERVICE_KEY_HEADER.toLowerCase()], expected)) {
    sendJson(res, 401, { error: `missing or wrong API key (send it in ${DEMO_SERVICE_KEY_HEADER})` });
    return;
  }
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  if (req.method === 'POST' && url.pathname === '/replies') {
    sent.replies += 1;
    sendJson(res, 202, { queued: true, id: `reply-${sent.replies}` });
    return;
  }
  if (req.method !== 'GET') {
    sendJson(res, 405, { error: 'only GET is served, and POST /replies' });
    return;
  }
  const status = /^\/status\/([a-z]+)$/.exec(url.pathname);
  if (status !== null) {
    const service = status[1] ?? '';
    const found = STATUS[service];
    if (found === undefined) {
      sendJson(res, 404, { error: `no service "${service}"; known: ${Object.keys(STATUS).join(', ')}` });
      return;
    }
    sendJson(res, 200, { service, ...found, checked_at: new Date().toISOString(), client: { api_key: apiKey, plan: 'demo' } });
    return;
  }
  if (url.pathname === '/articles') {
    const query = url.searchParams.get('q') ?? '';
    const results = searchArticles(query).map((a) => ({ id: a.id, title: a.title, summary: a.body }));
    sendJson(res, 200, { query, total: results.length, results });
    return;
  }
  sendJson(res, 404, { error: 'not found' });
}

/** Start the service on 127.0.0.1 and a free port, accepting only `apiKey`. */
export async function startDemoService(apiKey: string): Promise<DemoService> {
  const expected = createHash('sha256').update(apiKey).digest();
  const sent = { replies: 0 };
  const server = createServer((req, res) => {
    // A reply's body is accepted and dropped (nothing is e-mailed); drain it so the connection can be reused.
    req.resume();
    req.on('end', () => handle(req, res, apiKey, expected, sent));
  });
  await new Promise<void>((resolveListen, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolveListen());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolveClose) => {
      server.closeAllConnections();
      server.close(() => resolveClose());
    }),
  };
}
