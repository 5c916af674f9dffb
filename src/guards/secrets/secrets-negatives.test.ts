/**
 * Near misses the secrets detector must leave alone: placeholders and documentation values, short
 * values, identifiers (UUIDs, ids, hashes in lockfiles, commit SHAs, digests), public keys and
 * publishable keys, code that handles secrets without holding one, and prose about secrets.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALNUM, BASE64, FakeTokens, HEX, UPPER } from './fake-tokens.js';
import { createSecretsDetector } from './secrets-detector.js';

const detector = createSecretsDetector();
const t = new FakeTokens(11);

function expectNothing(texts: readonly string[]): void {
  for (const text of texts) {
    const findings = detector.detect(text);
    assert.deepEqual(
      findings.map((f) => `${f.kind}:${text.slice(f.start, f.end)}`),
      [],
      `expected no finding in ${JSON.stringify(text.slice(0, 200))}`,
    );
  }
}

describe('secrets detector: near misses', () => {
  it('ignores placeholders, templates and masked values', () => {
    expectNothing([
      'api_key = "${API_KEY}"',
      'API_TOKEN=$API_TOKEN',
      'token: <your-token>',
      'token: <YOUR_API_TOKEN_HERE>',
      'password: "********"',
      'password = "changeme"',
      'password: {{ .Values.db.password }}',
      'secret_key = "%(secret)s"',
      'DB_PASSWORD=$(cat /run/secrets/db_password)',
      'client_secret: "[your client secret]"',
      `AWS_SECRET_ACCESS_KEY=${'x'.repeat(40)}`,
      `GITHUB_TOKEN=ghp_${'x'.repeat(36)}`,
      `glpat-${'X'.repeat(20)}`,
      `SUMO_ACCESS_KEY=${'0'.repeat(64)}`,
      'api_key: YOUR_API_KEY',
      'password: SOME_PASSWORD',
      `secret = "${'ab'.repeat(12)}"`,
      'auth_token = os.environ["AUTH_TOKEN"]',
    ]);
  });

  it('ignores the documentation example keys', () => {
    // The AWS documentation pair, assembled so that this file holds no literal key.
    const exampleId = ['AKIA', 'IOSFODNN7', 'EXAMPLE'].join('');
    const exampleSecret = ['wJalrXUtnFEMI', '/K7MDENG/bPxRfiCY', 'EXAMPLEKEY'].join('');
    expectNothing([`aws_access_key_id = ${exampleId}\naws_secret_access_key = ${exampleSecret}`]);
  });

  it('ignores short values and values that are words', () => {
    expectNothing([
      'token = "abc123"',
      'password: "pass1"',
      'secret: "x"',
      'api_key = ""',
      "password => ''",
      'private_key "hopenobodyfindsthisone\';',
      'fake-cloud-iam-key= "not_long_enough"',
      'someotherpassword = "doesnt start right"',
      'PuttyPassword=0',
      'max_tokens: 4096',
      'token_type: "bearer"',
    ]);
  });

  it('ignores UUIDs and ids that are not under a secret name', () => {
    expectNothing([
      t.uuid(),
      `request_id = "${t.uuid()}"`,
      `"traceId": "${t.uuid()}"`,
      `client_id: ${t.uuid()}`,
      `kms_key_id: "${t.uuid()}"`,
      `<UserSecretsId>${t.uuid()}</UserSecretsId>`,
      `accessibilityOptionId = "${t.uuid()}"`,
      `InstrumentationKey=00000000-0000-0000-0000-000000000000;EndpointSuffix=ai.contoso.com`,
    ]);
  });

  it('ignores hashes in lockfiles, commit SHAs and image digests', () => {
    const sha512 = Buffer.from(t.chars(HEX, 64), 'hex').toString('base64') + Buffer.from(t.chars(HEX, 64), 'hex').toString('base64');
    expectNothing([
      `"node_modules/fastify": {\n  "version": "4.28.1",\n  "resolved": "https://registry.npmjs.org/fastify/-/fastify-4.28.1.tgz",\n  "integrity": "sha512-${sha512}"\n}`,
      `"strict-uri-encode@npm:^2.0.0":\n  version: 2.0.0\n  checksum: ${t.chars(HEX, 128)}\n  languageName: node`,
      `github.com/pkg/errors v0.9.1 h1:${t.chars(BASE64, 43)}=`,
      `[[package]]\nname = "serde"\nversion = "1.0.203"\nchecksum = "${t.chars(HEX, 64)}"`,
      `commit ${t.chars(HEX, 40)}\nAuthor: Dev <dev@example.org>`,
      `FROM node:20-alpine@sha256:${t.chars(HEX, 64)}`,
      `SRCREV_moby = "${t.chars(HEX, 40)}"`,
      `sonarqube-reporter-1.2.4.tgz#${t.chars(HEX, 40)}`,
      `ETag: "${t.chars(HEX, 32)}"`,
    ]);
  });

  it('ignores public keys, publishable keys and key metadata', () => {
    expectNothing([
      t.pem('PUBLIC KEY'),
      t.pem('CERTIFICATE'),
      `ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI${t.chars(BASE64, 43)} dev@laptop`,
      `STRIPE_PUBLISHABLE_KEY=pk_live_${t.chars(ALNUM, 24)}`,
      'key_length = XSalsa20.key_length',
      'KeyPair = X25519.KeyPair',
      '"key_name": "prod5zyxlmy-cmk"',
      'app.keystore.file=env/cert.p12',
      'token_url = "https://oauth2.googleapis.com/token"',
      'secret_name = "prod/db/password"',
    ]);
  });

  it('ignores code that handles secrets without holding one', () => {
    expectNothing([
      'const token = await getToken(req);',
      'password: hashedPassword,',
      'const secret = process.env.SECRET;',
      "if (!apiKey) throw new Error('missing api key');",
      "headers: { authorization: 'Bearer ' + token }",
      'self.password = password',
      'def login(self, user = \'\', password = \'\', domain = \'\'):',
      'char *password = NULL;',
      'tokenizer = AutoTokenizer.from_pretrained("bert-base-uncased")',
      'credentials: new AWS.SharedIniFileCredentials({ profile: \'<YOUR_PROFILE>\' })',
      'secretSize must be >= XXH3_SECRET_SIZE_MIN',
      'export function verifyToken(token: string): boolean {',
      'onresumptiontoken: options?.onresumptiontoken,',
      'this.#withCredentials = eventSourceInitDict?.withCredentials ?? false',
      'credentials: this.#credentials,',
      'const { calculateToken: calculateSha2Token } = require("./sha2");',
      'exports.discoverOAuthMetadata = discoverOAuthMetadata;',
      'saveTokens(tokens: OAuthTokens): void;',
      "packet.writeString('mysql_native_password', 'latin1');",
      "const columns = ['ADMIN', 'ROLE', 'PASSWORD', 'TOKENS'];",
    ]);
  });

  it('ignores prose about secrets and credentials', () => {
    expectNothing([
      'Set the password in the settings page, then rotate the API key every 90 days.',
      'The token expires after one hour; request a new one with your refresh token.',
      'Bearer tokens are sent in the Authorization header.',
      'password combination.\n\nR5: Regulatory--21',
      'Authentication-Results: mx.example.com; spf=pass',
      'Send `Authorization: Basic dXNlcjpwYXNz` (user:pass in base64), or run `curl -u user:pass` / `--user`.',
      "const config = parse('postgres://someuser:somepassword@somehost:381/somedatabase')",
      'See `postgres://user[:password]@host:port/db` in the docs.',
      'Use a secret manager for your keys: never commit a private key to the repository.',
    ]);
  });

  it('ignores encoded data without a secret context', () => {
    expectNothing([
      '"PS":"599123456","PT":"912345678","PW":"6201234","PY":"961456789"',
      `var data = "v^}?!VyR~Dr<g;u%Rn.~<5p[x'e\`wNZtR@3p]Pw:5pZhNvjBp.woe_g5u-r4JwF!%DtO3:ooc7";`,
      '"Unexpected_token_A_constructor_method_accessor_or_property_was_expected_1068": "予期しないトークンです。コンストラクター、メソッド、アクセサー、またはプロパティが必要です。",',
      `<img src="data:image/png;base64,${t.chars(BASE64, 400)}">`,
      `const blob = "${t.chars(BASE64, 200)}";`,
      `id: ${t.chars(UPPER, 20)}`,
      `${t.chars(ALNUM, 40)}`,
    ]);
  });
});
