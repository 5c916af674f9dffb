import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
const schema = `namespace Gatehouse {
  entity Group;
  entity Agent in [Group] { owner: String, "dept"?: String, "level"?: Long };
  entity Connector { type: String, owner: String, powers: Set<String> };
  entity Document in [Connector] { path: String, label: String, connector: String };
  action read appliesTo { principal: [Agent], resource: [Connector, Document], context: { tool: String, operation: String, acting_for_user: Bool } };
}`;
cedar.preparseSchema('s1', schema);
function mk(n) { const o={}; for (let i=0;i<n;i++) o['p'+i] = i%10===0 ? `forbid(principal, action, resource is Gatehouse::Document) when { resource.label == "secret${i}" };` : `permit(principal == Gatehouse::Agent::"x", action == Gatehouse::Action::"read", resource is Gatehouse::Document in Gatehouse::Connector::"c") when { resource.label == "l${i}" && principal has dept && principal.dept == "eng" };`; return o; }
for (const n of [1, 10, 50, 200]) cedar.preparsePolicySet('ps'+n, {staticPolicies: mk(n)});
const A = {uid: {type:'Gatehouse::Agent', id:'x'}, attrs: {owner:'o', dept: 'eng', level: 3}, parents: [{type:'Gatehouse::Group', id:'g1'}]};
const D = {uid: {type:'Gatehouse::Document', id:'c/a.md'}, attrs: {path:'a.md', label:'l5', connector:'c'}, parents: [{type:'Gatehouse::Connector', id:'c'}]};
const base = {principal: {type:'Gatehouse::Agent', id:'x'}, action: {type:'Gatehouse::Action', id:'read'}, resource: {type:'Gatehouse::Document', id: 'c/a.md'}, context: {tool:'t', operation:'read', acting_for_user: false}, validateRequest: false};
function bench(name, f, N=4000) {
  for (let i=0;i<1000;i++) f();
  const xs=[]; for (let i=0;i<N;i++) { const t=process.hrtime.bigint(); f(); xs.push(Number(process.hrtime.bigint()-t)); }
  xs.sort((a,b)=>a-b);
  console.log(name.padEnd(30), 'p50', (xs[N>>1]/1000).toFixed(1), 'us', JSON.stringify(f()).slice(0,80));
}
for (const n of [1, 10, 50, 200]) {
  bench('noschema AD '+n, () => cedar.statefulIsAuthorized({...base, entities: [A,D], preparsedPolicySetId: 'ps'+n}));
  bench('schema AD '+n, () => cedar.statefulIsAuthorized({...base, entities: [A,D], preparsedPolicySetId: 'ps'+n, preparsedSchemaName: 's1'}));
}
