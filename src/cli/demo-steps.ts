/**
 * How the demo walkthrough prints its steps: a numbered title, what happened, and a ✓ or ✗ line per
 * check of the actual result. Also what the steps share: the MCP client connection, tool calls and
 * the user assertion the application hosting the agent would mint.
 */
import type { KeyObject } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { SignJWT } from 'jose';
import { DEMO_ISSUER, DEMO_USER } from './demo-systems.js';
import type { Io } from './io.js';

/** Connect the official MCP client with an agent key and, optionally, extra headers (X-Gatehouse-User). */
export async function connect(url: string, key: string, headers: Readonly<Record<string, string>> = {}): Promise<Client> {
  const client = new Client({ name: 'gatehouse-walkthrough', version: '0.1.0' });
  await client.connect(new StreamableHTTPClientTransport(new URL(url), { requestInit: { headers: { Authorization: `Bearer ${key}`, ...headers } } }));
  return client;
}

/** A short-lived user assertion for DEMO_USER, as the application hosting the agent would mint it. */
export function userAssertion(key: KeyObject): Promise<string> {
  return new SignJWT({ attributes: { region: DEMO_USER.region } })
    .setProtectedHeader({ alg: 'EdDSA' })
    .setIssuer(DEMO_ISSUER)
    .setAudience('gatehouse')
    .setSubject(DEMO_USER.id)
    .setIssuedAt()
    .setExpirationTime('5m')
    .sign(key);
}

/** Call a tool; errors the gateway reports come back as results with isError. */
export async function call(client: Client, name: string, args: Record<string, unknown>): Promise<CallToolResult> {
  return await client.callTool({ name, arguments: args }) as CallToolResult;
}

/** The row of a crm get or update result. */
export function rowOf(result: CallToolResult): Record<string, unknown> | undefined {
  return (result.structuredContent as { row?: Record<string, unknown> } | undefined)?.row;
}

/** The text content of a tool result. */
export function textOf(result: CallToolResult): string {
  return result.content.map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n');
}

/** `text` with every line indented by `width` spaces. */
export function indent(text: string, width = 6): string {
  return text.split('\n').map((l) => `${' '.repeat(width)}${l}`).join('\n');
}

/** Numbered steps and their checks; `ok` turns false at the first failed check. */
export class StepReporter {
  #n = 0;
  #ok = true;

  constructor(private readonly io: Io) {}

  /** Whether every check so far held. */
  get ok(): boolean {
    return this.#ok;
  }

  /** Start the next numbered step. */
  step(title: string): void {
    this.io.out(`\n${++this.#n}. ${title}\n`);
  }

  /** Print indented detail lines. */
  show(text: string): void {
    this.io.out(`${indent(text)}\n`);
  }

  /** Print ✓ `good` if `condition` holds, else ✗ `bad` and mark the walkthrough failed. */
  expect(condition: boolean, good: string, bad: string): void {
    this.io.out(`   ${condition ? '✓' : '✗'} ${condition ? good : bad}\n`);
    if (!condition) this.#ok = false;
  }
}
