/**
 * Whether a value given to a secret-sounding name is itself a secret. The name's strength
 * (key-names.ts) sets the bar:
 *
 * - password names: a quoted literal of six or more characters (a hard-coded password, however
 *   weak), or an unquoted value of eight or more that is not a word or a reference; not digits
 *   alone (ids, phone numbers);
 * - token and secret names: 16 or more characters at or above the entropy threshold (0.6–0.7),
 *   or a shorter value of letters and digits (0.4);
 * - names that only say `key`, or only name a service: a long (32+), random-looking value;
 * - name and value separated by whitespace only: a 16+ character high-entropy token of letters
 *   and digits.
 *
 * Rejected whatever the name: placeholders and masked values, code (`config.password`,
 * `getToken()`, `hashedPassword`), locators (URLs, paths, host names, e-mail addresses, file
 * names, versions) and, unquoted, values made of words (`not_long_enough`, `SomeValue`).
 */
import type { NameStrength } from './key-names.js';
import type { SecretKind } from './secret-kinds.js';
import { charClasses, isPlaceholder, looksFake, shannonEntropy } from './secret-value.js';

/** Tunable bars of the generic rule. */
export interface GenericThresholds {
  /** Bits per character a 16+ character value needs under a token- or secret-named key. */
  readonly entropy: number;
  /** Shortest value reported as GENERIC_SECRET at full confidence. */
  readonly minLength: number;
}

/**
 * Defaults, tuned on the train split of the developer set: 3.0 bits per character is the highest
 * threshold that loses no train positive (recall falls from 3.2 up; precision does not move).
 */
export const DEFAULT_THRESHOLDS: GenericThresholds = { entropy: 3.0, minLength: 16 };

/** What a value was judged to be, and how sure the judgement is. */
export interface Verdict {
  readonly kind: SecretKind;
  readonly confidence: number;
}

const PLAIN_VALUES = new Set([
  'null', 'none', 'nil', 'undefined', 'true', 'false', 'yes', 'no', 'on', 'off', 'password', 'passwd', 'pass', 'secret',
  'token', 'test', 'testing', 'admin', 'root', 'user', 'username', 'default', 'string', 'value', 'mypassword',
  'mysecret', 'notasecret', 'not_a_secret', 'password123', 'secret123', 'changeit', 'letmein', 'qwerty', 'foobar',
  'foo', 'bar', 'baz', 'abc123', '123456', '12345678', '123456789', '1234567890',
]);

const WORDY = [
  /^[a-z]+(?:[_\-. ][a-z]+)*$/,
  /^[A-Z]+(?:[_\-. ][A-Z]+)*$/,
  /^[A-Z]?[a-z]+(?:[A-Z][a-z]+)*$/,
  /^[A-Z][a-z]+(?:[_\-. ][A-Z][a-z]+)*$/,
];

/** Only letters, and shaped like words: `not_long_enough`, `SomeValue`, `hashedPassword`. */
export function isWordy(value: string): boolean {
  return WORDY.some((re) => re.test(value));
}

const DOTTED = /^[A-Za-z_$#][\w$]*(?:\.[A-Za-z_$#][\w$]*)+$/;

/**
 * Whether every word of an identifier (split at case changes and `_`) could be a word: it holds a
 * vowel. `hashedPassword` and `calculateShaToken` do; the letters of a password such as
 * `Hk29vpLq7x` (`Hkvp`, `Lqx`) do not, so it is not taken for a variable name.
 */
function readsAsWords(identifier: string): boolean {
  const words = identifier.match(/[A-Z]+(?![a-z])|[A-Z]?[a-z]+/g) ?? [];
  return words.length > 0 && words.every((w) => w.length === 1 || /[aeiouy]/i.test(w));
}

/**
 * An unquoted value that reads as code: an identifier made of words (`hashedPassword`,
 * `calculateSha2Token`), a property path (`config.password`, `options?.token`).
 */
function looksLikeCode(value: string): boolean {
  if (/^[A-Za-z_$]+$/.test(value) && readsAsWords(value)) return true;
  if (value.includes('?.')) return true;
  const letters = value.replace(/\d/g, '');
  if (/^[A-Za-z_$][\w$]*$/.test(value) && letters.length >= value.length - 3 && isWordy(letters) && readsAsWords(letters)) return true;
  if (!DOTTED.test(value)) return false;
  const segments = value.split('.');
  const first = segments[0] ?? '';
  const last = segments[segments.length - 1] ?? '';
  return (first.length >= 3 && isWordy(first)) || isWordy(last.replace(/_/g, ''));
}

const LOCATORS = [
  /^[a-z][a-z0-9+.-]*:\/\//i,
  /^(?:\.{0,2}\/|~\/|[A-Za-z]:\\)/,
  /^[\w.+-]+@[\w-]+(?:\.[\w-]+)+$/,
  /^(?:[A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,12}(?::\d{1,5})?$/,
  /\.(?:json|ya?ml|pem|key|p12|pfx|crt|cer|der|txt|js|ts|py|rb|env|cfg|conf|ini|xml|properties|keytab|jks|png|jpe?g|svg|html?|md|csv|log)$/i,
  /^v?\d+(?:\.\d+){1,3}(?:[-+][\w.]*)?$/,
];

/** URLs, paths, e-mail addresses, host names, file names, versions. */
function looksLikeLocator(value: string): boolean {
  return LOCATORS.some((re) => re.test(value));
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Mixes letters and digits, or upper and lower case in even measure, like a generated token. */
function tokenLike(value: string): boolean {
  const c = charClasses(value);
  const letters = c.lower + c.upper;
  if (letters > 0 && c.digit > 0) return true;
  return c.lower >= 3 && c.upper >= 3 && Math.min(c.lower, c.upper) * 4 >= letters;
}

/** An identifier naming a secret: `hashedPassword`, `newPwd`, `apiToken`, `userPassword2`. */
export const NAMES_A_SECRET = /^[A-Za-z_$][A-Za-z_$]*(?:pass(?:word|wd)?|pwd|secret|token|key)[A-Za-z_$]*\d{0,2}$/i;

/** Shape checks every value must pass whatever the key's name. */
function plausible(value: string, quoted: boolean): boolean {
  // Issued secrets are printable ASCII; text in other scripts is a message, not a key.
  if (!/^[\x21-\x7e]+$/.test(value)) return false;
  if (PLAIN_VALUES.has(value.toLowerCase())) return false;
  // Publishable keys are meant to be public (Stripe `pk_live_…`).
  if (/^pk_(?:live|test)_/.test(value)) return false;
  if (isPlaceholder(value) || looksFake(value)) return false;
  if (!quoted && looksLikeCode(value)) return false;
  // Unquoted, an identifier that names a secret (`hashedPassword`, `newPwd`, `apiToken`) is a variable.
  if (!quoted && NAMES_A_SECRET.test(value)) return false;
  return !looksLikeLocator(value);
}

function judgePassword(value: string, quoted: boolean): Verdict | null {
  // A quoted literal under a password name is a hard-coded password, however weak: six
  // characters will do. Unquoted values may be code, so they need more.
  if (value.length < (quoted ? 6 : 8) || /^\d+$/.test(value)) return null;
  const entropy = shannonEntropy(value);
  if (entropy < 2.0) return null;
  if (isWordy(value)) return quoted ? { kind: 'PASSWORD', confidence: 0.45 } : null;
  if (value.length < 8) return { kind: 'PASSWORD', confidence: 0.45 };
  return { kind: 'PASSWORD', confidence: value.length >= 12 && entropy >= 3.2 ? 0.65 : 0.55 };
}

function judgeStrong(value: string, awsName: boolean, t: GenericThresholds): Verdict | null {
  if (awsName && /^[A-Za-z0-9/+]{40}$/.test(value) && tokenLike(value)) return { kind: 'AWS_SECRET_KEY', confidence: 0.9 };
  const entropy = shannonEntropy(value);
  if (UUID.test(value)) return { kind: 'GENERIC_SECRET', confidence: 0.5 };
  // Digits alone are more often an id or a number than a secret.
  if (/^\d+$/.test(value)) return value.length >= t.minLength ? { kind: 'GENERIC_SECRET', confidence: 0.4 } : null;
  if (value.length >= t.minLength && entropy >= t.entropy && !isWordy(value)) {
    const bonus = (entropy >= 4 ? 0.05 : 0) + (value.length >= 24 && tokenLike(value) ? 0.05 : 0);
    return { kind: 'GENERIC_SECRET', confidence: 0.6 + bonus };
  }
  if (value.length >= 8 && entropy >= 2.5 && /\d/.test(value) && /[A-Za-z]/.test(value)) return { kind: 'GENERIC_SECRET', confidence: 0.4 };
  return null;
}

/** Six or more consecutive ascending characters (`0123456789`, `mnopqrst`): typed, not generated. */
function hasSequence(value: string): boolean {
  let run = 1;
  for (let i = 1; i < value.length; i++) {
    run = value.charCodeAt(i) === value.charCodeAt(i - 1) + 1 ? run + 1 : 1;
    if (run >= 6) return true;
  }
  return false;
}

function judgeWeak(value: string, t: GenericThresholds, vendorOnly: boolean): Verdict | null {
  if (UUID.test(value)) return { kind: 'GENERIC_SECRET', confidence: 0.4 };
  if (value.length < Math.max(32, t.minLength) || !tokenLike(value) || DOTTED.test(value)) return null;
  if (vendorOnly && hasSequence(value)) return null;
  return shannonEntropy(value) >= t.entropy + 0.3 ? { kind: 'GENERIC_SECRET', confidence: 0.45 } : null;
}

/** What is known of the value's context. */
export interface ValueContext {
  /** How secret the key's name sounds. */
  readonly strength: NameStrength;
  /** The value was a string literal (unquoted values may be code). */
  readonly quoted: boolean;
  /** The key names AWS's secret access key. */
  readonly awsName: boolean;
  /**
   * No assignment operator: name and value separated by whitespace (`ENV API_TOKEN …`) or by a
   * comma (`getenv("API_TOKEN", "…")`, also any list of two strings).
   */
  readonly bare: boolean;
}

/** Without an operator, only a value that is plainly a generated token counts. */
function judgeBare(value: string, strength: NameStrength, t: GenericThresholds): Verdict | null {
  if (strength !== 'strong' && strength !== 'password') return null;
  if (value.length < Math.max(16, t.minLength) || !/\d/.test(value) || !/[A-Za-z]/.test(value) || DOTTED.test(value)) return null;
  if (shannonEntropy(value) < t.entropy) return null;
  return { kind: strength === 'password' ? 'PASSWORD' : 'GENERIC_SECRET', confidence: 0.5 };
}

/** The verdict on `value` in the given context, or null when it is not a secret. */
export function judgeValue(value: string, context: ValueContext, t: GenericThresholds): Verdict | null {
  const { strength } = context;
  if (strength === 'none') return null;
  // The shape judgements are cheap (length, entropy) and reject most values; the plausibility
  // checks (placeholders, code, locators) run only on what they accept.
  const verdict = context.bare ? judgeBare(value, strength, t)
    : strength === 'password' ? judgePassword(value, context.quoted)
      : strength === 'strong' ? judgeStrong(value, context.awsName, t)
        : judgeWeak(value, t, strength === 'vendor');
  return verdict !== null && plausible(value, context.quoted) ? verdict : null;
}
