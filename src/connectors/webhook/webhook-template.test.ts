import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../errors/catalog.js';
import { checkTemplate, renderTemplate } from './webhook-template.js';

describe('webhook template', () => {
  it('substitutes structurally and in one pass', () => {
    const template = { a: '{{args.x}}', b: 'x={{args.x}}, y={{args.y}}', c: ['{{args.y}}'], d: { e: 1, f: null } };
    const out = renderTemplate(template, { x: '{{args.y}}"}', y: 2 });
    assert.deepEqual(out, { a: '{{args.y}}"}', b: 'x={{args.y}}"}, y=2', c: [2], d: { e: 1, f: null } });
    assert.equal(JSON.stringify(JSON.parse(JSON.stringify(out))), JSON.stringify(out));
  });

  it('drops keys of optional arguments not given and keeps "__proto__" a plain key', () => {
    const out = renderTemplate(JSON.parse('{"__proto__": "{{args.x}}", "k": "{{args.missing}}", "s": "[{{args.missing}}]"}'), { x: 'v' }) as Record<string, unknown>;
    assert.deepEqual(Object.keys(out), ['__proto__', 's']);
    assert.equal(Object.getPrototypeOf(out), Object.prototype);
    assert.equal(out.s, '[]');
  });

  it('refuses unknown arguments and stray braces', () => {
    assert.deepEqual([...checkTemplate({ a: ['{{ args.x }}'] }, new Set(['x']), 't')], ['x']);
    for (const bad of [{ a: '{{args.y}}' }, { a: '{{x}}' }, { a: ['ok', '{{'] }]) {
      assert.throws(() => checkTemplate(bad, new Set(['x']), 't'), (err: unknown) => err instanceof GatehouseError && err.code === 'CONFIG_INVALID');
    }
  });
});
