/**
 * Runs the format rules over a text. A rule's pattern only runs when one of its needles occurs in
 * the text (a plain substring search), so most texts pay for a handful of `includes` calls. Matches
 * that look made up (masked, one character repeated, a few distinct characters) are dropped unless
 * the rule allows regular values.
 */
import { CLOUD_RULES } from './cloud-rules.js';
import { SAAS_RULES } from './saas-rules.js';
import type { SecretMatch } from './secret-kinds.js';
import { looksFake } from './secret-value.js';
import type { TokenRule } from './token-rule.js';

/** Every format rule, cloud and SaaS. */
export const PROVIDER_RULES: readonly TokenRule[] = [...CLOUD_RULES, ...SAAS_RULES];

function applies(rule: TokenRule, text: string): boolean {
  for (const needle of rule.needles) if (text.includes(needle)) return true;
  return false;
}

function confidenceOf(rule: TokenRule, value: string, text: string, start: number): number | null {
  if (!rule.allowRegular && looksFake(value)) return null;
  if (!rule.check) return rule.confidence;
  const verdict = rule.check(value, text, start);
  if (verdict === false) return null;
  return verdict === true ? rule.confidence : verdict;
}

/** Every match of every applicable rule, overlaps included (the detector resolves them). */
export function findProviderTokens(text: string, rules: readonly TokenRule[] = PROVIDER_RULES): SecretMatch[] {
  const out: SecretMatch[] = [];
  for (const rule of rules) {
    if (!applies(rule, text)) continue;
    for (const m of text.matchAll(rule.pattern)) {
      const value = m[0];
      const start = m.index;
      if (value.length === 0) continue;
      const confidence = confidenceOf(rule, value, text, start);
      if (confidence !== null) out.push({ kind: rule.kind, start, end: start + value.length, confidence });
    }
  }
  return out;
}
