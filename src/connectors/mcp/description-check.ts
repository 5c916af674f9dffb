/**
 * Checks an upstream tool description for text aimed at the model rather than at the reader:
 * "ignore previous instructions", hidden characters, smuggled URLs. A flagged tool is quarantined
 * until an administrator reviews it (`gatehouse connector review NAME`).
 *
 * The rule set here is small and conservative; the connector's default check
 * (injection-description-check.ts) adds the injection detector through the same hook.
 */

/** What a description check found: whether to hold the tool back, and which rules matched. */
export interface DescriptionVerdict {
  readonly flagged: boolean;
  /** Names of the rules that matched, e.g. "ignore-instructions". Never the matched text. */
  readonly rules: string[];
}

/**
 * The hook the mcp connector calls on every upstream tool description (and on the descriptions and
 * titles inside its input schema) at pin time and whenever it lists the upstream's tools.
 * Must be pure and fast; it runs on the request path of no call, only on listing.
 */
export type DescriptionCheck = (description: string) => DescriptionVerdict;

/** One rule of the basic detector: a name to report and a test on the text. */
export interface DescriptionRule {
  readonly name: string;
  readonly test: (text: string) => boolean;
}

const matches = (pattern: RegExp) => (text: string) => pattern.test(text);

/** Zero-width, bidirectional-control and Unicode tag characters: text a reviewer cannot see. */
const HIDDEN = /[\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u2069\uFEFF\u00AD]|[\u{E0000}-\u{E007F}]/u;

/** The basic rules, in the order they are reported. */
export const BASIC_RULES: readonly DescriptionRule[] = [
  {
    name: 'ignore-instructions',
    test: matches(/\b(ignore|disregard|forget|override)\b[^.\n]{0,40}\b(previous|prior|above|earlier|all|any|other|system)\b[^.\n]{0,40}\b(instructions?|prompts?|rules|directions|guidelines)\b/i),
  },
  { name: 'addresses-the-model', test: matches(/\b(you must|you are required to|you have to|you should always|as an ai\b|assistant must)/i) },
  {
    name: 'conceals-from-user',
    test: matches(/\b(do not|don't|never|without)\s+(tell|telling|inform|informing|mention|mentioning|reveal|revealing|show|showing|notify|notifying|alert|alerting)\b[^.\n]{0,40}\b(user|human|anyone|them)\b/i),
  },
  { name: 'instruction-markup', test: matches(/<\/?\s*(important|system|instructions?|admin|secret)\s*>|\[\s*(system|important|instructions?)\s*\]/i) },
  { name: 'hidden-unicode', test: matches(HIDDEN) },
  { name: 'encoded-blob', test: matches(/[A-Za-z0-9+/]{80,}={0,2}|(?:[0-9a-f]{2}){64,}/i) },
  {
    name: 'exfiltration-url',
    test: (text) => /https?:\/\/[^\s]*[?&][^\s=]+=/i.test(text)
      || /\b(send|post|upload|forward|transmit|exfiltrate)\b[^.\n]{0,80}\bhttps?:\/\//i.test(text),
  },
  { name: 'sensitive-files', test: matches(/(~\/\.ssh|\bid_rsa\b|\/etc\/passwd|\.aws\/credentials|\bmcp\.json\b)/i) },
];

/** The basic detector: flags a description when any of BASIC_RULES matches. */
export const basicDescriptionCheck: DescriptionCheck = (description) => {
  const rules = BASIC_RULES.filter((rule) => rule.test(description)).map((rule) => rule.name);
  return { flagged: rules.length > 0, rules };
};

/** Every `description` and `title` string inside a JSON Schema, depth-first, bounded. */
export function schemaTexts(schema: unknown, limit = 1000): string[] {
  const out: string[] = [];
  const visit = (node: unknown, depth: number) => {
    if (out.length >= limit || depth > 32 || node === null || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      for (const item of node) visit(item, depth + 1);
      return;
    }
    for (const [key, value] of Object.entries(node)) {
      if ((key === 'description' || key === 'title') && typeof value === 'string') out.push(value);
      else visit(value, depth + 1);
    }
  };
  visit(schema, 0);
  return out;
}

/**
 * Run `check` on a tool's description and on the texts of its input schema (where poisoned
 * instructions hide as well); the rules of every text are merged, without duplicates.
 */
export function checkToolTexts(check: DescriptionCheck, description: string, inputSchema: unknown): DescriptionVerdict {
  const rules = new Set<string>();
  for (const text of [description, ...schemaTexts(inputSchema)]) {
    const verdict = check(text);
    if (verdict.flagged) {
      for (const rule of verdict.rules) rules.add(rule);
      // A detector that flags without naming a rule still quarantines the tool.
      if (verdict.rules.length === 0) rules.add('flagged');
    }
  }
  return { flagged: rules.size > 0, rules: [...rules] };
}
