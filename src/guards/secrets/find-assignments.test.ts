import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALNUM, BASE64, DIGITS, FakeTokens, HEX, LOWER } from './fake-tokens.js';
import { findAssignments } from './find-assignments.js';
import { DEFAULT_THRESHOLDS } from './judge-value.js';
import { classifyKeyName } from './key-names.js';
import { shannonEntropy } from './secret-value.js';

const t = new FakeTokens(23);

/** The values findAssignments reports in `text`, as strings. */
function values(text: string, thresholds = DEFAULT_THRESHOLDS): string[] {
  return findAssignments(text, thresholds).map((m) => text.slice(m.start, m.end));
}

describe('key names', () => {
  it('grades names by how secret they sound', () => {
    const cases: [string, string][] = [
      ['password', 'password'], ['DB_PASSWD', 'password'], ['smtpPass', 'password'], ['PGPASSWORD', 'password'],
      ['api_key', 'strong'], ['X-Api-Key', 'strong'], ['apiKey', 'strong'], ['client_secret', 'strong'], ['AUTH_TOKEN', 'strong'],
      ['PrivateKey', 'strong'], ['PresharedKey', 'strong'], ['credentials', 'strong'], ['ado_pat', 'strong'], ['_authToken', 'strong'],
      ['HEROKU_KEY', 'weak'], ['sonar.login', 'weak'], ['license_key', 'strong'],
      ['key', 'none'], ['login', 'none'], ['client_id', 'none'], ['token_url', 'none'], ['secret_name', 'none'], ['key_length', 'none'],
      ['password_file', 'none'], ['keyword', 'none'], ['monkey', 'none'], ['PUBLIC_KEY', 'none'], ['username', 'none'],
    ];
    for (const [name, strength] of cases) assert.equal(classifyKeyName(name), strength, name);
  });
});

describe('generic secrets by name and entropy', () => {
  it('reports a high-entropy value under a secret name, spanning the value and not the name', () => {
    const secret = t.chars(ALNUM, 32);
    for (const text of [
      `api_secret = "${secret}"`,
      `API_SECRET=${secret}`,
      `{"client_secret": "${secret}"}`,
      `client_secret: '${secret}'`,
      `clientSecret := "${secret}"`,
      `'auth_token' => '${secret}',`,
      `os.environ["SERVICE_TOKEN"] = "${secret}"`,
      `getenv("API_TOKEN", "${secret}")`,
      `mycli --api-token ${secret}`,
      `mycli --api-token=${secret}`,
      `<add key="ServiceApiKey" value="${secret}" />`,
      `<apiToken>${secret}</apiToken>`,
    ]) {
      const found = findAssignments(text);
      assert.equal(found.length, 1, text);
      assert.equal(text.slice(found[0]?.start, found[0]?.end), secret, text);
      assert.equal(found[0]?.kind, 'GENERIC_SECRET');
    }
  });

  it('uses the entropy threshold for 16+ character values and a lower tier below it', () => {
    const random = t.chars(ALNUM, 24);
    assert.ok(shannonEntropy(random) > 3.5);
    const found = findAssignments(`token = "${random}"`);
    assert.ok((found[0]?.confidence ?? 0) >= 0.6);
    // Above the bar set by options the same value falls back to the mixed-characters tier.
    const strict = findAssignments(`token = "${random}"`, { ...DEFAULT_THRESHOLDS, entropy: 6 });
    assert.equal(strict[0]?.confidence, 0.4);
    // A 16+ character value with little entropy and no mixing is not reported at all.
    assert.deepEqual(values(`token = "${'ab'.repeat(4)}${'cd'.repeat(4)}"`), []);
    // Short mixed values: the lower tier (0.4).
    const short = `${t.chars(LOWER, 6)}${t.chars(DIGITS, 4)}`;
    assert.equal(findAssignments(`secret: "${short}"`)[0]?.confidence, 0.4);
  });

  it('reports AWS secret keys by name and shape', () => {
    const secret = t.chars(BASE64, 40);
    const found = findAssignments(`aws_secret_access_key = ${secret}`);
    assert.equal(found[0]?.kind, 'AWS_SECRET_KEY');
    assert.equal(found[0]?.confidence, 0.9);
  });

  it('reports passwords that are not words or references, and quoted words with less confidence', () => {
    const password = `Tr0ub4dor#${t.chars(ALNUM, 4)}`;
    assert.deepEqual(values(`DB_PASSWORD=${password}`), [password]);
    assert.deepEqual(values(`$password = "goodspec";`), ['goodspec']);
    assert.equal(findAssignments(`$password = "goodspec";`)[0]?.confidence, 0.45);
    assert.deepEqual(values('password: goodspec'), ['goodspec'], 'a key-value line (YAML, env, ini) holds data');
    assert.deepEqual(values('login({ password: goodspec })'), [], 'in code, an unquoted word is a variable');
    assert.deepEqual(values('smtp_password = "hunter"'), ['hunter']);
    assert.deepEqual(values('smtp_password = "pass1"'), []);
    assert.deepEqual(values('password = "password"'), []);
  });

  it('tells an unquoted random password from a variable name: the letters of a password are no words', () => {
    for (const password of ['Hk29vpLq7x', 'Zr8kq2Lm9xAb', 'pQ7xW2vRk9']) assert.deepEqual(values(`DB_PASSWORD=${password}`), [password], password);
    for (const code of ['hashedPassword', 'userPassword2', 'calculateShaToken', 'newPwd']) assert.deepEqual(values(`password = ${code}`), [], code);
  });

  it('needs a long random value under a name that only says key', () => {
    const long = t.chars(HEX, 40);
    assert.deepEqual(values(`license_key: ${long}`), [long]);
    assert.deepEqual(values(`HEROKU_KEY = "${long}"`), [long]);
    assert.deepEqual(values(`CACHE_KEY = "${t.chars(ALNUM, 20)}"`), []);
    assert.deepEqual(values(`key = "${long}"`), []);
    assert.deepEqual(values('"bucket_key": "SalesResults-1.2"'), []);
    assert.deepEqual(values('schemaKey = \'DOC_Vector_5_32\''), []);
  });

  it('leaves locators, code and values with spaces alone', () => {
    assert.deepEqual(
      values(
        [
          'token_endpoint = "https://auth.example.org/token"',
          'secret = "./secrets/prod.json"',
          'auth = "user@example.org"',
          'credentials = "creds.example.org"',
          'secret_version = "1.2.3"',
          'token = getToken()',
          'token = this.tokenStore.current',
          'password = "correct horse battery staple"',
          'auth: basicAuthenticationHandler',
        ].join('\n'),
      ),
      [],
    );
  });

  it('reads a name and a token separated by whitespace only when the value is plainly a token', () => {
    const token = t.chars(ALNUM, 40);
    assert.deepEqual(values(`ENV API_TOKEN ${token}`), [token]);
    assert.deepEqual(values(`Access Token      ${token}`), [token]);
    assert.deepEqual(values(`HEROKU_KEY ${token}`), []);
    assert.deepEqual(values('token verification failed for the configured issuer'), []);
    assert.deepEqual(values(`password ${t.chars(LOWER, 20)}`), []);
  });

  it('does not read user info in a URL as an assignment', () => {
    assert.deepEqual(values(`https://token:${t.chars(ALNUM, 30)}@example.org/repo.git`), []);
  });
});
