import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policyToJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { userProfile, userReads } from './user-profile.js';

function readsOf(...conditions: string[]) {
  return userReads(conditions.map((c) => {
    const answer = policyToJson(`permit (principal, action, resource) when { ${c} };`);
    assert.equal(answer.type, 'success', JSON.stringify(answer));
    return (answer as { json: PolicyJson }).json;
  }));
}

describe('userReads', () => {
  it('collects the attributes read and the groups tested', () => {
    const reads = readsOf(
      'context has user && context.user in Gatehouse::Group::"hr"',
      'context has user.dept && context.user.dept == "ops" && context.user in [Gatehouse::Group::"a", Gatehouse::Group::"b"]',
      'context.user has clearance && context.user is Gatehouse::User in Gatehouse::Group::"c" && context.tool == "x"',
    );
    assert.ok(reads);
    assert.deepEqual([...reads.groups].sort(), ['a', 'b', 'c', 'hr']);
    assert.deepEqual([...reads.attributes].sort(), ['clearance', 'dept']);
  });

  it('gives up when the user itself may be observed', () => {
    assert.equal(readsOf('context.user == Gatehouse::User::"alice"'), undefined);
    assert.equal(readsOf('context.user in Gatehouse::User::"alice"'), undefined);
    assert.equal(readsOf('resource in context.user'), undefined);
    assert.equal(readsOf('[context.user].contains(principal)'), undefined);
    assert.equal(readsOf('context == {}'), undefined);
  });
});

describe('userProfile', () => {
  const reads = { groups: new Set(['hr', 'ops']), attributes: new Set(['clearance', 'nickname']) };
  const declared = new Map([['clearance', 'Long' as const]]);
  it('keeps the tested groups and the declared attributes read', () => {
    assert.deepEqual(userProfile({ id: 'u', groups: ['ops', 'eng', 'hr'], attributes: { clearance: 2, nickname: 'x', dept: 'd' } }, reads, declared),
      { groups: ['hr', 'ops'], attributes: { clearance: 2 } });
  });
  it('has none for a mistyped attribute', () => {
    assert.equal(userProfile({ id: 'u', groups: [], attributes: { clearance: 'high' } }, reads, declared), undefined);
  });
});
