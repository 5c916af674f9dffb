/**
 * An MCP transport that lets ONE long-lived SDK `Server` serve every HTTP request statelessly.
 *
 * Why: the SDK's stateless mode builds a new server and transport per request, which costs CPU on
 * every call; a session-pinned transport would tie a client to one process. Here each POST becomes
 * an Exchange; its JSON-RPC request ids are replaced with process-unique ids on the way in (two
 * clients may both send id 1) and restored on the way out. Nothing about a client is kept between
 * requests, so any replica sharing the store can serve any request.
 */
import type { Transport, TransportSendOptions } from '@modelcontextprotocol/sdk/shared/transport.js';
import type { AuthInfo } from '@modelcontextprotocol/sdk/server/auth/types.js';
import type { JSONRPCMessage, MessageExtraInfo, RequestId } from '@modelcontextprotocol/sdk/types.js';

/** Where the messages for one HTTP request go. */
export interface ExchangeSink {
  /** A notification tied to one of this exchange's requests (e.g. progress). */
  notify(message: JSONRPCMessage): void;
  /** All responses for the exchange, with the client's original ids restored, in request order. */
  complete(responses: JSONRPCMessage[]): void;
}

interface Pending {
  readonly exchange: Exchange;
  readonly originalId: RequestId;
}

class Exchange {
  readonly responses: (JSONRPCMessage | undefined)[];
  remaining: number;
  constructor(readonly sink: ExchangeSink, count: number) {
    this.responses = new Array(count).fill(undefined);
    this.remaining = count;
  }
}

export class StatelessTransport implements Transport {
  onclose?: () => void;
  onerror?: (error: Error) => void;
  onmessage?: <T extends JSONRPCMessage>(message: T, extra?: MessageExtraInfo) => void;

  readonly #pending = new Map<number, Pending & { index: number }>();
  #nextId = 1;

  async start(): Promise<void> {}

  async close(): Promise<void> {
    this.#pending.clear();
    this.onclose?.();
  }

  /**
   * Hand the requests of one HTTP POST to the server. Notifications are delivered and need no answer;
   * returns a function that cancels the exchange's unfinished requests (client went away).
   */
  dispatch(messages: readonly JSONRPCMessage[], authInfo: AuthInfo, headers: Record<string, string | string[] | undefined>, sink: ExchangeSink): () => void {
    const requests = messages.filter((m): m is JSONRPCMessage & { id: RequestId; method: string } => 'method' in m && 'id' in m);
    const exchange = new Exchange(sink, requests.length);
    const internalIds: number[] = [];
    const extra: MessageExtraInfo = { authInfo, requestInfo: { headers } };
    for (const message of messages) {
      if (!('method' in message)) continue; // responses from a client: we never send it requests
      if (!('id' in message)) {
        // Cancellation refers to ids of another POST, which a stateless server cannot map; ignore it.
        if (message.method !== 'notifications/cancelled') this.onmessage?.(message, extra);
        continue;
      }
      const internalId = this.#nextId++;
      internalIds.push(internalId);
      this.#pending.set(internalId, { exchange, originalId: message.id, index: internalIds.length - 1 });
      this.onmessage?.({ ...message, id: internalId }, extra);
    }
    if (requests.length === 0) sink.complete([]);
    return () => {
      for (const id of internalIds) {
        if (!this.#pending.delete(id)) continue;
        this.onmessage?.({ jsonrpc: '2.0', method: 'notifications/cancelled', params: { requestId: id, reason: 'client disconnected' } }, extra);
      }
    };
  }

  async send(message: JSONRPCMessage, options?: TransportSendOptions): Promise<void> {
    if ('id' in message && !('method' in message)) {
      const pending = this.#pending.get(Number(message.id));
      if (pending === undefined) return; // cancelled or already answered
      this.#pending.delete(Number(message.id));
      const { exchange } = pending;
      exchange.responses[pending.index] = { ...message, id: pending.originalId } as JSONRPCMessage;
      exchange.remaining -= 1;
      if (exchange.remaining === 0) exchange.sink.complete(exchange.responses.filter((r): r is JSONRPCMessage => r !== undefined));
      return;
    }
    const related = options?.relatedRequestId;
    if (related === undefined) return; // no standalone server-to-client stream in stateless mode
    const pending = this.#pending.get(Number(related));
    pending?.exchange.sink.notify(message);
  }
}
