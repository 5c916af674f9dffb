/** Shared setup for approval tests: a gated webhook connector, declared people and settings. */
import type { AdminConfig } from '../../src/config/schema.js';

export const LEAD: AdminConfig = { name: 'lead@example.com', role: 'approver', groups: ['oncall-leads'] };
export const OWNER: AdminConfig = { name: 'support-lead@example.com', role: 'approver', groups: ['oncall-leads'] };
export const OUTSIDER: AdminConfig = { name: 'finance@example.com', role: 'approver', groups: ['finance'] };
export const AUDITOR: AdminConfig = { name: 'auditor@example.com', role: 'auditor', groups: [] };

/** Add the `notify` webhook (gated by policy), the people above, and approval settings (`extra`, indented). */
export function gatedConfig(hookUrl: string, extra = ''): (yaml: string) => string {
  return (yaml) => yaml.replace(/^connectors:\n/m, `connectors:
  - name: notify
    type: webhook
    owner: oncall@example.com
    purpose: Page the on-call channel
    url: ${hookUrl}
    secret: "\${env:GH_TEST_HOOK_SECRET}"
    allow_private_network: true
    powers: [trigger]
    retries: 0
    template: { text: "{{args.message}}" }
    arguments: { message: { type: string, maxLength: 200 } }
  - name: desk
    type: http
    owner: support@example.com
    purpose: Customer replies
    base_url: ${hookUrl.replace(/\/hook$/, '/')}
    allow_private_network: true
    powers: [draft]
    retries: 0
    operations:
      draftReply:
        method: POST
        path: /replies
        power: draft
        body: { type: object, properties: { ticket: { type: integer }, text: { type: string, maxLength: 2000 } }, required: [ticket, text], additionalProperties: false }
`) + `admins:
  - { name: ${LEAD.name}, role: approver, groups: [oncall-leads] }
  - { name: ${OWNER.name}, role: approver, groups: [oncall-leads] }
  - { name: ${OUTSIDER.name}, role: approver, groups: [finance] }
  - { name: ${AUDITOR.name}, role: auditor }
approvals:
  expire_after: 1h
${extra}`;
}

