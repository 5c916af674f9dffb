/** Plain domain types shared along the request path. No behaviour lives here. */

/** The explicit powers a connector operation can carry, from least to most risky. */
export const POWERS = ['read', 'search', 'draft', 'write', 'trigger'] as const;
export type Power = (typeof POWERS)[number];

/** Attribute values that can flow into Cedar as entity attributes. */
export type AttributeValue = string | number | boolean | readonly string[];
export type Attributes = Readonly<Record<string, AttributeValue>>;

/** An AI agent as declared in configuration. Credentials live in the store, not here. */
export interface Agent {
  readonly name: string;
  readonly owner: string;
  readonly description: string | undefined;
  readonly groups: readonly string[];
  readonly attributes: Attributes;
  /** Whether the agent may name an end user it acts for. */
  readonly actForUsers: boolean;
}

/** The person an agent acts for, established by a verified user assertion. */
export interface EndUser {
  readonly id: string;
  readonly groups: readonly string[];
  readonly attributes: Attributes;
}

/** Who is calling: the authenticated agent and, optionally, the user it acts for. */
export interface Caller {
  readonly agent: Agent;
  readonly keyId: string;
  readonly user: EndUser | undefined;
}

/** JSON Schema object describing a tool's arguments, as advertised in tools/list. */
export type JsonSchemaObject = Readonly<Record<string, unknown>> & { readonly type: 'object' };

/** One operation a connector offers; becomes one MCP tool. */
export interface OperationSpec {
  readonly name: string;
  readonly power: Power;
  /** What the operation does, for the model; the gateway prefixes power and source. */
  readonly summary: string;
  readonly inputSchema: JsonSchemaObject;
  /** Not a tool for agents: never listed, refused to agents; run by the gateway for people (rollback). */
  readonly hidden?: boolean;
}

/** A resource as policy sees it: a Cedar entity of the gateway schema. */
export interface ResourceRef {
  /** Entity type without namespace, e.g. "Document" or "Connector". */
  readonly type: string;
  readonly id: string;
  readonly attributes: Attributes;
  /** Parent entities (type, id), e.g. a document's connector. */
  readonly parents: readonly { readonly type: string; readonly id: string }[];
}

/** What the gateway decided about a call. */
export interface Decision {
  readonly allowed: boolean;
  /** Ids of the policies that decided (permits when allowed, forbids or empty when denied). */
  readonly policyIds: readonly string[];
  /** Annotation-derived explanation of the deciding forbid policy, if any. */
  readonly reason: string | undefined;
  /** Annotations of the deciding policies, by policy id (e.g. a future `@approval`). */
  readonly annotations: Readonly<Record<string, Readonly<Record<string, string>>>>;
}

/** Freshness facts every retrieved item carries. */
export interface Provenance {
  readonly source: string;
  readonly version: string;
  readonly modifiedAt: string;
  readonly indexedAt: string;
  readonly stale: boolean;
}
