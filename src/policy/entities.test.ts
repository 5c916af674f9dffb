import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { policyToJson, type PolicyJson } from '@cedar-policy/cedar-wasm/nodejs';
import { agentEntity, ALL_NEEDS, entityNeeds, resourceEntity, userEntity } from './entities.js';

function needsOf(...texts: string[]) {
  return entityNeeds(texts.map((t) => {
    const answer = policyToJson(t);
    assert.equal(answer.type, 'success', JSON.stringify(answer));
    return (answer as { json: PolicyJson }).json;
  }));
}

const agent = { name: 'a', owner: 'o', description: undefined, groups: ['g'], attributes: { team: 'x', tier: 2 }, actForUsers: true };

describe('entityNeeds', () => {
  it('collects attribute names, context keys and which ancestors `in` reads', () => {
    const n = needsOf(
      'permit (principal, action, resource) when { resource.label == "x" && context.tool == "t" && context has user && context.user.dept == "d" };',
      'permit (principal in Gatehouse::Group::"g", action, resource) when { principal has tier };',
    );
    assert.deepEqual([...(n.attributes ?? [])].sort(), ['dept', 'label', 'tier']);
    assert.deepEqual([...(n.context ?? [])].sort(), ['tool', 'user']);
    assert.deepEqual([n.principalAncestors, n.resourceAncestors, n.userAncestors], [true, false, false]);
    assert.deepEqual(n.literals, []);
  });

  it('keeps the whole context when a policy uses it as a value', () => {
    assert.equal(needsOf('permit (principal, action, resource) when { context == { "tool": "x" } };').context, undefined);
  });

  it('finds entity literals whose attributes or ancestors are read', () => {
    const n = needsOf('permit (principal == Gatehouse::Agent::"a", action, resource) when { Gatehouse::Agent::"lead" has tier && context.user in Gatehouse::Group::"hr" };');
    assert.deepEqual(n.literals, [{ type: 'Gatehouse::Agent', id: 'lead' }]);
    assert.equal(n.userAncestors, true);
  });

  it('says whether the principal entity can be observed at all', () => {
    assert.equal(needsOf('permit (principal == Gatehouse::Agent::"a", action, resource) when { resource.label == "x" && context.tool == "t" };').principal, false);
    assert.equal(needsOf('permit (principal, action, resource) when { principal has tier };').principal, true);
    assert.equal(needsOf('permit (principal in Gatehouse::Group::"g", action, resource);').principal, true);
    assert.equal(needsOf('permit (principal, action, resource) when { Gatehouse::Agent::"b" has tier };').principal, true, 'the literal may be the principal');
    assert.equal(needsOf('permit (principal, action, resource) when { (if context.acting_for_user then resource else resource) has tier };').principal, true);
  });

  it('takes every literal when the read entity is computed', () => {
    const n = needsOf('permit (principal, action, resource) when { (if context.acting_for_user then Gatehouse::Agent::"x" else Gatehouse::Agent::"y") has tier };');
    assert.deepEqual(n.literals.map((l) => l.id).sort(), ['x', 'y']);
  });
});

describe('entity JSON', () => {
  it('prunes attributes and parents no policy can observe, and omits empty entities', () => {
    assert.equal(agentEntity(agent, needsOf('permit (principal, action, resource);')), undefined);
    assert.deepEqual(agentEntity(agent, needsOf('permit (principal, action, resource) when { principal has tier };')),
      { uid: { type: 'Gatehouse::Agent', id: 'a' }, attrs: { tier: 2 }, parents: [] });
    assert.deepEqual(agentEntity(agent, ALL_NEEDS), {
      uid: { type: 'Gatehouse::Agent', id: 'a' }, attrs: { owner: 'o', team: 'x', tier: 2 }, parents: [{ type: 'Gatehouse::Group', id: 'g' }],
    });
    const doc = { type: 'Document', id: 'c/p.md', attributes: { path: 'p.md', label: 'l', connector: 'c' }, parents: [{ type: 'Connector', id: 'c' }] };
    assert.deepEqual(resourceEntity(doc, needsOf('permit (principal, action, resource in Gatehouse::Connector::"c");')),
      { uid: { type: 'Gatehouse::Document', id: 'c/p.md' }, attrs: {}, parents: [{ type: 'Gatehouse::Connector', id: 'c' }] });
  });

  it('drops undeclared user attributes and refuses mistyped ones', () => {
    const declared = new Map([['clearance', 'Long' as const]]);
    const user = { id: 'u', groups: [], attributes: { clearance: 3, nickname: 'x' } };
    assert.deepEqual(userEntity(user, declared, ALL_NEEDS)?.attrs, { clearance: 3 });
    assert.throws(() => userEntity({ ...user, attributes: { clearance: '3' } }, declared, ALL_NEEDS), { code: 'POLICY_EVALUATION_FAILED' });
  });
});
