// Reference guards: an off-the-shelf, offline guardrail library from the npm registry, wrapped so
// its results can be scored side by side with Gatehouse's own guards on the same labelled data
// (../shared/datasets/{injection,pii,secrets}.jsonl). It is a devDependency, used only by
// evaluation scripts; nothing in src/ depends on it.
//
// Chosen library: llmverify (MIT), pattern-based, no network calls, no model download, no API key
// for the functions used here (isInputSafe, redactPII — neither counts against its local
// "free tier" quota, which only verify(), monitorLLM() and its sentinel suite track).
//
// Why this one: it is the best of the candidates that cover all three detectors offline. Measured
// on the eval split (injection 1,318 rows / 238 hard negatives; PII 348 rows; secrets 289 rows),
// Node 20, each library in its best offline configuration, in a scratch directory:
//
// Injection                          P      R      F1     FPR    hard-neg FPR
//   llmverify 1.6.1                  0.940  0.060  0.113  0.006  0.004
//   @presidio-dev/hai-guardrails     0.899  0.126  0.221  0.020  0.046   1.11.1, pattern mode (a)
//   @andersmyrmel/vard 1.2.0 strict  0.887  0.252  0.392  0.046  0.046   (moderate: F1 0.202;
//                                                                         lenient flags nothing)
//   @claude-flow/aidefence 3.0.3     0.942  0.083  0.153  0.007  0.013
//   @reactive-agents/guardrails 0.9  0.909  0.039  0.074  0.006  0.013
//   llm_guardrail 2.1.2 (TF-IDF LR)  0.649  0.261  0.372  0.204  0.395   (checkAll: F1 0.598,
//                                                                         FPR 0.375, hard 0.492)
//   @openai/guardrails 0.2.1         no offline mode: its injection/jailbreak checks call an LLM
//   aidefence 2.3.0                  no detector API: an HTTP gateway over an embedding vector store
// PII, span overlap, type-strict, recall/precision; eval gold: PHONE 27, CREDIT_CARD 29, IBAN 10,
// and no EMAIL/US_SSN/IP_ADDRESS span, so the whole file (no library was trained on it) is also
// shown for those (EMAIL 51, US_SSN 19, IP_ADDRESS 16):
//                                   PHONE      CREDIT_CARD  IBAN       | EMAIL  US_SSN    IP (all rows)
//   @openredaction/openredaction    .407/1.00  .690/1.00    .900/1.00  | 1/1    .579/1.00 1/.889
//   llmverify                       .148/1.00  .586/1.00    .900/1.00  | 1/1    1/.760    1/.889
//   @openai/guardrails (regex PII)  .148/1.00  .517/1.00    .900/1.00  | 1/1    1/.950    .938/.882
//   @redactpii/node 1.0.17          .185/.500  .759/1.00    0          | 1/1    1/1       0
//   hai-guardrails                  .111/1.00  .517/1.00    0          | 1/1    1/.950    .938/.882
//   reactive-agents (labels only)   .333       .517         0          | 1      1         0
//   claude-flow: one boolean for PII and credentials (row recall 0.29)
// Secrets, text level                P      R      FPR
//   @openredaction/openredaction     0.964  0.240  0.029
//   llmverify                        0.960  0.217  0.029
//   @openai/guardrails strict        0.767  0.968  0.956   (flags almost every negative;
//                                                          balanced R 0.801 FPR 0.765)
//   @claude-flow/aidefence           0.889  0.109  0.044
//   @reactive-agents/guardrails      0.833  0.090  0.059
//   hai-guardrails                   0.900  0.041  0.015
// Only llmverify, hai-guardrails, reactive-agents and claude-flow cover all three; llmverify leads
// that group on PII (micro recall 0.455 vs 0.273 for hai-guardrails) and secrets (recall 0.217 vs
// 0.041) and has the fewest hard-negative false positives; hai-guardrails' pattern mode finds more
// injections but its PII has no IBAN and its secret rules are few. Single-purpose libraries do
// better on their own detector: @openredaction/openredaction on PII and secrets (no injection),
// vard (strict) on injection (no PII, no secrets).
// (a) hai-guardrails 1.12.0 crashes the process shortly after import (its heuristic worker pool
// points at a path from the package's build machine); 1.11.1 works. Its heuristic mode takes
// seconds per text here (median 3.2 s, up to 55 s) and was only sampled (35 rows): at threshold
// 0.5 it flags 80% of hard negatives, at 0.7 recall falls to 0.28.
//
// Mapping to the datasets:
// - injection(text): !isInputSafe(text) — the library's most sensitive setting (any finding of its
//   prompt-injection engine flags the text).
// - pii(text): redactPII(text).redactions, minus the credential kinds. The library reports each
//   match's start offset, type and a masked sample (first/last up to 4 characters around "***"),
//   not the end, so the end is recovered from that sample; overlapping matches keep the first one
//   (the library's own pattern order, which is the order its redaction applies). Types are mapped
//   to the dataset's names (PHONE_US/PHONE_INTL → PHONE, SSN → US_SSN, IPV6_ADDRESS → IP_ADDRESS,
//   US_ADDRESS → ADDRESS, DATE_OF_BIRTH → DATE_TIME, DRIVERS_LICENSE → US_DRIVER_LICENSE); kinds
//   the dataset has no name for keep the library's own (PASSPORT, BANK_ACCOUNT, ...).
// - secrets(text): redactPII(text) found one of its credential kinds (API_KEY, AWS_KEY,
//   AWS_SECRET, GITHUB_TOKEN, SLACK_TOKEN, STRIPE_KEY, JWT_TOKEN, PRIVATE_KEY, PASSWORD_INLINE).
// None of the three throws: any error from the library counts as "nothing found".

import { createRequire } from 'node:module';

const PACKAGE = 'llmverify';

const SECRET_TYPES = new Set([
  'API_KEY',
  'AWS_KEY',
  'AWS_SECRET',
  'GITHUB_TOKEN',
  'SLACK_TOKEN',
  'STRIPE_KEY',
  'JWT_TOKEN',
  'PRIVATE_KEY',
  'PASSWORD_INLINE',
]);

const PII_TYPE_MAP = {
  EMAIL: 'EMAIL',
  PHONE_US: 'PHONE',
  PHONE_INTL: 'PHONE',
  SSN: 'US_SSN',
  CREDIT_CARD: 'CREDIT_CARD',
  IBAN: 'IBAN',
  IP_ADDRESS: 'IP_ADDRESS',
  IPV6_ADDRESS: 'IP_ADDRESS',
  US_ADDRESS: 'ADDRESS',
  ZIP_CODE: 'ZIP_CODE',
  DATE_OF_BIRTH: 'DATE_TIME',
  DRIVERS_LICENSE: 'US_DRIVER_LICENSE',
};

// Longest value considered when recovering the end of a long match (the library masks values of 16+
// characters as "abcd***wxyz", so their length is not bounded by the sample).
const MAX_VALUE_LENGTH = 4096;

const isBoundary = (text, i) => i >= text.length || !/[\p{L}\p{N}_]/u.test(text[i]);

// Recovers the end offset of a match from its masked sample, as llmverify builds it:
// values of up to 8 characters keep 2 + 2 characters, longer ones keep v = min(4, floor(len / 4))
// at each end. Returns -1 when the sample does not fit the text at `start`.
function matchEnd(text, start, sample) {
  if (typeof sample !== 'string' || !Number.isInteger(start) || start < 0 || start >= text.length) return -1;
  const cut = sample.indexOf('***');
  if (cut < 0) return -1;
  const prefix = sample.slice(0, cut);
  const suffix = sample.slice(cut + 3);
  if (!text.startsWith(prefix, start)) return -1;
  const v = prefix.length;
  const fits = (len) => start + len <= text.length && text.startsWith(suffix, start + len - suffix.length);
  if (v < 4) {
    // Bounded set of lengths: prefer the longest that ends on a word boundary.
    const [minLen, maxLen] = v === 3 ? [12, 15] : [Math.max(1, suffix.length), 11];
    let fallback = -1;
    for (let len = maxLen; len >= minLen; len--) {
      if (!fits(len)) continue;
      if (isBoundary(text, start + len)) return start + len;
      if (fallback < 0) fallback = start + len;
    }
    return fallback;
  }
  // Unbounded length: prefer the shortest that ends on a word boundary.
  let fallback = -1;
  const limit = Math.min(text.length - start, MAX_VALUE_LENGTH);
  for (let len = 16; len <= limit; len++) {
    if (!fits(len)) continue;
    if (isBoundary(text, start + len)) return start + len;
    if (fallback < 0) fallback = start + len;
  }
  return fallback;
}

function piiSpans(lib, text) {
  const { redactions } = lib.redactPII(text);
  const spans = [];
  for (const r of Array.isArray(redactions) ? redactions : []) {
    if (!r || SECRET_TYPES.has(r.type)) continue;
    const start = r.position;
    const end = matchEnd(text, start, r.original);
    if (end <= start) continue;
    if (spans.some((s) => s.start < end && start < s.end)) continue;
    spans.push({ type: PII_TYPE_MAP[r.type] ?? String(r.type), start, end });
  }
  return spans.sort((a, b) => a.start - b.start || a.end - b.end);
}

function packageVersion() {
  try {
    return createRequire(import.meta.url)(`${PACKAGE}/package.json`).version;
  } catch {
    return 'unknown';
  }
}

/**
 * Loads the reference guards.
 * @returns {Promise<null | {
 *   name: string, version: string,
 *   injection: (text: string) => Promise<boolean>,
 *   pii: (text: string) => Promise<Array<{type: string, start: number, end: number}>>,
 *   secrets: (text: string) => Promise<boolean>,
 * }>} null when the library is not installed (e.g. a production install without dev dependencies).
 */
export async function loadReferenceGuards() {
  let mod;
  try {
    mod = await import(PACKAGE);
  } catch (err) {
    if (err && (err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND')) return null;
    throw err;
  }
  const lib = mod.default ?? mod;
  const asString = (text) => (typeof text === 'string' ? text : String(text ?? ''));

  return {
    name: PACKAGE,
    version: packageVersion(),
    async injection(text) {
      try {
        return !lib.isInputSafe(asString(text));
      } catch {
        return false;
      }
    },
    async pii(text) {
      try {
        return piiSpans(lib, asString(text));
      } catch {
        return [];
      }
    },
    async secrets(text) {
      try {
        const { redactions } = lib.redactPII(asString(text));
        return Array.isArray(redactions) && redactions.some((r) => r && SECRET_TYPES.has(r.type));
      } catch {
        return false;
      }
    },
  };
}
