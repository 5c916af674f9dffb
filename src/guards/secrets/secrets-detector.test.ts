import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Finding } from '../finding.js';
import { ALNUM, BASE64, BASE64URL, DIGITS, FakeTokens, HEX, UPPER } from './fake-tokens.js';
import { createSecretsDetector, type SecretsDetectorOptions } from './secrets-detector.js';
import { expectSecret, findingFor } from './secret-expectations.js';
import { base62, crc32 } from './token-checksum.js';

const detector = createSecretsDetector();
const t = new FakeTokens(7);

/** The finding of `kind` on exactly `value`; any confidence unless `minConfidence` says otherwise. */
function expectKind(text: string, value: string, kind: string, minConfidence = 0): Finding {
  return expectSecret(text, value, kind, minConfidence);
}

describe('secrets detector: provider formats', () => {
  it('finds AWS access key ids and secret keys named as such', () => {
    const id = t.token('AKIA', UPPER + '234567', 16);
    const temp = t.token('ASIA', UPPER + '234567', 16);
    const secret = t.chars(BASE64, 40);
    const text = `[default]\naws_access_key_id = ${id}\naws_secret_access_key = ${secret}\nsession_key_id = ${temp}`;
    expectKind(text, id, 'AWS_ACCESS_KEY', 0.9);
    expectKind(text, temp, 'AWS_ACCESS_KEY', 0.9);
    expectKind(text, secret, 'AWS_SECRET_KEY', 0.85);
  });

  it('finds GCP API keys and the private key of a service-account file', () => {
    const apiKey = t.token('AIza', BASE64URL, 35);
    expectKind(`const firebaseConfig = { apiKey: "${apiKey}" };`, apiKey, 'GCP_API_KEY', 0.9);
    const pem = t.pem('PRIVATE KEY', 8, '\\n');
    const json = `{"type": "service_account", "project_id": "demo", "private_key_id": "${t.chars(HEX, 40)}", "private_key": "${pem}\\n"}`;
    expectKind(json, pem, 'PRIVATE_KEY', 0.95);
  });

  it('finds Azure storage keys, SAS signatures and AD client secrets', () => {
    const accountKey = `${t.chars(BASE64, 86)}==`;
    expectKind(`DefaultEndpointsProtocol=https;AccountName=acct;AccountKey=${accountKey};EndpointSuffix=core.windows.net`, accountKey, 'AZURE_STORAGE_KEY', 0.9);
    const sig = encodeURIComponent(`${t.chars(BASE64, 43)}=`);
    const sas = `https://acct.blob.core.windows.net/c/report.csv?sv=2022-11-02&ss=b&srt=o&sp=r&se=2030-01-01T00%3A00%3A00Z&sig=${sig}`;
    expectKind(sas, sig, 'AZURE_SAS_TOKEN', 0.85);
    const clientSecret = `${t.chars(ALNUM, 3)}8Q~${t.chars(ALNUM + '_-.', 34)}`;
    expectKind(`AZURE_CLIENT_SECRET=${clientSecret}`, clientSecret, 'AZURE_CLIENT_SECRET', 0.85);
  });

  it('finds GitHub tokens and trusts a valid checksum more', () => {
    const valid = t.checksummed('ghp_');
    const invalid = t.checksummed('ghp_', false);
    assert.equal(expectKind(`token: ${valid}`, valid, 'GITHUB_TOKEN').confidence, 0.99);
    assert.equal(expectKind(`token: ${invalid}`, invalid, 'GITHUB_TOKEN').confidence, 0.9);
    for (const prefix of ['gho_', 'ghu_', 'ghs_', 'ghr_']) {
      const token = t.token(prefix, ALNUM, 36);
      expectKind(`git remote set-url origin https://x-access-token:${token}@github.com/org/repo.git`, token, 'GITHUB_TOKEN', 0.9);
    }
    const fineGrained = `github_pat_${t.chars(ALNUM, 22)}_${t.chars(ALNUM, 59)}`;
    expectKind(`GH_TOKEN=${fineGrained}`, fineGrained, 'GITHUB_TOKEN', 0.9);
  });

  it('checks the GitHub checksum with CRC-32 and base 62', () => {
    assert.equal(crc32('123456789'), 0xcbf43926);
    assert.equal(base62(61, 2), '0z');
    assert.equal(base62(62, 3), '010');
  });

  it('finds GitLab, Slack, Stripe, OpenAI, Anthropic and npm tokens', () => {
    const gitlab = t.token('glpat-', BASE64URL, 20);
    expectKind(`export GITLAB_TOKEN=${gitlab}`, gitlab, 'GITLAB_TOKEN', 0.9);
    const slack = `xoxb-${t.chars(DIGITS, 12)}-${t.chars(DIGITS, 13)}-${t.chars(ALNUM, 24)}`;
    expectKind(`SLACK_BOT_TOKEN="${slack}"`, slack, 'SLACK_TOKEN', 0.9);
    const hookPath = `T${t.chars(UPPER + DIGITS, 8)}/B${t.chars(UPPER + DIGITS, 10)}/${t.chars(ALNUM, 24)}`;
    expectKind(`curl -X POST https://hooks.slack.com/services/${hookPath} -d '{}'`, hookPath, 'SLACK_WEBHOOK', 0.9);
    const live = t.token('sk_live_', ALNUM, 24);
    const test = t.token('sk_test_', ALNUM, 24);
    const restricted = t.token('rk_live_', ALNUM, 24);
    assert.equal(expectKind(`stripe.api_key = "${live}"`, live, 'STRIPE_KEY').confidence, 0.95);
    assert.equal(expectKind(`STRIPE_KEY=${test}`, test, 'STRIPE_KEY').confidence, 0.8);
    expectKind(`key: ${restricted}`, restricted, 'STRIPE_KEY', 0.9);
    const openai = `sk-proj-${t.chars(BASE64URL, 40)}T3BlbkFJ${t.chars(BASE64URL, 40)}`;
    expectKind(`OPENAI_API_KEY=${openai}`, openai, 'OPENAI_API_KEY', 0.95);
    const anthropic = `sk-ant-api03-${t.chars(BASE64URL, 93)}AA`;
    expectKind(`client = Anthropic(api_key="${anthropic}")`, anthropic, 'ANTHROPIC_API_KEY', 0.95);
    const npm = t.checksummed('npm_');
    assert.equal(expectKind(`//registry.npmjs.org/:_authToken=${npm}`, npm, 'NPM_TOKEN').confidence, 0.99);
  });

  it('finds Twilio, SendGrid, Mailgun, Shopify, Heroku, DigitalOcean and Datadog credentials', () => {
    const cases: [string, string, string][] = [
      [t.token('SK', HEX, 32), 'TWILIO_API_KEY', 'twilio.api_key_sid = '],
      [`SG.${t.chars(BASE64URL, 22)}.${t.chars(BASE64URL, 43)}`, 'SENDGRID_API_KEY', 'sendgrid: '],
      [t.token('key-', HEX, 32), 'MAILGUN_API_KEY', 'mailgun: '],
      [t.token('shpat_', HEX, 32), 'SHOPIFY_TOKEN', 'shop: '],
      [`HRKU-AA${t.chars(BASE64URL, 58)}`, 'HEROKU_API_KEY', 'heroku: '],
      [t.token('dop_v1_', HEX, 64), 'DIGITALOCEAN_TOKEN', 'do: '],
    ];
    for (const [token, kind, before] of cases) expectKind(`${before}${token}`, token, kind, 0.75);
    // Datadog and legacy Heroku keys have no prefix: the vendor's name next to a value of their shape.
    const ddKey = t.chars(HEX, 32);
    expectKind(`DD_API_KEY=${ddKey}`, ddKey, 'DATADOG_KEY', 0.7);
    const herokuKey = t.uuid();
    expectKind(`HEROKU_API_KEY: ${herokuKey}`, herokuKey, 'HEROKU_API_KEY', 0.7);
  });
});

describe('secrets detector: structure', () => {
  it('finds JWTs whose header names an alg, with less confidence when unsigned', () => {
    const signed = t.jwt();
    assert.equal(expectKind(`Authorization: Bearer ${signed}`, signed, 'JWT').confidence, 0.92);
    const none = t.jwt({ alg: 'none' }, { sub: 'x' }, false);
    assert.equal(expectKind(`token=${none}`, none, 'JWT').confidence, 0.7);
    const twoParts = signed.split('.').slice(0, 2).join('.');
    assert.equal(expectKind(`jwt: ${twoParts}`, twoParts, 'JWT').confidence, 0.6);
  });

  it('ignores dotted base64 that is not a JOSE header', () => {
    const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString('base64url');
    const noAlg = `${part({ typ: 'JWT', kid: 'k1' })}.${part({ sub: 'x' })}.${t.chars(BASE64URL, 43)}`;
    assert.deepEqual(detector.detect(`value ${noAlg}`), []);
    assert.deepEqual(detector.detect('eyJAAAA.eyJBBB and eyJhbGciOi.eyJzdWIi'), []);
  });

  it('finds PEM private keys of every flavour and spans the whole block', () => {
    for (const label of ['RSA PRIVATE KEY', 'EC PRIVATE KEY', 'PRIVATE KEY', 'OPENSSH PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'PGP PRIVATE KEY BLOCK']) {
      const pem = t.pem(label);
      expectKind(`key file:\n${pem}\n`, pem, 'PRIVATE_KEY', 0.95);
    }
    const dashes = '-'.repeat(5);
    const encrypted = `${dashes}BEGIN RSA PRIVATE KEY${dashes}\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,${t.chars(HEX, 32).toUpperCase()}\n\n${t.chars(BASE64, 64)}\n${t.chars(BASE64, 64)}\n${dashes}END RSA PRIVATE KEY${dashes}`;
    expectKind(encrypted, encrypted, 'PRIVATE_KEY', 0.95);
  });

  it('reports a truncated private key with less confidence and skips empty or public blocks', () => {
    const dashes = '-'.repeat(5);
    const head = `${dashes}BEGIN PRIVATE KEY${dashes}\n${t.chars(BASE64, 64)}\n${t.chars(BASE64, 64)}`;
    assert.equal(expectKind(`${head}\n`, head, 'PRIVATE_KEY').confidence, 0.85);
    assert.deepEqual(detector.detect(`${dashes}BEGIN PRIVATE KEY${dashes}\nanything\n${dashes}END PRIVATE KEY${dashes}`), []);
    assert.deepEqual(detector.detect(`${dashes}BEGIN OPENSSH PRIVATE KEY${dashes}${dashes}END OPENSSH PRIVATE KEY${dashes}`), []);
    assert.deepEqual(detector.detect(t.pem('PUBLIC KEY')), []);
    assert.deepEqual(detector.detect(t.pem('CERTIFICATE')), []);
  });

  it('finds crypt(3) password hashes', () => {
    const bcrypt = `$2b$12$${t.chars(ALNUM + './', 53)}`;
    expectKind(`admin:${bcrypt}:19000:0:99999:7:::`, bcrypt, 'PASSWORD_HASH', 0.85);
    const sha512 = `$6$${t.chars(ALNUM, 8)}$${t.chars(ALNUM + './', 86)}`;
    expectKind(`root:${sha512}:19000`, sha512, 'PASSWORD_HASH', 0.85);
  });
});

describe('secrets detector: passwords in URLs, connection strings and headers', () => {
  it('finds the password in a URL user info and spans only the password', () => {
    const pw = `${t.chars(ALNUM, 10)}!${t.chars(DIGITS, 2)}`;
    for (const url of [`postgres://app:${pw}@db.internal:5432/app`, `mongodb+srv://svc:${pw}@cluster0.abcde.mongodb.net/db`, `redis://:${pw}@cache:6379/0`, `amqp://guest2:${pw}@mq/`]) {
      expectKind(`DATABASE_URL=${url}`, pw, 'URL_PASSWORD', 0.8);
    }
  });

  it('skips URLs whose password is a variable, a stand-in or missing, and documentation hosts', () => {
    const docs = `https://admin:${t.chars(ALNUM, 12)}9@db.example.com/app`;
    for (const url of ['postgres://app:${DB_PASSWORD}@db/app', 'https://user:password@example.org', 'http://localhost:8080/path', 'ssh://git@github.com/org/repo', 'https://url:8000 @something', docs]) {
      assert.deepEqual(detector.detect(url), [], url);
    }
  });

  it('finds password= in DSNs and query strings', () => {
    const pw = `Xy7#${t.chars(ALNUM, 8)}`;
    expectKind(`Server=db;Database=app;User Id=app;Password=${pw};Encrypt=true`, pw, 'CONNECTION_STRING_PASSWORD', 0.5);
    const q = t.chars(ALNUM, 12) + '9';
    expectKind(`https://api.example.org/login?user=alice&password=${q}&next=/`, q, 'CONNECTION_STRING_PASSWORD', 0.5);
  });

  it('finds credentials in curl -u, .netrc and authorization headers', () => {
    const pw = `${t.chars(ALNUM, 12)}7`;
    expectKind(`curl -u deploy:${pw} https://ci.example.org/api`, pw, 'BASIC_AUTH', 0.75);
    expectKind(`machine api.example.org login deploy password ${pw}`, pw, 'PASSWORD_IN_CONFIG', 0.8);
    const basic = Buffer.from(`deploy:${pw}`).toString('base64');
    expectKind(`Authorization: Basic ${basic}`, basic, 'BASIC_AUTH', 0.8);
    const bearer = `${t.chars(ALNUM, 30)}4`;
    expectKind(`-H "Authorization: Bearer ${bearer}"`, bearer, 'BEARER_TOKEN', 0.7);
    assert.deepEqual(detector.detect('curl -u "$USER:$PASS" https://x'), []);
    assert.deepEqual(detector.detect('-H "Authorization: Bearer $API_KEY"'), []);
  });
});

describe('secrets detector: contract', () => {
  it('reports one finding per secret when rules overlap, the most confident one', () => {
    const token = t.checksummed('ghp_');
    const findings = detector.detect(`GITHUB_TOKEN="${token}"`);
    assert.equal(findings.length, 1);
    assert.equal(findings[0]?.kind, 'GITHUB_TOKEN');
  });

  it('never throws, whatever the string', () => {
    const odd = ['', ' ', '\u0000', '\ud800\udc00\ud800', '=', ':', '"', '-----BEGIN', 'eyJ', 'token=', 'x'.repeat(100_000), '🔑'.repeat(1000)];
    for (const text of odd) assert.ok(Array.isArray(detector.detect(text)));
    assert.deepEqual(detector.detect(undefined as unknown as string), []);
    assert.deepEqual(detector.detect(42 as unknown as string), []);
  });

  it('checks options at construction', () => {
    const bad: unknown[] = [null, { minConfidence: 2 }, { kinds: ['NOPE'] }, { kinds: 'JWT' }, { entropyThreshold: -1 }, { minGenericLength: 4 }, { colour: 'red' }, { contextRules: 'yes' }];
    for (const options of bad) assert.throws(() => createSecretsDetector(options as SecretsDetectorOptions), TypeError, JSON.stringify(options));
  });

  it('filters by kind and confidence, and can turn the context rules off', () => {
    const token = t.checksummed('ghp_');
    const secret = t.chars(ALNUM, 32);
    const text = `github=${token}\napi_secret="${secret}"`;
    assert.deepEqual(createSecretsDetector({ kinds: ['GITHUB_TOKEN'] }).detect(text).map((f) => f.kind), ['GITHUB_TOKEN']);
    assert.deepEqual(createSecretsDetector({ minConfidence: 0.9 }).detect(text).map((f) => f.kind), ['GITHUB_TOKEN']);
    assert.deepEqual(createSecretsDetector({ contextRules: false }).detect(text).map((f) => f.kind), ['GITHUB_TOKEN']);
    assert.deepEqual(detector.detect(text).map((f) => f.kind), ['GITHUB_TOKEN', 'GENERIC_SECRET']);
  });

  it('scans 5 MB adversarial inputs to the end (linear patterns, no catastrophic backtracking)', () => {
    const size = 5_000_000;
    const fill = (unit: string, length: number): string => unit.repeat(Math.ceil(length / unit.length)).slice(0, length);
    const shapes = [
      'a', 'A', ' A', 'token=', "token='", '"api_key": "', 'eyJ', 'eyJhbGciOi.', 'AKIA', '-----BEGIN PRIVATE KEY-----\n', 'https://a:b@',
      ':@', 'x=', 'Authorization: ', 'Bearer ', '--token ', '<password>', '?sv=1&sig=', 'aaa1Q~', '$2a$10$', 'glpat-', 'a.b.c=', 'AccountKey=',
      '-u "a', 'psexec ', 'machine ', '\\n', '"', '-',
    ];
    const tail = t.checksummed('ghp_');
    // Each shape alone at full size, then all of them in one 5 MB text.
    const inputs = ['token=', "token='", 'a'].map((unit) => fill(unit, size));
    inputs.push(shapes.map((unit) => fill(unit, Math.floor(size / shapes.length))).join('\n'));
    for (const input of inputs) {
      const text = `${input} ${tail}`;
      const findings = detector.detect(text);
      assert.ok(findings.some((f) => text.slice(f.start, f.end) === tail), `the token after ${JSON.stringify(input.slice(0, 20))}… is still found`);
    }
  });
});
