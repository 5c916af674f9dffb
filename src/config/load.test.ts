import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CONFIG_TEMPLATE } from '../cli/scaffold.js';
import { ConfigError, parseConfig } from './load.js';

function problemsOf(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig(text, '/etc/gatehouse/gatehouse.yaml', env);
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    return err;
  }
  assert.fail('expected the configuration to be refused');
}

describe('configuration', () => {
  it('accepts the scaffold and freezes it with defaults filled in', () => {
    const config = parseConfig(CONFIG_TEMPLATE, '/srv/gh/gatehouse.yaml', {});
    assert.equal(config.server.listen, '127.0.0.1:7420');
    assert.equal(config.audit.content, 'hashed');
    assert.equal(config.store, 'sqlite:/srv/gh/.gatehouse/gatehouse.db');
    const handbook = config.connectors[0];
    assert.equal(handbook?.type === 'files' ? handbook.path : undefined, '/srv/gh/docs/handbook');
    assert.equal(config.server.max_body_bytes, 1024 * 1024);
    assert.ok(Object.isFrozen(config) && Object.isFrozen(config.connectors[0]));
  });

  it('rejects unknown keys with file, line and dot-path', () => {
    const err = problemsOf('server:\n  listen: 127.0.0.1:1\n  lisen: oops\n');
    assert.equal(err.code, 'CONFIG_INVALID');
    assert.equal(err.problems[0]?.path, 'server.lisen');
    assert.equal(err.problems[0]?.line, 3);
    assert.match(err.message, /gatehouse\.yaml:3:3 server\.lisen/);
  });

  it('reports every problem at once, each where it is', () => {
    const err = problemsOf([
      'connectors:',
      '  - name: Bad_Name',
      '    type: files',
      '    owner: a@b.c',
      '    purpose: x',
      '    path: ./d',
      '    powers: [read, destroy]',
      'audit:',
      '  content: everything',
    ].join('\n'));
    const byPath = new Map(err.problems.map((p) => [p.path, p]));
    assert.equal(byPath.get('connectors[0].name')?.line, 2);
    assert.equal(byPath.get('connectors[0].powers[1]')?.line, 7);
    assert.equal(byPath.get('audit.content')?.line, 9);
    assert.match(byPath.get('audit.content')?.message ?? '', /hashed|full/);
  });

  it('refuses literal secrets and resolves env references without printing them', () => {
    const base = 'identity:\n  user_assertion:\n    issuer: https://idp.example\n';
    const literal = problemsOf(`${base}    secret: hunter2-literal\n`);
    assert.match(literal.message, /references/);
    assert.doesNotMatch(literal.message, /hunter2-literal/);
    const missing = problemsOf(`${base}    secret: \${env:GH_TEST_SECRET}\n`);
    assert.equal(missing.code, 'CONFIG_REFERENCE_UNRESOLVED');
    assert.match(missing.message, /GH_TEST_SECRET is not set/);
    const config = parseConfig(`${base}    secret: \${env:GH_TEST_SECRET}\n`, '/x/gatehouse.yaml', { GH_TEST_SECRET: 'top-secret-value' });
    const secret = config.identity.userAssertion?.secret;
    assert.equal(secret?.reveal(), 'top-secret-value');
    assert.doesNotMatch(JSON.stringify(config), /top-secret-value/);
    assert.doesNotMatch(String(secret), /top-secret-value/);
  });

  it('rejects duplicate names and YAML syntax errors with positions', () => {
    const dup = problemsOf('agents:\n  - name: a\n    owner: x\n  - name: a\n    owner: y\n');
    assert.equal(dup.problems[0]?.path, 'agents[1].name');
    assert.equal(dup.problems[0]?.line, 4);
    const syntax = problemsOf('server: [unclosed\n');
    assert.ok(syntax.problems[0]?.line !== undefined);
  });
});
