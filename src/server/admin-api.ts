/**
 * The admin HTTP API under /admin/v1/ on the gateway's listener: people list, read and decide held
 * requests. Every route but the OpenAPI document needs an administrator declared in gatehouse.yaml,
 * signed in with `Authorization: Bearer gha_…` or `Basic name:password` (agent keys are refused).
 *
 *   request ─▶ route known? ─▶ authenticate ─▶ method allowed? ─▶ handler ─▶ JSON answer
 *                 │ openapi.json: served  │ ADMIN_AUTH_INVALID 401   │ ADMIN_ROUTE_NOT_FOUND 404,
 *                 │ without credentials   │ (audited auth_failure)   │ ADMIN_METHOD_NOT_ALLOWED 405
 *
 * Every other request is audited: decisions by ApprovalService.decide (which applies every rule),
 * reads and refusals here as `admin` records with actor.admin. Answers carry the catalog's status
 * and code as `{ "error": { code, message, requestId } }`. This module holds no access rules: the
 * approval service decides who may decide what.
 */
import { readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { AdminAuthenticator } from '../admin/admin-auth.js';
import type { AuditEntry } from '../audit/audit-entry.js';
import type { AdminConfig } from '../config/schema.js';
import { asGatehouseError, GatehouseError } from '../errors/catalog.js';
import type { Runtime } from '../main/runtime.js';
import { APPROVAL_ROUTES } from './admin-approvals.js';
import { ROLLBACK_ROUTES } from './admin-rollbacks.js';
import { sendJson } from './http-io.js';
import { newRequestId } from './mcp-server.js';

export const OPENAPI_PATH = '/admin/v1/openapi.json';
const OPENAPI_FILE = new URL('../../../docs/admin-api.openapi.json', import.meta.url);
const CHALLENGE = 'Bearer realm="gatehouse-admin", Basic realm="gatehouse-admin", charset="UTF-8"';

/** Fields a handler sets on the audit record of its request. */
export type AdminAuditFields = Pick<AuditEntry, 'decision' | 'status'> & Partial<Pick<AuditEntry, 'target' | 'summary' | 'errorCode' | 'approval' | 'tool' | 'connector'>>;

/** One authenticated request, as a route handler sees it. */
export interface AdminCall {
  readonly runtime: Runtime;
  readonly req: IncomingMessage;
  readonly admin: AdminConfig;
  readonly params: Readonly<Record<string, string>>;
  readonly query: URLSearchParams;
  /** "admin-api <remote address>": the client of audit records and the `via` of decisions. */
  readonly via: string;
  /** Aborted when the client goes away. */
  readonly signal: AbortSignal;
  /** Record this request (reads); fails closed: a read whose record cannot be written is not answered. */
  audit(fields: AdminAuditFields): Promise<string>;
  /** True once a record of this request was written (decide() writes its own), so it is not written twice. */
  audited: boolean;
}

export interface AdminRoute {
  readonly method: 'GET' | 'POST';
  /** Path template, e.g. `/admin/v1/approvals/{id}`; docs/admin-api.openapi.json has the same paths. */
  readonly path: string;
  /** The audit action of this route. */
  readonly action: string;
  handle(call: AdminCall): Promise<{ status: number; body: unknown }>;
}

const ROUTES: readonly AdminRoute[] = [...APPROVAL_ROUTES, ...ROLLBACK_ROUTES];

/** Every route with its method, as the OpenAPI document must describe them. */
export const ADMIN_ROUTES: readonly Pick<AdminRoute, 'method' | 'path'>[] = [
  { method: 'GET', path: OPENAPI_PATH },
  ...ROUTES.map((r) => ({ method: r.method, path: r.path })),
];

const COMPILED = ROUTES.map((route) => ({
  route,
  pattern: new RegExp(`^${route.path.replace(/\{(\w+)\}/g, '(?<$1>[^/]+)')}$`),
}));

type Match = { route: AdminRoute; params: Record<string, string> } | { allow: string[] } | undefined;

function match(method: string, path: string): Match {
  if (path === OPENAPI_PATH) return { allow: ['GET'] };
  const found: { route: AdminRoute; groups: Record<string, string> }[] = [];
  for (const { route, pattern } of COMPILED) {
    const m = pattern.exec(path);
    if (m !== null) found.push({ route, groups: { ...m.groups } });
  }
  if (found.length === 0) return undefined;
  const exact = found.find((m) => m.route.method === method);
  if (exact === undefined) return { allow: [...new Set(found.map((m) => m.route.method))] };
  const params: Record<string, string> = {};
  for (const [key, value] of Object.entries(exact.groups)) {
    try {
      params[key] = decodeURIComponent(value);
    } catch {
      params[key] = '';
    }
  }
  return { route: exact.route, params };
}

let openApiText: Buffer | undefined;

/** The handler for every path under /admin/v1/. */
export function createAdminApi(current: () => Runtime): (req: IncomingMessage, res: ServerResponse) => void {
  let authenticator: AdminAuthenticator | undefined;
  return (req, res) => {
    const runtime = current();
    const requestId = newRequestId();
    serve(req, res, runtime, requestId).catch((err: unknown) => {
      const error = asGatehouseError(err);
      runtime.log.error('unhandled error on the admin API', { requestId, code: error.code });
      if (!res.headersSent) sendError(res, error, requestId);
      else res.end();
    });
  };

  async function serve(req: IncomingMessage, res: ServerResponse, runtime: Runtime, requestId: string): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://admin.invalid');
    const method = req.method ?? 'GET';
    if (url.pathname === OPENAPI_PATH && method === 'GET') return sendOpenApi(res, requestId);
    const started = performance.now();
    const remote = req.socket.remoteAddress;
    const via = `admin-api${remote === undefined ? '' : ` ${remote}`}`.slice(0, 64);
    const matched = match(method, url.pathname);
    const action = matched !== undefined && 'route' in matched ? matched.route.action : 'admin_api';
    const target = matched !== undefined && 'params' in matched ? matched.params.id?.slice(0, 64) : undefined;
    const record = (entry: Omit<AuditEntry, 'requestId' | 'durationMs' | 'client' | 'policyIds' | 'action'>) => runtime.audit.record({
      ...entry, requestId, action, policyIds: [], client: via, durationMs: Math.round((performance.now() - started) * 1000) / 1000,
      ...(target === undefined || entry.target !== undefined ? {} : { target }),
    });

    authenticator ??= new AdminAuthenticator(runtime.store, { log: runtime.log });
    let admin: AdminConfig;
    try {
      admin = (await authenticator.authenticate(headerValue(req.headers.authorization), runtime.config.admins)).admin;
    } catch (err) {
      const error = asGatehouseError(err);
      const reason = typeof error.details.reason === 'string' ? error.details.reason : undefined;
      await record({
        kind: 'auth_failure', actor: {}, decision: 'unauthenticated', status: 'denied', errorCode: error.code, ...(reason === undefined ? {} : { summary: reason }),
      }).catch(() => undefined);
      return sendError(res, error, requestId);
    }

    const refuse = async (error: GatehouseError, headers: Record<string, string> = {}) => {
      await record({ kind: 'admin', actor: { admin: admin.name }, decision: 'none', status: 'error', errorCode: error.code }).catch(() => undefined);
      sendError(res, error, requestId, headers);
    };
    if (matched === undefined) return refuse(new GatehouseError('ADMIN_ROUTE_NOT_FOUND', `There is no admin API route ${method.slice(0, 10)} ${url.pathname.slice(0, 100)}.`));
    if (!('route' in matched)) {
      return refuse(new GatehouseError('ADMIN_METHOD_NOT_ALLOWED', `${method.slice(0, 10)} is not allowed here; use ${matched.allow.join(', ')}.`), { Allow: matched.allow.join(', ') });
    }

    const abort = new AbortController();
    res.on('close', () => abort.abort());
    const call: AdminCall = {
      runtime, req, admin, params: matched.params, query: url.searchParams, via, signal: abort.signal, audited: false,
      audit: async (fields) => {
        const id = await record({ kind: 'admin', actor: { admin: admin.name }, ...fields });
        call.audited = true;
        return id;
      },
    };
    try {
      const answer = await matched.route.handle(call);
      sendJson(res, answer.status, answer.body, { 'Cache-Control': 'no-store' });
    } catch (err) {
      const error = asGatehouseError(err);
      if (error.spec.fault === 'server') runtime.log.error('admin API request failed', { requestId, action, code: error.code });
      if (!call.audited) {
        await record({ kind: 'admin', actor: { admin: admin.name }, decision: 'error', status: 'error', errorCode: error.code }).catch(() => undefined);
      }
      sendError(res, error, requestId);
    }
  }
}

/** The OpenAPI 3.1 description of this API, shipped in the package as docs/admin-api.openapi.json. */
function sendOpenApi(res: ServerResponse, requestId: string): void {
  try {
    openApiText ??= readFileSync(OPENAPI_FILE);
  } catch {
    return sendError(res, new GatehouseError('INTERNAL_ERROR', 'The admin API description is missing from this installation.'), requestId);
  }
  res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': openApiText.length, 'Cache-Control': 'no-cache' }).end(openApiText);
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** An error answer with the catalog's status and code; 401s carry the sign-in challenge. */
function sendError(res: ServerResponse, error: GatehouseError, requestId: string, headers: Record<string, string> = {}): void {
  const extra: Record<string, string> = { 'Cache-Control': 'no-store', ...headers };
  if (error.spec.status === 401) extra['WWW-Authenticate'] = CHALLENGE;
  sendJson(res, error.spec.status, { error: { code: error.code, message: error.message, requestId } }, extra);
}
