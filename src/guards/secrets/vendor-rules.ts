/**
 * Vendor credentials without a distinctive prefix, recognised by the vendor's name followed closely
 * by a value of the vendor's documented shape (`OKTA_API_TOKEN = "00…"`, `sumo_access_id: su…`,
 * `"algolia": {"admin_key": "<32 alphanumerics>"}`), the way gitleaks' and Nosey Parker's keyword
 * rules match them; and a few more prefixed formats (PayPal/Braintree, Octopus Deploy, MaxMind,
 * Tailscale, PostHog, ElevenLabs, base64-encoded PEM keys, PuTTY key files).
 *
 * The vendor's name must occur within 40 characters before the value (any characters between, so
 * `variable "okta_token" {\n default = "…"` counts); the value must stand alone (not part of a
 * longer token) and, being random, hold letters and digits unless its shape says otherwise.
 */
import { Buffer } from 'node:buffer';
import type { SecretKind } from './secret-kinds.js';
import { shannonEntropy } from './secret-value.js';
import { B, back, BD, E, needsLetterAndDigit, rule, type RuleCheck, type TokenRule } from './token-rule.js';

const UUID = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

/** `word` matched in lower, upper or any mixed case. */
function anyCase(word: string): string {
  return [...word].map((ch) => (/[a-z]/i.test(ch) ? `[${ch.toLowerCase()}${ch.toUpperCase()}]` : ch.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&'))).join('');
}

/** A random value: letters and digits both, unless it is a UUID; and not too regular. */
const randomValue: RuleCheck = (value) => {
  if (/^[0-9a-f]{8}-/i.test(value)) return true;
  return /[A-Za-z]/.test(value) && /\d/.test(value) && shannonEntropy(value) >= 3.0;
};

/**
 * What may stand between a vendor's name and its value: the rest of a key name, quotes, brackets,
 * an assignment or mapping operator, white space (not `#`, `/`, `@`, `?`, `&`: a value after those
 * is part of a path, URL or lockfile entry).
 */
const GAP = String.raw`[\w.\- \t'"\x60\]\[:=>,({\r\n]{0,40}?`;

/**
 * A vendor name, then within 40 characters a value of shape `value` (a regex source) standing
 * alone. The secret is the value.
 */
function near(kind: SecretKind, confidence: number, names: readonly string[], value: string, check: RuleCheck = randomValue): TokenRule {
  const source = String.raw`(?:${names.map(anyCase).join('|')})${GAP}(?<![A-Za-z0-9_+/-])(${value})(?![A-Za-z0-9_+/=-])`;
  return rule(kind, confidence, [], source, { group: 1, check, anchor: { type: 'near', names: names.map((n) => n.toLowerCase()) } });
}

const NEAR_VENDOR: readonly TokenRule[] = [
  near('ALGOLIA_KEY', 0.7, ['algolia'], '[A-Za-z0-9]{32}'),
  near('ALIBABA_ACCESS_KEY', 0.7, ['alibaba'], '[A-Za-z0-9]{30}'),
  near('ASANA_TOKEN', 0.7, ['asana'], '[A-Za-z0-9]{32}'),
  near('ATLASSIAN_TOKEN', 0.7, ['atlassian', 'confluence', 'jira'], '[A-Za-z0-9]{24}'),
  near('BEAMER_TOKEN', 0.85, ['beamer'], 'b_[A-Za-z0-9=_-]{44}'),
  near('BITBUCKET_TOKEN', 0.7, ['bitbucket'], '[A-Za-z0-9]{32}|[A-Za-z0-9=_-]{64}'),
  near('BITTREX_KEY', 0.7, ['bittrex'], '[A-Za-z0-9]{32}'),
  near('BLYNK_TOKEN', 0.7, ['blynk'], '[A-Za-z0-9_-]{32}'),
  near('CLOUDFLARE_API_KEY', 0.7, ['cloudflare'], '[A-Za-z0-9_-]{40}|[a-f0-9]{37}'),
  near('CODECOV_TOKEN', 0.7, ['codecov'], `[A-Za-z0-9]{32}|${UUID}`),
  near('CODECLIMATE_TOKEN', 0.7, ['codeclima', 'CC_TEST_REPORTER'], '[a-f0-9]{64}'),
  near('COHERE_API_KEY', 0.7, ['cohere', 'CO_API_KEY'], '[A-Za-z0-9]{40}'),
  near('COINBASE_KEY', 0.7, ['coinbase'], '[A-Za-z0-9_-]{64}'),
  near('CONFLUENT_KEY', 0.7, ['confluent'], '[A-Za-z0-9]{16}|[A-Za-z0-9+/]{64}'),
  near('CONTENTFUL_TOKEN', 0.7, ['contentful'], '[A-Za-z0-9=_-]{43}'),
  near('DATADOG_KEY', 0.7, ['datadog', 'DD_API_KEY', 'DD_APP_KEY', 'DD_APPLICATION_KEY'], '[a-f0-9]{32}|[A-Za-z0-9]{40}'),
  near('DISCORD_TOKEN', 0.7, ['discord'], '[a-f0-9]{64}|[A-Za-z0-9=_-]{32}'),
  near('DRONE_CI_TOKEN', 0.7, ['droneci', 'drone'], '[A-Za-z0-9]{32}'),
  near('DROPBOX_TOKEN', 0.7, ['dropbox'], '[A-Za-z0-9]{15}|[A-Za-z0-9]{11}AAAAAAAAAA[A-Za-z0-9_=-]{43}'),
  near('ETSY_TOKEN', 0.7, ['etsy'], '[A-Za-z0-9]{24}'),
  near('FACEBOOK_TOKEN', 0.7, ['facebook', 'fb_app', 'fb_secret', 'FB_APP', 'FB_SECRET'], '[a-f0-9]{32}'),
  near('FASTLY_TOKEN', 0.7, ['fastly'], '[A-Za-z0-9=_-]{32}'),
  near('FINICITY_TOKEN', 0.7, ['finicity'], '[a-f0-9]{32}|[A-Za-z0-9]{20}'),
  near('FINNHUB_TOKEN', 0.7, ['finnhub'], '[A-Za-z0-9]{20}'),
  near('FLICKR_TOKEN', 0.7, ['flickr'], '[A-Za-z0-9]{32}'),
  near('FRESHBOOKS_TOKEN', 0.7, ['freshbooks'], '[A-Za-z0-9]{64}'),
  near('GITHUB_TOKEN', 0.7, ['github'], '[a-f0-9]{40}'),
  near('GITTER_TOKEN', 0.7, ['gitter'], '[A-Za-z0-9_-]{40}'),
  near('GOCARDLESS_TOKEN', 0.85, ['gocardless'], 'live_[A-Za-z0-9_=-]{40}', () => true),
  near('HEROKU_API_KEY', 0.7, ['heroku'], UUID),
  near('HUBSPOT_TOKEN', 0.7, ['hubspot'], UUID),
  near('INTERCOM_TOKEN', 0.7, ['intercom'], '[A-Za-z0-9=_-]{60}'),
  near('ARTIFACTORY_TOKEN', 0.7, ['jfrog', 'artifactory', 'bintray', 'xray'], '[A-Za-z0-9]{73}|[A-Za-z0-9]{64}'),
  near('JENKINS_TOKEN', 0.7, ['jenkins'], '[a-f0-9]{32,34}'),
  near('KRAKEN_KEY', 0.7, ['kraken'], '[A-Za-z0-9/=_+-]{80,90}'),
  near('KUCOIN_KEY', 0.7, ['kucoin'], `[a-f0-9]{24}|${UUID}`),
  near('KUBERNETES_TOKEN', 0.7, ['kubeadm', 'bootstrap', 'token'], '[a-z0-9]{6}\\.[a-z0-9]{16}'),
  near('LAUNCHDARKLY_TOKEN', 0.7, ['launchdarkly'], '[A-Za-z0-9=_-]{40}'),
  near('LINEAR_API_KEY', 0.7, ['linear'], '[a-f0-9]{32}'),
  near('LINKEDIN_SECRET', 0.6, ['linkedin', 'linked-in', 'linked_in'], '[A-Za-z0-9]{14,16}'),
  near('LOB_KEY', 0.8, ['lob'], '(?:live|test)_[a-f0-9]{35}|(?:test|live)_pub_[a-f0-9]{31}', () => true),
  near('LOOKER_SECRET', 0.7, ['looker'], '[A-Za-z0-9]{20}|[A-Za-z0-9]{24}'),
  near('MAILGUN_API_KEY', 0.7, ['mailgun'], '(?:pub)?key-[a-f0-9]{32}|[a-h0-9]{32}-[a-h0-9]{8}-[a-h0-9]{8}'),
  near('MANDRILL_KEY', 0.7, ['mandrill'], 'md-[A-Za-z0-9_-]{22}|[A-Za-z0-9_-]{22}'),
  near('MATTERMOST_TOKEN', 0.7, ['mattermost'], '[A-Za-z0-9]{26}'),
  near('MERAKI_KEY', 0.7, ['meraki'], '[0-9a-f]{40}'),
  near('MESSAGEBIRD_KEY', 0.7, ['messagebird', 'message-bird', 'message_bird'], `[A-Za-z0-9]{25}|${UUID}`),
  near('MISTRAL_API_KEY', 0.7, ['mistral'], '[A-Za-z0-9]{32}'),
  near('NETLIFY_TOKEN', 0.7, ['netlify'], '[A-Za-z0-9=_-]{40,46}'),
  near('NYTIMES_KEY', 0.7, ['nytimes', 'new-york-times', 'newyorktimes'], '[A-Za-z0-9=_-]{32}'),
  near('OKTA_TOKEN', 0.85, ['okta'], '00[A-Za-z0-9_=-]{40}'),
  near('PARTICLE_TOKEN', 0.7, ['particle'], '[a-f0-9]{40}'),
  near('PLAID_TOKEN', 0.7, ['plaid'], `[A-Za-z0-9]{24}|[A-Za-z0-9]{30}|access-(?:sandbox|development|production)-${UUID}`),
  near('POSTMARK_TOKEN', 0.7, ['postmark'], UUID),
  near('PRIVATEAI_KEY', 0.7, ['privateai', 'private_ai', 'private-ai'], '[A-Za-z0-9]{32}'),
  near('PUSHER_SECRET', 0.6, ['pusher'], '[a-f0-9]{20}'),
  near('RAPIDAPI_KEY', 0.7, ['rapidapi'], '[A-Za-z0-9_-]{50}'),
  near('SAUCE_TOKEN', 0.7, ['sauce'], UUID),
  near('SENDBIRD_TOKEN', 0.7, ['sendbird'], '[a-f0-9]{40}'),
  near('SNYK_TOKEN', 0.7, ['snyk'], UUID),
  near('SONAR_TOKEN', 0.7, ['sonar'], '(?:squ_|sqp_|sqa_)?[a-f0-9]{40}'),
  near('SQUARESPACE_TOKEN', 0.7, ['squarespace'], UUID),
  near('SUMOLOGIC_KEY', 0.7, ['sumo'], 'su[A-Za-z0-9]{12}|[A-Za-z0-9]{64}'),
  near('THINGSBOARD_TOKEN', 0.7, ['thingsboard'], '[A-Za-z0-9]{20}'),
  near('TRAVIS_TOKEN', 0.7, ['travis'], '[A-Za-z0-9]{22}'),
  near('TRELLO_KEY', 0.7, ['trello'], '[A-Za-z0-9]{32}|[a-f0-9]{64}'),
  near('TWILIO_AUTH_TOKEN', 0.7, ['twilio'], '[a-f0-9]{32}'),
  near('TWITCH_TOKEN', 0.7, ['twitch'], '[A-Za-z0-9]{30}'),
  near('TWITTER_SECRET', 0.7, ['twitter'], '[0-9]{15,25}-[A-Za-z0-9]{20,40}|[A-Za-z0-9]{35,50}|[A-Za-z0-9]{25}'),
  near('VONAGE_KEY', 0.6, ['nexmo', 'vonage'], '[A-Za-z0-9]{16}'),
  near('ZENDESK_TOKEN', 0.7, ['zendesk'], '[A-Za-z0-9]{40}'),
  near('AZURE_DEVOPS_PAT', 0.7, ['azure', 'devops', 'ado_', 'ADO_'], '[a-z2-7]{52}'),
  near('AZURE_OPENAI_KEY', 0.6, ['azure', 'AOAI'], '[a-f0-9]{32}'),
  near('DEEPSEEK_API_KEY', 0.8, ['deepseek'], 'sk-[a-f0-9]{32}'),
  near('TELEGRAM_BOT_TOKEN', 0.8, ['telegram', 'tgram'], '[0-9]{8,10}:[A-Za-z0-9_-]{35}'),
  near('FACEBOOK_TOKEN', 0.6, ['fb'], '[a-f0-9]{32}'),
];

/** `LS0tLS1CRUdJTi…`: base64 of a PEM block; a private key when the decoded label says so. */
const base64Pem: RuleCheck = (value) => /PRIVATE KEY/.test(Buffer.from(value.slice(0, 120), 'base64').toString('latin1'));

const PREFIXED: readonly TokenRule[] = [
  rule('FACEBOOK_TOKEN', 0.9, ['EAACEdEose0cBA'], String.raw`${B}EAACEdEose0cBA[A-Za-z0-9]{20,1000}${E}`),
  rule('PAYPAL_TOKEN', 0.95, ['access_token$'], String.raw`access_token\$(?:production|sandbox)\$[a-z0-9]{16}\$[a-f0-9]{32}${E}`, { allowRegular: true }),
  rule('OCTOPUS_API_KEY', 0.85, ['API-'], String.raw`${BD}API-[A-Z0-9]{26}${E}`, { check: needsLetterAndDigit }),
  rule('MAXMIND_KEY', 0.9, ['_mmk'], String.raw`${B}[A-Za-z0-9]{6}_[A-Za-z0-9]{29}_mmk${E}`, { anchor: back(36) }),
  rule('TAILSCALE_KEY', 0.95, ['tskey-'], String.raw`${BD}tskey-[a-z]{3,8}-[A-Za-z0-9]{6,20}-[A-Za-z0-9]{16,50}${E}`),
  rule('POSTHOG_KEY', 0.9, ['phx_'], String.raw`${B}phx_[A-Za-z0-9]{43}${E}`),
  rule('ELEVENLABS_API_KEY', 0.8, ['sk_'], String.raw`${B}sk_[a-f0-9]{48}${E}`),
  rule('NOTION_TOKEN', 0.85, ['secret_'], String.raw`${B}secret_[A-Za-z0-9]{43}${E}`, { check: needsLetterAndDigit }),
  rule('NETLIFY_TOKEN', 0.9, ['nfp_'], String.raw`${B}nfp_[A-Za-z0-9]{36}${E}`),
  rule('RENDER_TOKEN', 0.9, ['rnd_'], String.raw`${B}rnd_[A-Za-z0-9]{32}${E}`),
  rule('BUILDKITE_TOKEN', 0.9, ['bkua_'], String.raw`${B}bkua_[a-f0-9]{40}${E}`),
  rule('CIRCLECI_TOKEN', 0.9, ['CCIPAT_'], String.raw`${B}CCIPAT_[A-Za-z0-9]{22}_[a-f0-9]{40}${E}`),
  rule('AWS_APPSYNC_KEY', 0.85, ['da2-'], String.raw`${BD}da2-[a-z0-9]{26}${E}`, { check: needsLetterAndDigit }),
  rule('HASHICORP_TOKEN', 0.75, ['s.'], String.raw`${B}s\.[A-Za-z0-9]{24}${E}`, { check: (v) => needsLetterAndDigit(v, '', 0) === true && /[A-Z]/.test(v) && /[a-z]/.test(v.slice(2)) }),
  rule('AUTHRESS_KEY', 0.9, ['sc_', 'ext_', 'scauth_', 'authress_'], String.raw`${B}(?:sc|ext|scauth|authress)_[A-Za-z0-9]{5,30}\.[A-Za-z0-9]{4,6}\.acc[_-][A-Za-z0-9-]{10,32}\.[A-Za-z0-9+/_=-]{30,120}`),
  rule('GOOGLE_OAUTH_CLIENT_ID', 0.5, ['.apps.googleusercontent.com'], String.raw`${B}\d{8,14}-[a-z0-9]{32}\.apps\.googleusercontent\.com`, { anchor: back(...range(41, 47)) }),
  rule('PRIVATE_KEY', 0.9, ['LS0tLS1CRUdJTi'], String.raw`${B}LS0tLS1CRUdJTi[A-Za-z0-9+/]{40,20000}={0,2}(?![A-Za-z0-9+/=])`, { check: base64Pem }),
  rule(
    'PRIVATE_KEY',
    0.95,
    ['PuTTY-User-Key-File-'],
    String.raw`PuTTY-User-Key-File-[23]: [^\r\n]{1,64}\r?\n[\s\S]{0,4000}?Private-Lines: \d{1,3}\r?\n[A-Za-z0-9+/=\r\n]{20,8000}(?:Private-MAC: [a-f0-9]{40,64})?`,
    { allowRegular: true },
  ),
];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Vendor keyword rules and the extra prefixed formats. */
export const VENDOR_RULES: readonly TokenRule[] = [...NEAR_VENDOR, ...PREFIXED];
