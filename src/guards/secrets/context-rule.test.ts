import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passwordConfidence, shellWords, wordText } from './context-rule.js';
import { FakeTokens } from './fake-tokens.js';
import { createSecretsDetector } from './secrets-detector.js';

const t = new FakeTokens(37);

describe('context rules: shared parts', () => {
  it('judges literal passwords: six or more characters, no reference, no code; stand-ins only with low confidence', () => {
    for (const real of ['Tr0ub4dor3', 'hunter22', 'k9!mQ2#x', 'tigerlily']) assert.notEqual(passwordConfidence(real, true), null, real);
    for (const standIn of ['password', 'Password123', 'changeme', 'changeit', 'secret', 'myPassword']) {
      assert.equal(passwordConfidence(standIn, true), 0.35, standIn);
    }
    const fake = ['', 'abc12', 'your_password', '${DB_PASS}', '$PASS', '%PASS%',
      '<password>', '{{ pw }}', '********', 'xxxxxxxx', 'example123', 'DB_PASSWORD', 'env:PASS', '!vault', '-h'];
    for (const value of fake) assert.equal(passwordConfidence(value, true), null, value);
    assert.equal(passwordConfidence('config.password', false), null);
    assert.equal(passwordConfidence('getPass()', false), null);
    assert.equal(passwordConfidence('123456789', false), null);
    assert.ok((passwordConfidence('tigerlily', true) ?? 1) <= 0.5, 'a plain word is less sure');
  });

  it('reports stand-in passwords where the syntax says "password", with low confidence', () => {
    const detector = createSecretsDetector();
    for (const [text, value] of [
      ['mysql -u root -pchangeme', 'changeme'],
      ['machine example.com login user password secret', 'secret'],
      ["CREATE USER app IDENTIFIED BY 'password';", 'password'],
      ["HTTPBasicAuth('user', 'password')", 'password'],
      ['Server=db;Uid=app;Pwd=myPassword;', 'myPassword'],
      ['zip -P password out.zip a.txt', 'password'],
      ['smbclient //fs/share -U user%password', 'password'],
      ['credentials {\n  username "user"\n  password "password"\n}', 'password'],
      ['requirepass foobared', 'foobared'],
      ['keytool -list -keystore k.jks -storepass changeit', 'changeit'],
    ] as const) {
      const found = detector.detect(text);
      assert.deepEqual(found.map((f) => [text.slice(f.start, f.end), f.confidence]), [[value, 0.35]], text);
    }
  });

  it('splits a command line into shell words, with quotes, continuations and its end', () => {
    const text = `mysql -u 'app user' -p"s3 cret" \\\n  --host db; echo done`;
    const { words, end } = shellWords(text, 6);
    assert.deepEqual(words.map((w) => wordText(text, w)), ['-u', "'app user'", '-p"s3 cret"', '--host', 'db']);
    assert.equal(text.charAt(end), ';');
  });

  it('stays linear on adversarial inputs of every context anchor', () => {
    const detector = createSecretsDetector();
    const size = 200_000;
    const fill = (unit: string): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    const shapes = [
      'sshpass -p ', 'mysql -p', 'net use \\\\a /user:', 'password ', 'login a password ', ':5432:', 'a:$apr1$', 'kind: Secret\ndata:\n  a: ',
      '"kind": "Secret", "data": {', 'Cookie: sessionid=', 'auth=(', "NetworkCredential('", 'Password=', 'Pwd={', '?user=a&password=',
      'IDENTIFIED BY ', "CREATE USER a PASSWORD '", '_authToken=', '"auth": "', '[pypi]\npassword = ', 'ansible_ssh_pass: ',
      'a.password=', '<password>', '-storepass ', ' pass:', 'PrivateKey = ', 'SECRET_KEY = "', 'ConvertTo-SecureString "',
    ];
    const tail = t.checksummed('ghp_');
    for (const unit of shapes) {
      const text = `${fill(unit)} ${tail}`;
      const findings = detector.detect(text);
      assert.ok(findings.some((f) => text.slice(f.start, f.end) === tail), `the token after ${JSON.stringify(unit)}… is still found`);
    }
  });
});
