/**
 * Tells people a request awaits them: a Slack-compatible incoming-webhook message (`{"text": …}`)
 * to `approvals.notify_url`, with the approval id, what would happen, who asked and where to decide.
 * Never the arguments: they may carry data the channel must not see. Delivery is best effort and
 * never delays or fails the agent's call; a failure is logged.
 */
import { createAddressPolicy } from '../connectors/http/egress.js';
import { HttpTransport } from '../connectors/http/http-transport.js';
import type { Runtime } from '../main/runtime.js';
import type { Logger } from '../ops/logger.js';
import type { ApprovalRow } from '../store/approval-repo.js';

const TIMEOUT_MS = 5000;

/** The message for a held request. */
export function approvalMessage(row: ApprovalRow, publicUrl: string | undefined): { text: string } {
  const groups = (JSON.parse(row.approverGroups) as string[]).join(', ') || 'any approver';
  const who = `${row.agent}${row.userId === null ? '' : ` for ${row.userId}`}`;
  const where = publicUrl === undefined
    ? `gatehouse approvals show ${row.id}`
    : `${publicUrl.replace(/\/mcp\/?$/, '').replace(/\/$/, '')}/admin/v1/approvals/${row.id}`;
  const what = row.kind === 'draft' ? 'Draft to review' : 'Approval needed';
  return { text: `${what} (${groups}): ${row.risk}, asked by ${who}. Id ${row.id}, expires ${row.expiresAt}. Review: ${where}` };
}

/** A hold listener posting to the configured webhook, or a no-op when none is configured. */
export function approvalNotifier(current: () => Runtime, log: Logger): (row: ApprovalRow) => void {
  let transport: { url: string; allow: boolean; http: HttpTransport } | undefined;
  return (row) => {
    const config = current().config;
    const url = config.approvals.notify_url;
    if (url === undefined) return;
    if (transport === undefined || transport.url !== url || transport.allow !== config.approvals.notify_allow_private_network) {
      void transport?.http.close();
      transport = {
        url, allow: config.approvals.notify_allow_private_network,
        http: new HttpTransport({ policy: createAddressPolicy(config.approvals.notify_allow_private_network, 'approvals.notify_url'), lookup: undefined, timeoutMs: TIMEOUT_MS, maxBytes: 64 * 1024 }),
      };
    }
    const body = JSON.stringify(approvalMessage(row, config.server.public_url));
    transport.http.send({ method: 'POST', url: new URL(url), headers: { 'content-type': 'application/json', 'user-agent': 'gatehouse-approvals/0.1.0' }, body })
      .then((response) => {
        if (response.status >= 300) log.warn('approval notification refused', { approval: row.id, status: response.status });
      })
      .catch((err: unknown) => log.warn('approval notification failed', { approval: row.id, code: (err as { code?: string }).code ?? 'INTERNAL_ERROR' }));
  };
}
