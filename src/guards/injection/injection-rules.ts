/**
 * Precise rules for the forms of prompt injection that have a recognisable shape: orders to drop
 * earlier instructions, chat-template role markers, requests for the system prompt, persona
 * switches, orders to hide something from the user, orders to ship data somewhere, and
 * instructions hidden in HTML comments. Each rule is one regular expression over the folded text
 * (fold-text.ts, lower case, single spaces) with bounded gaps, so matching stays linear. A rule
 * hit is reported with high confidence; what the rules miss (a harmless-looking task planted in a
 * document) is the trained model's job.
 */
import type { InjectionKind } from './injection-kinds.js';

export interface InjectionRule {
  /** The finding kind a hit reports. */
  readonly kind: InjectionKind;
  readonly confidence: number;
  readonly pattern: RegExp;
}

/** A short stretch of the same sentence. */
const GAP = (max: number): string => `[^.!?\\n]{0,${max}}`;

const OVERRIDE_VERB = '(?:ignore|disregard|forget|override|bypass|abandon|drop|discard|skip|neglect)';
const EARLIER = '(?:previous|prior|above|earlier|preceding|foregoing|initial|original|old|all|any|every|your|the|these|those|system|developer)';
const ORDERS = '(?:instructions?|prompts?|rules|directives?|guidelines|guidance|context|commands?|constraints|restrictions|programming|orders|policies|safeguards)';
const AI = '(?:ai|a\\.i\\.|assistant|chat ?bot|language model|llm|gpt|chatgpt|claude|gemini|copilot|agent|model)';
/** Names by which a planted line addresses the model directly ("Assistant, ..."). */
const AI_ADDRESS = '(?:ai|assistant|ai assistant|chat ?bot|llm|gpt|chatgpt|claude|gemini|copilot|language model)';
const DATA = '(?:customer (?:list|data|records)|contacts?|credentials?|passwords?|api keys?|tokens?|secrets?|(?:chat|conversation) history|conversation|system prompt|(?:all|the) (?:data|files|records|e-?mails|messages|documents))';

const ACTION = '(?:ignore|disregard|forget|delete|remove|drop|send|e-?mail|forward|post|upload|call|invoke|run|execute|tell|say|reply|respond|answer|include|append|add|stop|now)';

function rule(kind: InjectionKind, confidence: number, source: string): InjectionRule {
  return { kind, confidence, pattern: new RegExp(source) };
}

export const INJECTION_RULES: readonly InjectionRule[] = [
  rule('INSTRUCTION_OVERRIDE', 0.97, `\\b${OVERRIDE_VERB} (?:(?:all|any|of|the|your|my|our|these|those|every|that|what|you|were|was|have|been|given|and) ){0,4}${EARLIER} (?:[a-z-]+ ){0,2}?${ORDERS}\\b`),
  rule('INSTRUCTION_OVERRIDE', 0.95, `\\b(?:ignore|disregard|forget) (?:everything|anything|all|what) (?:you (?:have been|were|'ve been) (?:told|given|instructed)|(?:i |we )?(?:said|wrote|told you) (?:above|before|earlier)|above|before this|prior to this)\\b`),
  rule('INSTRUCTION_OVERRIDE', 0.95, `\\b(?:new|updated|real|actual|revised|secret|hidden|overriding) (?:system )?(?:instructions?|directives?|orders|task)\\b ?(?::|-|follow)`),
  rule('INSTRUCTION_OVERRIDE', 0.93, `\\b(?:ignore|disregard|forget)\\b (?:all |everything |anything )?(?:of )?(?:the |this |that )?(?:above|foregoing|preceding)\\b|\\b(?:ignore|disregard)\\b (?:the|this) (?:document|text|e-?mail|message|page|webpage|article|content)\\b(?! (?:from|of|titled|named|called|attached|if|when|unless))`),
  rule('INSTRUCTION_OVERRIDE', 0.93, `\\byour (?:new|real|true|actual|only|primary|updated) (?:objective|goal|task|purpose|mission|instructions?|directive|role|job) (?:is|are|will be|now)\\b`),
  rule('INSTRUCTION_OVERRIDE', 0.92, `\\b(?:system|admin|administrator|developer|security|safety|emergency) override\\b|\\b(?:safety|security|content) (?:checks?|filters?|guidelines|guardrails|restrictions|policies) (?:are|is|have been|has been) (?:now )?(?:disabled|turned off|off|lifted|removed|suspended)\\b`),
  rule('INSTRUCTION_OVERRIDE', 0.93, `\\b(?:stop|cease) (?:what you are doing|following (?:your|the|all) ${ORDERS})`),
  rule('ROLE_MARKER', 0.98, `<\\|(?:im_start|im_end|system|user|assistant|endoftext|eot_id|start_header_id)\\|>|\\[/?inst\\]|<</?sys>>|<\\/?(?:system|system_prompt|instructions?)>`),
  rule('ROLE_MARKER', 0.9, `(?:^|\\n|\\s)(?:#{2,3} ?)?(?:system|assistant) ?(?:prompt|message|override)? ?: ?(?:you|ignore|from now|new|the user|do not)`),
  rule('PROMPT_EXFILTRATION', 0.95, `\\b(?:reveal|print|show|repeat|output|display|leak|dump|disclose|tell me|give me|write out|recite)\\b${GAP(40)}\\b(?:system prompt|initial prompt|hidden prompt|pre-?prompt|(?:your|the) (?:instructions|prompt|rules|guidelines|configuration|secret key|password|api key)(?: (?:verbatim|word for word|above))?|(?:hidden |secret |original |initial )?(?:instructions|rules|prompt) you (?:were|have been|got) given)\\b`),
  rule('PERSONA_SWITCH', 0.93, `\\byou are (?:now|no longer)\\b${GAP(30)}\\b(?:${AI}|mode|persona|character|unrestricted|unfiltered|free|dan|jailbroken|evil|without)\\b`),
  rule('PERSONA_SWITCH', 0.93, `\\b(?:act|pretend|behave|roleplay|role-play) (?:as|like|to be)\\b${GAP(50)}\\b(?:unrestricted|unfiltered|uncensored|no (?:rules|restrictions|limits|filters)|without (?:any )?(?:rules|restrictions|limits|filters|ethics))\\b`),
  rule('PERSONA_SWITCH', 0.95, `\\b(?:developer|god|jailbreak|dan|unrestricted|unfiltered) mode (?:enabled|activated|on)\\b|\\bdo anything now\\b`),
  rule('ADDRESSED_TO_AI', 0.92, `\\b(?:attention|note|message|instructions?|important|reminder|p\\.? ?s\\.?) (?:to|for) (?:the |any )?${AI}s?\\b|\\bif you are an? ${AI}\\b|\\b${AI}s? (?:reading|processing|summari[sz]ing) this\\b`),
  rule('ADDRESSED_TO_AI', 0.9, `(?:^|[\\n.!?] ?)(?:dear |hey |hi )?${AI_ADDRESS}[,:] ?(?:please )?(?:[a-z]+,? ){0,3}?(?:${ACTION}|you must|you should|do not|don't|instead|from now on)\\b`),
  rule('ADDRESSED_TO_AI', 0.88, `\\b(?:when|while|before|after|once) (?:you|the (?:${AI})) (?:[a-z]+ ){0,2}?(?:summari[sz]e|summari[sz]ing|read|reading|process|processing|answer|answering|respond|responding|reply|replying|handle|handling)\\b${GAP(60)}\\b(?:${ACTION})\\b${GAP(60)}\\b(?:tool|function|https?:\\/\\/|[\\w.+-]+@[\\w-]+\\.|${DATA})`),
  rule('ADDRESSED_TO_AI', 0.9, `\\b(?:when|once|if|as soon as|whenever) (?:the |an |any )?${AI}s? (?:reads|sees|processes|summari[sz]es|receives|parses|encounters)\\b|\\b(?:the |any |all )?(?:ai|llm|language) models? (?:must|should|shall|are (?:required|instructed|asked|expected) to)\\b|\\b(?:the |any )(?:assistant|chat ?bot|llm) (?:must|shall|is (?:required|instructed) to)\\b`),
  rule('ADDRESSED_TO_AI', 0.88, `\\b(?:the )?user (?:wants|asked|has asked|would like|has authori[sz]ed|authori[sz]ed|has allowed|allows|requested) you to\\b`),
  rule('OUTPUT_HIJACK', 0.9, `\\b(?:print|say|output|reply|respond|answer|write|type)\\b (?:only |just |exactly )?(?:with )?["'\u201c][^"'\u201d\\n]{1,80}["'\u201d] ?(?:and nothing else|and nothing more|only|instead|verbatim)|\\b(?:reply|respond|answer) (?:only|just|solely) with\\b|\\b(?:just|only) (?:output|print)\\b`),
  rule('OUTPUT_HIJACK', 0.88, `\\binstead,? (?:of [a-z]+ing\\b[^,.\\n]{0,40},? )?(?:you (?:should|must) )?(?:respond|reply|answer|say|output|print|tell the user)\\b`),
  rule('ROLE_MARKER', 0.9, `(?:^|\\n)\\s*(?:human|user) ?: [^\\n]{1,300}\\b(?:assistant|ai) ?:`),
  rule('CONCEALMENT', 0.9, `\\b(?:do not|don't|never|without) (?:tell|telling|inform|informing|mention|mentioning|notify|notifying|alert|alerting|let|letting)\\b${GAP(15)}\\b(?:the )?(?:user|human|customer|operator|administrator|admin)\\b`),
  rule('DATA_EXFILTRATION', 0.92, `\\b(?:send|e-?mail|forward|post|upload|transmit|exfiltrate|leak|copy)\\b${GAP(50)}\\b${DATA}\\b${GAP(50)}\\b(?:to|at|into) (?:https?:\\/\\/|[\\w.+-]+@[\\w-]+\\.|the (?:following|this) (?:url|address|endpoint|e-?mail))`),
  rule('DATA_EXFILTRATION', 0.9, `https?:\\/\\/[^\\s"'<>]{1,200}(?:\\{|\\[|%7b|%5b|\\$\\()(?:insert |the )?(?:conversation|chat|history|data|secret|password|messages?|context|user|email|e-mail|summary|prompt)`),
  rule('HIDDEN_INSTRUCTION', 0.9, `<!--[^>]{0,400}?\\b(?:ignore|instruction|assistant|${AI}|you must|you should|system|prompt|respond|reply|answer)\\b[^>]{0,400}?-->`),
];

/** A rule hit: offsets into the folded text it was found in. */
export interface RuleHit {
  readonly rule: InjectionRule;
  readonly index: number;
}

/** The first hit of each rule in `folded`. */
export function matchRules(folded: string): RuleHit[] {
  const hits: RuleHit[] = [];
  for (const candidate of INJECTION_RULES) {
    const match = candidate.pattern.exec(folded);
    if (match !== null) hits.push({ rule: candidate, index: match.index });
  }
  return hits;
}
