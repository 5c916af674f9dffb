/**
 * Runs every policy scenario under test/fixtures/policies: each has a gatehouse.yaml, Cedar files,
 * and ALLOW/ and DENY/ request fixtures (the request shape of policy case tables). Every request
 * goes through the real loader and authorizer, with pruned entities (production) and with full,
 * schema-validated entities; a request that may be allowed must also be offered by mayUse.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '../src/config/load.js';
import { createCedarAuthorizer } from '../src/policy/cedar-authorizer.js';
import { caseRequestSchema, caseToRequest } from '../src/policy/policy-cases.js';
import { loadPolicies } from '../src/policy/policy-loader.js';

const ROOT = fileURLToPath(new URL('../../test/fixtures/policies/', import.meta.url));

const scenarios = readdirSync(ROOT, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();

describe('policy fixtures', () => {
  it('has at least two scenarios', () => {
    assert.ok(scenarios.length >= 2, `found ${scenarios.join(', ')}`);
  });

  for (const scenario of scenarios) {
    describe(scenario, () => {
      const dir = join(ROOT, scenario);
      const config = loadConfig(join(dir, 'gatehouse.yaml'), {});
      const loaded = loadPolicies(config);
      const authorizers = {
        pruned: createCedarAuthorizer(config, loaded),
        validated: createCedarAuthorizer(config, loaded, { validateRequests: true, decisionCacheSize: 0 }),
      };

      it('loads its policies', () => {
        assert.ok(loaded.policies.length > 0);
        assert.ok(loaded.policies.some((p) => p.effect === 'forbid'), 'scenarios state their invariants as forbids');
      });

      for (const expect of ['ALLOW', 'DENY'] as const) {
        const folder = join(dir, expect);
        for (const file of readdirSync(folder).filter((f) => f.endsWith('.json')).sort()) {
          it(`${expect} ${file}`, () => {
            const request = caseToRequest(caseRequestSchema.parse(JSON.parse(readFileSync(join(folder, file), 'utf8'))), config);
            for (const [mode, authorizer] of Object.entries(authorizers)) {
              const decision = authorizer.authorize(request);
              assert.equal(decision.allowed, expect === 'ALLOW', `${mode}: ${JSON.stringify(decision)}`);
              if (expect === 'ALLOW') {
                assert.ok(decision.policyIds.length > 0, 'an allow names the permits that decided');
                assert.ok(authorizer.mayUse(request.caller, request.action, request.connector, request.tool, request.operation), `${mode}: mayUse must offer a tool that can be allowed`);
              }
            }
          });
        }
      }
    });
  }
});
