import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { ERROR_CATALOG, GatehouseError, type ErrorCode } from './catalog.js';

const docs = readFileSync(fileURLToPath(new URL('../../../docs/errors.md', import.meta.url)), 'utf8');
const documented = new Set([...docs.matchAll(/^\| `([A-Z_]+)` \|/gm)].map((m) => m[1]));

describe('error catalog', () => {
  it('documents every code in docs/errors.md and lists no dead code there', () => {
    const codes = new Set(Object.keys(ERROR_CATALOG));
    assert.deepEqual([...codes].filter((c) => !documented.has(c)), [], 'codes missing from docs/errors.md');
    assert.deepEqual([...documented].filter((c) => !codes.has(c as string)), [], 'docs/errors.md lists codes that do not exist');
  });

  it('pins the code → HTTP status table; server faults never take client statuses', () => {
    const table = Object.fromEntries(Object.entries(ERROR_CATALOG).map(([code, spec]) => [code, spec.status]));
    for (const [code, spec] of Object.entries(ERROR_CATALOG)) {
      if (spec.fault === 'server') assert.ok(spec.status >= 500, `${code} is a server fault with status ${spec.status}`);
      else assert.ok(spec.status >= 400 && spec.status < 500, `${code} is a client fault with status ${spec.status}`);
      assert.match(code, /^[A-Z][A-Z0-9_]+$/);
      assert.ok(spec.remedy.length > 10, `${code} needs a remedy`);
    }
    assert.equal(table.AUTH_MISSING, 401);
    assert.equal(table.AUTH_REVOKED, 401);
    assert.equal(table.POLICY_DENIED, 403);
    assert.equal(table.REQUEST_TOO_LARGE, 413);
    assert.equal(table.CONNECTOR_UNAVAILABLE, 503);
    assert.equal(table.INTERNAL_ERROR, 500);
  });

  it('builds messages from the problem and the remedy, keeping details apart', () => {
    const err = new GatehouseError('CONNECTOR_PAUSED' satisfies ErrorCode, 'Connector "crm" is paused.', { connector: 'crm' });
    assert.match(err.message, /^Connector "crm" is paused\. The connector was paused/);
    assert.deepEqual(err.details, { connector: 'crm' });
  });
});
