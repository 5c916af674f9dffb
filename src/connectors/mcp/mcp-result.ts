/**
 * An upstream tool result as the gateway passes it on: text content (bounded), structured content
 * (bounded), and an upstream tool error (`isError: true`) turned into UPSTREAM_REJECTED.
 *
 * Text and embedded text resources are joined; binary content (images, audio, blobs) is replaced by
 * a one-line placeholder, since the gateway's result is text plus structured data.
 */
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import type { Provenance } from '../../domain/types.js';
import { GatehouseError } from '../../errors/catalog.js';
import type { OperationResult } from '../connector.js';

/** Who produced a result, for messages, provenance and bounds. */
export interface ResultSource {
  readonly connector: string;
  readonly tool: string;
  /** Hash of the pinned definition the call went to. */
  readonly definitionHash: string;
  readonly maxBytes: number;
  readonly at: string;
}

/** "512 B", "2.1 KB", "3.4 MB". */
function size(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function tooLarge(source: ResultSource, what: string): GatehouseError {
  return new GatehouseError('UPSTREAM_ERROR',
    `The ${what} of upstream tool "${source.tool}" (connector "${source.connector}") is larger than max_result_bytes (${source.maxBytes}).`,
    { connector: source.connector, tool: source.tool });
}

/** One content item as text for the model. */
function contentText(item: CallToolResult['content'][number]): string {
  switch (item.type) {
    case 'text':
      return item.text;
    case 'resource':
      return 'text' in item.resource ? item.resource.text : `[binary resource ${item.resource.uri} omitted]`;
    case 'resource_link':
      return `[resource: ${item.uri}]`;
    case 'image':
    case 'audio':
      return `[${item.type} (${item.mimeType}) omitted]`;
    default:
      return '[unsupported content omitted]';
  }
}

/**
 * Turn an upstream result into the gateway's result. Throws UPSTREAM_REJECTED for an upstream tool
 * error, UPSTREAM_ERROR when text or structured content exceed `maxBytes`.
 */
export function toOperationResult(result: CallToolResult, source: ResultSource): OperationResult {
  if (result.isError === true) {
    // The upstream's own error text is not passed on: errors carry codes and ids, never payloads.
    throw new GatehouseError('UPSTREAM_REJECTED',
      `Upstream tool "${source.tool}" of connector "${source.connector}" reported an error (isError).`,
      { connector: source.connector, tool: source.tool });
  }
  const parts: string[] = [];
  let textBytes = 0;
  for (const item of result.content) {
    const text = contentText(item);
    textBytes += Buffer.byteLength(text) + 1;
    if (textBytes > source.maxBytes) throw tooLarge(source, 'text result');
    parts.push(text);
  }
  const text = parts.join('\n');
  let structured: Readonly<Record<string, unknown>>;
  let structuredBytes = 0;
  if (result.structuredContent !== undefined) {
    structuredBytes = Buffer.byteLength(JSON.stringify(result.structuredContent));
    if (structuredBytes > source.maxBytes) throw tooLarge(source, 'structured result');
    structured = result.structuredContent;
  } else {
    structured = { text };
  }
  const provenance: Provenance = {
    source: `${source.connector}:${source.tool}`, version: source.definitionHash, modifiedAt: source.at, indexedAt: source.at, stale: false,
  };
  const items = result.content.length;
  return {
    text,
    structured,
    summary: `${items} content ${items === 1 ? 'item' : 'items'}, ${size(Buffer.byteLength(text) + structuredBytes)}`,
    provenance: [provenance],
  };
}
