/**
 * The secrets detector: credentials recognised by their documented format (AWS, GCP, Azure,
 * GitHub, GitLab, Slack, Stripe, OpenAI, Anthropic, npm and ~60 more issuers), by structure (JWTs,
 * PEM private keys, password hashes) and by context (passwords in URLs and connection strings,
 * authorization headers, a high-entropy value assigned to a secret-sounding name, and the syntax
 * scanners such as noseyparker and gitleaks know: command lines, config files like `.netrc`,
 * `.pgpass`, `.npmrc` and Kubernetes Secrets, SQL statements and calls; see context-rule.ts).
 *
 * Confidence follows how the value was recognised: a fixed prefix with an exact length or a
 * checksum is near certain (0.9–0.99); a credential in a URL, header or `.netrc` is likely
 * (0.6–0.85); a value judged by its name and entropy is a guess (0.4–0.7). Where findings overlap
 * (a GitHub token that is also a URL password) the format match wins, then the more confident.
 *
 * Speed: one pass over the text (anchor-scan.ts) finds every rule's literal anchor, every secret
 * word that may start a key name, and every long token run; each scanner runs only where those
 * are, so text without any costs that one loop.
 *
 * Pure and linear in the text's length; `detect` never throws. Options are checked once, here.
 */
import type { Finding, TextDetector } from '../finding.js';
import { type Anchor, AnchorTable, type ScanResult } from './anchor-scan.js';
import { ContextRuleSet } from './context-rule.js';
import { APP_SECRET_RULES } from './find-app-secrets.js';
import { findAssignmentsAt, NAME_KEYWORDS } from './find-assignments.js';
import { findAuthHeaders } from './find-auth-headers.js';
import { CODE_RULES } from './find-code-credentials.js';
import { COMMAND_RULES } from './find-command-passwords.js';
import { CONFIG_RULES } from './find-config-passwords.js';
import { CONNECTION_RULES } from './find-connection-strings.js';
import { findJwts } from './find-jwts.js';
import { KUBERNETES_RULES } from './find-kubernetes-secrets.js';
import { findPrivateKeys } from './find-private-keys.js';
import { MIN_RUN, PROVIDER_RULES, RuleSet } from './find-provider-tokens.js';
import { REGISTRY_RULES } from './find-registry-credentials.js';
import { findUrlPasswords } from './find-url-passwords.js';
import { DEFAULT_THRESHOLDS, type GenericThresholds } from './judge-value.js';
import { SECRET_KINDS, type SecretKind, type SecretMatch } from './secret-kinds.js';

/** Options of {@link createSecretsDetector}; every one is optional. */
export interface SecretsDetectorOptions {
  /** Kinds to report. Default: all of {@link SECRET_KINDS}. */
  readonly kinds?: readonly SecretKind[];
  /** Findings below this confidence are dropped. Default 0 (report everything found). */
  readonly minConfidence?: number;
  /**
   * Report values by context (name and entropy, surrounding syntax: context-rule.ts) as well as by
   * format. Default true.
   */
  readonly contextRules?: boolean;
  /** Bits per character a 16+ character value needs under a secret-sounding name. Default 3.0. */
  readonly entropyThreshold?: number;
  /** Shortest value the entropy rule reports at full confidence. Default 16. */
  readonly minGenericLength?: number;
}

const OPTION_KEYS = new Set(['kinds', 'minConfidence', 'contextRules', 'entropyThreshold', 'minGenericLength']);

/** Kinds recognised by context rather than format: they yield to a format match they overlap. */
const CONTEXT_KINDS: ReadonlySet<SecretKind> = new Set<SecretKind>([
  'GENERIC_SECRET', 'PASSWORD', 'URL_PASSWORD', 'BASIC_AUTH', 'BEARER_TOKEN', 'PASSWORD_IN_COMMAND', 'PASSWORD_IN_CONFIG',
  'PASSWORD_IN_CODE', 'CONNECTION_STRING_PASSWORD', 'REGISTRY_CREDENTIAL', 'KUBERNETES_SECRET', 'SESSION_COOKIE',
]);

function strictlyContains(a: SecretMatch, b: SecretMatch): boolean {
  return a.start <= b.start && a.end >= b.end && a.end - a.start > b.end - b.start;
}

/**
 * The one match kept of two that overlap. A format match beats a context match (a JWT over the
 * bearer value that holds it); a context value that strictly contains a format token keeps its
 * span and takes the token's kind and confidence, so redaction still covers all of it. Otherwise
 * the more confident match wins, then the longer one.
 */
function keepOne(a: SecretMatch, b: SecretMatch): SecretMatch {
  const contextA = CONTEXT_KINDS.has(a.kind);
  if (contextA !== CONTEXT_KINDS.has(b.kind)) {
    const [context, format] = contextA ? [a, b] : [b, a];
    return strictlyContains(context, format) ? { ...context, kind: format.kind, confidence: format.confidence } : format;
  }
  if (a.confidence !== b.confidence) return a.confidence > b.confidence ? a : b;
  return b.end - b.start > a.end - a.start ? b : a;
}

/**
 * Reduces matches to a non-overlapping set: sweeping by start, each match is merged with the kept
 * ones it overlaps (see {@link keepOne}). Each match is pushed and popped at most once: O(n log n).
 */
export function resolveOverlaps(matches: readonly SecretMatch[]): SecretMatch[] {
  const sorted = [...matches].sort((a, b) => a.start - b.start || b.confidence - a.confidence || b.end - a.end);
  const kept: SecretMatch[] = [];
  for (const m of sorted) {
    let current = m;
    for (let last = kept[kept.length - 1]; last !== undefined && last.end > current.start; last = kept[kept.length - 1]) {
      current = keepOne(last, current);
      kept.pop();
    }
    kept.push(current);
  }
  return kept;
}

function checkNumber(name: string, value: unknown, min: number, max: number): void {
  if (value === undefined) return;
  if (typeof value !== 'number' || !(value >= min && value <= max)) throw new TypeError(`secrets: ${name} must be a number from ${min} to ${max}`);
}

function checkOptions(options: SecretsDetectorOptions): void {
  if (typeof options !== 'object' || options === null) throw new TypeError('secrets: options must be an object');
  const unknown = Object.keys(options).filter((k) => !OPTION_KEYS.has(k));
  if (unknown.length > 0) throw new TypeError(`secrets: unknown option(s) ${unknown.join(', ')}`);
  if (options.kinds !== undefined && !Array.isArray(options.kinds)) throw new TypeError('secrets: kinds must be an array');
  const badKinds = (options.kinds ?? []).filter((k) => !(SECRET_KINDS as readonly string[]).includes(k));
  if (badKinds.length > 0) throw new TypeError(`secrets: unknown kind(s) ${badKinds.join(', ')}`);
  if (options.contextRules !== undefined && typeof options.contextRules !== 'boolean') throw new TypeError('secrets: contextRules must be a boolean');
  checkNumber('minConfidence', options.minConfidence, 0, 1);
  checkNumber('entropyThreshold', options.entropyThreshold, 0, 8);
  checkNumber('minGenericLength', options.minGenericLength, 8, 256);
}

/**
 * The scanners that are not format rules, each run only when one of its anchors occurs in the
 * text (found by the one anchor pass). Ids start above the format rules' ids.
 */
interface Gate {
  readonly anchors: readonly { literal: string; ignoreCase?: boolean }[];
  readonly context: boolean;
  readonly scan: (text: string) => SecretMatch[];
}

const GATES: readonly Gate[] = [
  { anchors: [{ literal: 'eyJ' }], context: false, scan: findJwts },
  { anchors: [{ literal: 'PRIVATE KEY' }], context: false, scan: findPrivateKeys },
  {
    anchors: [{ literal: '://' }, { literal: '-u' }, { literal: '--user' }, { literal: 'psexec', ignoreCase: true }, { literal: 'BUNDLE_' }],
    context: true,
    scan: findUrlPasswords,
  },
  { anchors: [{ literal: 'authorization', ignoreCase: true }, { literal: 'Bearer' }], context: true, scan: findAuthHeaders },
];

const RULES = new RuleSet(PROVIDER_RULES, 0);
const GATE_BASE = PROVIDER_RULES.length;
const KEYWORD_ID = GATE_BASE + GATES.length;
/** Credentials known by the syntax around them: command lines, config files, connection strings, calls. */
const CONTEXT_RULES = new ContextRuleSet(
  [...COMMAND_RULES, ...CONFIG_RULES, ...REGISTRY_RULES, ...CONNECTION_RULES, ...CODE_RULES, ...APP_SECRET_RULES, ...KUBERNETES_RULES],
  KEYWORD_ID + 1,
);

function anchorsFor(contextRules: boolean): Anchor[] {
  const anchors: Anchor[] = RULES.anchors();
  GATES.forEach((gate, g) => {
    if (gate.context && !contextRules) return;
    for (const a of gate.anchors) anchors.push({ id: GATE_BASE + g, literal: a.literal, ignoreCase: a.ignoreCase === true });
  });
  if (contextRules) {
    for (const literal of NAME_KEYWORDS) anchors.push({ id: KEYWORD_ID, literal, ignoreCase: true });
    anchors.push(...CONTEXT_RULES.anchors());
  }
  return anchors;
}

/** Every match of every scanner in `text`, overlaps included. */
function collect(text: string, scan: ScanResult, contextRules: boolean, thresholds: GenericThresholds): SecretMatch[] {
  const matches: SecretMatch[] = [];
  RULES.match(text, scan, matches);
  GATES.forEach((gate, g) => {
    if (scan.hits.has(GATE_BASE + g)) for (const m of gate.scan(text)) matches.push(m);
  });
  if (contextRules) {
    CONTEXT_RULES.match(text, scan, matches);
    const keywords = scan.hits.get(KEYWORD_ID) ?? [];
    if (keywords.length > 0 || scan.runs.length > 0) for (const m of findAssignmentsAt(text, keywords, scan.runs, thresholds)) matches.push(m);
  }
  return matches;
}

/** Creates the secrets detector (name `secrets`). Throws a TypeError on bad options, never on a text. */
export function createSecretsDetector(options: SecretsDetectorOptions = {}): TextDetector {
  checkOptions(options);
  const kinds = new Set<SecretKind>(options.kinds ?? SECRET_KINDS);
  const minConfidence = options.minConfidence ?? 0;
  const thresholds: GenericThresholds = {
    entropy: options.entropyThreshold ?? DEFAULT_THRESHOLDS.entropy,
    minLength: options.minGenericLength ?? DEFAULT_THRESHOLDS.minLength,
  };
  const contextRules = options.contextRules ?? true;
  const table = new AnchorTable(anchorsFor(contextRules), MIN_RUN);
  return {
    name: 'secrets',
    detect(text: string): Finding[] {
      if (typeof text !== 'string' || text.length === 0) return [];
      const matches = collect(text, table.scan(text), contextRules, thresholds);
      if (matches.length === 0) return [];
      const findings: Finding[] = [];
      for (const m of resolveOverlaps(matches)) {
        if (!kinds.has(m.kind) || m.confidence < minConfidence) continue;
        findings.push({ detector: 'secrets', kind: m.kind, start: m.start, end: m.end, confidence: m.confidence });
      }
      return findings;
    },
  };
}
