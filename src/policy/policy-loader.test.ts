import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, it } from 'node:test';
import { parseConfig, type Config } from '../config/load.js';
import { loadPolicies, PolicyLoadError, splitPolicies } from './policy-loader.js';

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

/** A folder with gatehouse.yaml and the given files; returns the parsed config. */
function workspace(files: Record<string, string>, policies: readonly string[] = ['./policies/**/*.cedar']): Config {
  const dir = mkdtempSync(join(tmpdir(), 'gatehouse-policy-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, name)), { recursive: true });
    writeFileSync(join(dir, name), text);
  }
  const yaml = `
agents: [{ name: helpdesk, owner: it, attributes: { team: support } }]
connectors: [{ name: handbook, type: files, owner: hr, purpose: Handbook, path: ./docs, powers: [read, search] }]
policies: ${JSON.stringify(policies)}
`;
  return parseConfig(yaml, join(dir, 'gatehouse.yaml'), {});
}

function refused(config: Config): PolicyLoadError {
  try {
    loadPolicies(config);
  } catch (err) {
    assert.ok(err instanceof PolicyLoadError, String(err));
    assert.equal(err.code, 'POLICY_INVALID');
    return err;
  }
  assert.fail('the policy set loaded but should have been refused');
}

const PERMIT = 'permit (principal == Gatehouse::Agent::"helpdesk", action == Gatehouse::Action::"read", resource in Gatehouse::Connector::"handbook");';

describe('loadPolicies', () => {
  it('loads every matched file, naming policies by @id or <file>:<line>', () => {
    const config = workspace({
      'policies/a.cedar': `// comment; with "quotes"\n@id("read-handbook")\n${PERMIT}\n\n${PERMIT.replace('permit', 'forbid')}\n`,
      'policies/nested/b.cedar': `  ${PERMIT}`,
      'policies/ignored.txt': 'not cedar',
    });
    const loaded = loadPolicies(config);
    assert.deepEqual(loaded.policies.map((p) => [p.id, p.line, p.effect]), [
      ['read-handbook', 2, 'permit'], ['a.cedar:5', 5, 'forbid'], ['b.cedar:1', 1, 'permit'],
    ]);
    assert.equal(loaded.files.length, 2);
    assert.deepEqual(loaded.policies[0]?.annotations, { id: 'read-handbook' });
    assert.deepEqual(loaded.warnings, []);
  });

  it('accepts zero policy files (deny everything) with a warning', () => {
    const loaded = loadPolicies(workspace({}));
    assert.equal(loaded.policies.length, 0);
    assert.ok(loaded.warnings.some((w) => /matches no file/.test(w)));
    assert.ok(loaded.warnings.some((w) => /every call will be denied/.test(w)));
  });

  it('refuses a syntax error with file:line:column and Cedar\'s message', () => {
    const err = refused(workspace({ 'policies/bad.cedar': `${PERMIT}\n\npermit (principal, action resource);\n` }));
    assert.equal(err.problems.length, 1);
    assert.match(err.message, /bad\.cedar:3:27: unexpected token `resource`/);
  });

  it('refuses a duplicate @id across files, naming both places', () => {
    const err = refused(workspace({
      'policies/a.cedar': `@id("same")\n${PERMIT}`,
      'policies/b.cedar': `\n@id("same")\n${PERMIT}`,
    }));
    assert.match(err.message, /b\.cedar:2:1 \[same\]: duplicate policy id "same" \(first used at .*a\.cedar:1\)/);
  });

  it('refuses an unknown attribute by strict schema validation, once for all actions', () => {
    const err = refused(workspace({
      'policies/a.cedar': `${PERMIT}\npermit (principal, action, resource is Gatehouse::Document)\n  when { resource.colour == "red" };\n`,
    }));
    assert.equal(err.problems.length, 1);
    assert.equal(err.problems[0]?.line, 3);
    assert.match(err.message, /a\.cedar:3:10 \[a\.cedar:2\]: attribute `colour` on entity type `Gatehouse::Document` not found/);
  });

  it('refuses an optional attribute read without `has` (strict mode)', () => {
    const err = refused(workspace({ 'policies/a.cedar': 'permit (principal, action, resource) when { principal.team == "support" };' }));
    assert.match(err.message, /unable to guarantee safety of access to optional attribute `team`/);
  });

  it('lists every problem of every file, and refuses templates', () => {
    const err = refused(workspace({
      'policies/a.cedar': 'permit (principal, action, resource) when { context.nope };',
      'policies/b.cedar': 'permit (principal == ?principal, action, resource);',
      'policies/c.cedar': 'permit (principal, action, resource)',
    }));
    assert.equal(err.problems.length, 3);
    assert.deepEqual(err.problems.map((p) => p.file.split('/').at(-1)), ['a.cedar', 'b.cedar', 'c.cedar']);
    assert.match(err.message, /template/);
  });

  it('disambiguates generated ids of files that share a name', () => {
    const loaded = loadPolicies(workspace({ 'policies/x/p.cedar': PERMIT, 'policies/y/p.cedar': PERMIT }));
    assert.deepEqual(loaded.policies.map((p) => p.id), ['policies/x/p.cedar:1', 'policies/y/p.cedar:1']);
  });

  it('names policies that share a line by line and column', () => {
    const loaded = loadPolicies(workspace({ 'policies/p.cedar': `${PERMIT} ${PERMIT}` }));
    assert.deepEqual(loaded.policies.map((p) => p.id), ['p.cedar:1:1', `p.cedar:1:${PERMIT.length + 2}`]);
  });

  it('takes a plain file path as well as a glob', () => {
    const loaded = loadPolicies(workspace({ 'main.cedar': PERMIT }, ['./main.cedar']));
    assert.equal(loaded.policies.length, 1);
  });
});

describe('splitPolicies', () => {
  it('splits on top-level semicolons only, keeping positions', () => {
    const text = '// a; comment\n@reason("a; b \\" c")\npermit (principal, action, resource) // x;\n  when { context.tool like "*;*" };\n  forbid (principal, action, resource);';
    const parts = splitPolicies(text);
    assert.equal(parts.length, 2);
    assert.deepEqual(parts.map((p) => [p.line, p.column]), [[2, 1], [5, 3]]);
    assert.ok(parts[0]?.text.endsWith('"*;*" };'));
  });

  it('returns an unterminated last statement for Cedar to report', () => {
    assert.deepEqual(splitPolicies('permit (principal, action, resource)\n').map((p) => p.text), ['permit (principal, action, resource)']);
  });
});
