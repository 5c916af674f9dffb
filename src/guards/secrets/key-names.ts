/**
 * How secret a key's name sounds. Names are split into words (`snake_case`, `kebab-case`,
 * `dotted.path`, `camelCase`, `SCREAMING_CASE`) and judged on the words:
 *
 * - `password`: password, passwd, pwd, pass, passphrase;
 * - `strong`: secret, token, credential(s), creds, bearer, pat, apikey, auth or authorization as
 *   the last word, and
 *   `key` qualified by api/access/secret/private/client/master/… (`api_key`, `PrivateKey`);
 * - `weak`: `key` with an unqualified word before it (`HEROKU_KEY`), `login`, `license` (alone,
 *   these words name map keys and user names: `none`);
 * - `vendor`: only a service's name (`sourcegraph: …`, `postmark: …`);
 * - `none`: anything else; names of public values (`PUBLIC_KEY`, `publishable_key`) and of hashes
 *   (`sha256`, `checksum`, `password_hash`); and any name whose last word says it holds something
 *   other than the secret itself (`token_url`, `secret_name`, `client_id`, `key_length`).
 */

/** How secret a name sounds, weakest first (see the module comment). */
export type NameStrength = 'none' | 'vendor' | 'weak' | 'strong' | 'password';

const WORD = /[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+/g;

/** Last words that describe a secret without being one. */
const NOT_THE_SECRET = new Set([
  'id', 'ids', 'uuid', 'guid', 'name', 'names', 'url', 'uri', 'urls', 'endpoint', 'host', 'hostname', 'domain', 'path',
  'file', 'filename', 'files', 'dir', 'folder', 'type', 'types', 'kind', 'length', 'len', 'size', 'count', 'num', 'min',
  'max', 'format', 'prefix', 'suffix', 'field', 'fields', 'header', 'headers', 'param', 'params', 'index', 'idx',
  'enabled', 'enable', 'disabled', 'required', 'expiry', 'expires', 'expiration', 'expire', 'ttl', 'timeout', 'version',
  'label', 'hint', 'regex', 'pattern', 'message', 'msg', 'error', 'policy', 'provider', 'method', 'alg', 'algorithm',
  'mode', 'class', 'schema', 'location', 'region', 'placeholder', 'description', 'desc', 'help', 'title', 'text', 'link',
  'selector', 'pressed', 'store', 'keystore', 'ref', 'reference', 'source', 'event', 'events', 'list', 'map', 'mapping',
  'pair', 'chars', 'charset', 'encoding', 'vault', 'manager', 'service', 'rotation', 'policy', 'hash', 'digest',
  'checksum', 'env', 'var', 'variable', 'arn', 'user', 'username', 'usr', 'email', 'account', 'owner',
  'generator', 'validator', 'factory', 'builder', 'helper', 'handler', 'callback', 'fn', 'func', 'function', 'getter',
  'setter', 'cache', 'storage', 'pool', 'status', 'state', 'flag', 'mask', 'visible', 'visibility', 'strength',
  'rule', 'rules', 'check', 'valid', 'invalid', 'test', 'tests', 'spec', 'mock', 'example', 'sample', 'template', 'input',
  'output', 'column', 'col', 'table', 'attr', 'attribute', 'option', 'options', 'config', 'settings', 'sid', 'tag',
  'frame', 'distance', 'ms', 'seconds', 'secs', 'sec', 'minutes', 'hours', 'days', 'at', 'date', 'time', 'timestamp',
  'by', 'from', 'to', 'of', 'fingerprint', 'thumbprint',
]);

/**
 * Services whose name alone, as a key, announces their credential (`sourcegraph: …`,
 * `postmark: …`). They make a name `vendor`: only a long random value counts.
 */
const VENDOR_WORDS = new Set([
  'adafruit', 'adobe', 'airtable', 'algolia', 'alibaba', 'asana', 'atlassian', 'auth0', 'aws', 'azure', 'beamer',
  'bitbucket', 'bittrex', 'clickhouse', 'cloudflare', 'codecov', 'coinbase', 'confluence', 'confluent', 'contentful',
  'databricks', 'datadog', 'digitalocean', 'discord', 'doppler', 'droneci', 'dropbox', 'duffel', 'dynatrace', 'easypost',
  'etsy', 'facebook', 'fastly', 'figma', 'finicity', 'finnhub', 'flickr', 'flutterwave', 'frameio', 'freshbooks', 'gcp',
  'github', 'gitlab', 'gitter', 'gocardless', 'grafana', 'harness', 'hashicorp', 'heroku', 'hubspot', 'huggingface',
  'intercom', 'jenkins', 'jfrog', 'jira', 'kraken', 'kucoin', 'launchdarkly', 'linear', 'linkedin', 'lob', 'looker',
  'mailchimp', 'mailgun', 'mapbox', 'mattermost', 'meraki', 'messagebird', 'netlify', 'newrelic', 'npm', 'nytimes',
  'okta', 'openai', 'pagerduty', 'paypal', 'plaid', 'planetscale', 'postman', 'postmark', 'pulumi', 'rapidapi', 'readme',
  'rubygems', 'sendbird', 'sendgrid', 'sendinblue', 'sentry', 'shippo', 'shopify', 'sidekiq', 'slack', 'snyk', 'sonar',
  'sourcegraph', 'square', 'squarespace', 'stripe', 'sumologic', 'telegram', 'travis', 'trello', 'twilio', 'twitch',
  'twitter', 'typeform', 'vault', 'yandex', 'zendesk',
]);

/** Names of digests and checksums: what follows is a hash of something, not a credential. */
const HASH_NAME = /sha\d|md5|checksum|digest|integrity|fingerprint|hash/;

/** Words that make a whole name public: `PUBLIC_KEY`, `STRIPE_PUBLISHABLE_KEY`, `NEXT_PUBLIC_…`. */
const PUBLIC_WORDS = new Set(['public', 'publishable', 'pub']);

/** Words before `key` that make it a secret's name (`api_key`, `PrivateKey`, `SECRET_KEY`). */
const KEY_QUALIFIERS = new Set([
  'api', 'access', 'secret', 'private', 'priv', 'client', 'master', 'signing', 'sign', 'encryption', 'encrypt', 'crypt',
  'auth', 'app', 'application', 'shared', 'preshared', 'account', 'stream', 'deploy', 'session', 'consumer', 'developer',
  'dev', 'service', 'admin', 'write', 'read', 'ingest', 'insert', 'query', 'webhook', 'bot', 'hmac', 'jwt', 'license',
  'server', 'storage', 'subscription', 'primary', 'secondary', 'sas', 'ssh', 'gpg', 'pgp', 'rsa', 'root', 'unseal',
  'recovery', 'provision', 'cipher', 'aes', 'user', 'personal', 'partner', 'merchant', 'live', 'prod', 'production',
]);

const STRONG_WORDS = new Set([
  'secret', 'secrets', 'token', 'tokens', 'credential', 'credentials', 'creds', 'cred', 'auth', 'authorization', 'bearer',
  'pat', 'apikey', 'apitoken', 'authtoken', 'accesstoken', 'privatekey', 'secretkey', 'accesskey', 'clientsecret',
  'appsecret', 'apisecret', 'sessionkey', 'passkey',
]);
const PASSWORD_WORDS = new Set(['password', 'passwd', 'pwd', 'pass', 'passphrase', 'passwort', 'passcode', 'pw', 'mdp', 'contrasena', 'senha']);
const AUTH_WORDS = new Set(['auth', 'authorization']);
/** `pw` counts as a word only when it stands apart (`db_pw`, `PW`), not inside `qmPw`. */
const SEPARATE_PW = /(?:^|[_.-])pw(?:$|[_.-])/i;
const WEAK_WORDS = new Set(['key', 'keys', 'login', 'license', 'sig', 'signature']);

/**
 * A cheap test that rules out most names before they are split into words: true when the name
 * contains any word that {@link classifyKeyName} could grade above `none`.
 */
export const MAYBE_SECRET_NAME = new RegExp(
  ['pass', 'pwd', 'pw', 'secret', 'token', 'key', 'cred', 'auth', 'bearer', 'pat', 'login', 'licen', 'sig', 'mdp', 'senha', 'contrase', ...VENDOR_WORDS].join('|'),
  'i',
);

/** The words of a key name, lower-cased. */
export function nameWords(name: string): string[] {
  return (name.match(WORD) ?? []).map((w) => w.toLowerCase());
}

function hasSubstring(words: readonly string[], needles: readonly string[]): boolean {
  for (const w of words) for (const n of needles) if (w.includes(n)) return true;
  return false;
}

/**
 * Judged names, kept because the same names (`password`, `api_key`, `DB_PASSWORD`) recur in every
 * text; cleared when full, so memory stays bounded whatever the input.
 */
const JUDGED = new Map<string, NameStrength>();
const JUDGED_MAX = 4096;

/** How secret a key named `name` sounds (see the module comment). */
export function classifyKeyName(name: string): NameStrength {
  let strength = JUDGED.get(name);
  if (strength === undefined) {
    if (JUDGED.size >= JUDGED_MAX) JUDGED.clear();
    strength = judgeKeyName(name);
    JUDGED.set(name, strength);
  }
  return strength;
}

function judgeKeyName(name: string): NameStrength {
  const words = nameWords(name);
  const last = words[words.length - 1];
  if (last === undefined || NOT_THE_SECRET.has(last) || words.some((w) => PUBLIC_WORDS.has(w))) return 'none';
  if (HASH_NAME.test(words.join(''))) return 'none';
  if (words.some((w) => PASSWORD_WORDS.has(w) && (w !== 'pw' || SEPARATE_PW.test(name))) || hasSubstring(words, ['password', 'passwd', 'passphrase'])) {
    return 'password';
  }
  // `auth` names the credential only at the end (`auth`, `basic_auth`), not in `authMetadata`.
  const strongWord = (w: string, i: number): boolean => STRONG_WORDS.has(w) && (!AUTH_WORDS.has(w) || i === words.length - 1);
  if (words.some(strongWord) || hasSubstring(words, ['secret', 'token', 'apikey', 'credential', 'privatekey'])) return 'strong';
  for (let i = 1; i < words.length; i++) {
    if ((words[i] === 'key' || words[i] === 'keys') && KEY_QUALIFIERS.has(words[i - 1] ?? '')) return 'strong';
  }
  // A bare `key` or `login` is a map key or a user name far more often than a credential.
  if (words.length > 1 && words.some((w) => WEAK_WORDS.has(w))) return 'weak';
  if (words.some((w) => VENDOR_WORDS.has(w))) return 'vendor';
  return 'none';
}
