/**
 * A workspace whose handbook reads need approval by the group "leads", with four people declared:
 * an approver of "leads", the agent's owner (also of "leads": four eyes refuses them), an approver
 * of another group and an auditor. Used by the admin API and approvals CLI tests.
 */

export const GATED_POLICY = `
@id("handbook-search")
permit (principal, action == Gatehouse::Action::"search", resource in Gatehouse::Connector::"handbook");

@id("gate-read") @approval("leads")
permit (principal, action == Gatehouse::Action::"read", resource in Gatehouse::Connector::"handbook");

@id("restricted-needs-hr")
forbid (principal, action, resource is Gatehouse::Document)
when { resource.label == "restricted" }
unless { context has user && context.user in Gatehouse::Group::"hr" };
`;

export const ADMINS_YAML = `admins:
  - { name: lead@example.com, role: approver, groups: [leads] }
  - { name: support-lead@example.com, role: approver, groups: [leads] }
  - { name: finance@example.com, role: approver, groups: [finance] }
  - { name: auditor@example.com, role: auditor }
approvals:
  expire_after: 1h
`;
