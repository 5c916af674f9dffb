/**
 * The walkthrough steps for the demo's record systems: the sample CRM (a masked column, a row filter
 * bound to the acting user's region, a writable and a non-writable column) and the demo's own HTTP
 * API (its key injected by the gateway and absent from everything the agent sees). Each step checks
 * the actual result.
 */
import type { KeyObject } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { USER_ASSERTION_HEADER } from '../identity/user-assertion.js';
import { DEMO_CUSTOMERS, DEMO_TICKETS } from './demo-crm.js';
import { DEMO_SERVICE_KEY_HEADER } from './demo-service.js';
import { call, connect, rowOf, textOf, userAssertion, type StepReporter } from './demo-steps.js';
import { DEMO_ESCALATED_TICKETS, DEMO_USER } from './demo-systems.js';

/** What the system steps talk to. */
export interface SystemsTarget {
  /** The gateway's MCP URL and the agent key. */
  readonly url: string;
  readonly key: string;
  /** The demo service, called directly once to show it refuses requests without its key. */
  readonly serviceUrl: string;
  /** The service's API key: only to check that it appears nowhere in what the agent gets. */
  readonly apiKey: string;
  /** Signs the user assertion for DEMO_USER. */
  readonly userSigningKey: KeyObject;
}

/** The ticket the walkthrough re-categorises directly: not escalated, so no approval is needed. */
const TICKET = DEMO_TICKETS[2]!;

/** Rows of a crm query result. */
function rowsOf(result: CallToolResult): Record<string, unknown>[] {
  const rows = (result.structuredContent as { rows?: unknown } | undefined)?.rows;
  return Array.isArray(rows) ? rows as Record<string, unknown>[] : [];
}

async function crmSteps(r: StepReporter, asUser: Client, alone: Client): Promise<void> {
  r.step(`Look up customers in the CRM acting for ${DEMO_USER.id} (region ${DEMO_USER.region}, from a signed X-Gatehouse-User token)`);
  const query = await call(asUser, 'crm_query', { table: 'customers' });
  r.show(textOf(query));
  const rows = rowsOf(query);
  const expected = DEMO_CUSTOMERS.filter((c) => c.region === DEMO_USER.region);
  r.expect(!query.isError && rows.length === expected.length && rows.every((row) => row.region === DEMO_USER.region),
    `Only the ${expected.length} ${DEMO_USER.region} customers of ${DEMO_CUSTOMERS.length} came back: the row filter "region = {{user.region}}" is bound to the user`,
    `expected exactly the ${expected.length} ${DEMO_USER.region} customers`);
  const emails = new Set(DEMO_CUSTOMERS.map((c) => c.email));
  r.expect(rows.length > 0 && rows.every((row) => typeof row.email === 'string' && /^.\*\*\*@/.test(row.email) && !emails.has(row.email)),
    'The email column is masked (j***@acme.example); full addresses never leave the gateway',
    'every email should be masked');

  r.step('The same query with no user (the agent alone)');
  const unfiltered = await call(alone, 'crm_query', { table: 'customers' });
  r.show(textOf(unfiltered));
  r.expect(unfiltered.isError === true && textOf(unfiltered).includes('ROW_FILTER_UNSATISFIED'),
    'Refused: without a region the filter cannot be bound, and it is never dropped to return every row',
    'a query without a user must be refused with ROW_FILTER_UNSATISFIED');

  r.step(`Re-categorise ticket ${TICKET.id} ("${TICKET.subject}") as billing`);
  const update = await call(asUser, 'crm_update', { table: 'tickets', key: TICKET.id, values: { category: 'billing' } });
  r.show(textOf(update));
  const after = rowOf(update);
  r.expect(!update.isError && after?.category === 'billing' && !DEMO_ESCALATED_TICKETS.includes(TICKET.id),
    `Allowed: category is a writable column, and ticket ${TICKET.id} is not escalated, so no approval is needed (the before-image is kept with the audit record, for a revert)`,
    'the update of a writable column of a ticket that is not escalated should succeed at once');

  r.step(`Try to rewrite the subject of ticket ${TICKET.id}`);
  const rewrite = await call(asUser, 'crm_update', { table: 'tickets', key: TICKET.id, values: { subject: 'Never mind, all fine' } });
  r.show(textOf(rewrite));
  const row = rowOf(await call(asUser, 'crm_get', { table: 'tickets', key: TICKET.id }));
  r.show(`crm_get afterwards: subject "${String(row?.subject)}", category "${String(row?.category)}"`);
  r.expect(rewrite.isError === true && textOf(rewrite).includes('COLUMN_NOT_ALLOWED') && row?.subject === TICKET.subject,
    'Refused with COLUMN_NOT_ALLOWED: subject is not writable, and the row is unchanged',
    'an update of a non-writable column must be refused with COLUMN_NOT_ALLOWED');
}

async function serviceSteps(r: StepReporter, target: SystemsTarget, alone: Client): Promise<void> {
  r.step(`Call the help-center API directly, without its key (GET ${target.serviceUrl}/status/billing)`);
  const direct = await fetch(`${target.serviceUrl}/status/billing`);
  r.show(`HTTP ${direct.status} ${await direct.text()}`);
  r.expect(direct.status === 401, `Refused: the API needs ${DEMO_SERVICE_KEY_HEADER}, which only the gateway holds (encrypted in its store)`,
    'the service must refuse a request without its key');

  r.step('Ask for the billing status through the gateway (helpcenter_get_status)');
  const status = await call(alone, 'helpcenter_get_status', { service: 'billing' });
  r.show(textOf(status));
  const data = (status.structuredContent as { data?: Record<string, unknown> } | undefined)?.data;
  r.expect(!status.isError && data?.status === 'degraded', 'Allowed: the answer comes from the API, which the gateway called with its key',
    'the status call should succeed');
  const everything = JSON.stringify(status);
  r.expect(!everything.includes(target.apiKey) && everything.includes('[REDACTED]'),
    'The API key appears nowhere in the result: the API echoed it back, and the gateway scrubbed it ([REDACTED])',
    'the API key must not reach the agent');

  r.step('Search the help-center articles for "refund duplicate charge" (helpcenter_search_articles)');
  const search = await call(alone, 'helpcenter_search_articles', { q: 'refund duplicate charge' });
  r.show(textOf(search));
  const total = (search.structuredContent as { data?: { total?: unknown } } | undefined)?.data?.total;
  r.expect(!search.isError && typeof total === 'number' && total > 0 && !JSON.stringify(search).includes(target.apiKey),
    'Allowed; only the declared response fields (total, results.id/title/summary) are passed on',
    'the article search should succeed');
}

/** Run the CRM and help-center steps. Connections are closed before returning. */
export async function runSystemSteps(target: SystemsTarget, r: StepReporter): Promise<void> {
  const asUser = await connect(target.url, target.key, { [USER_ASSERTION_HEADER]: await userAssertion(target.userSigningKey) });
  const alone = await connect(target.url, target.key);
  try {
    await crmSteps(r, asUser, alone);
    await serviceSteps(r, target, alone);
  } finally {
    await Promise.allSettled([asUser.close(), alone.close()]);
  }
}
