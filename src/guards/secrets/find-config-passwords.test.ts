import assert from 'node:assert/strict';
import { Buffer } from 'node:buffer';
import { describe, it } from 'node:test';
import { ALNUM, BASE64, FakeTokens, HEX } from './fake-tokens.js';
import { expectNone, expectSecret, randomPassword } from './secret-expectations.js';
import { createSecretsDetector } from './secrets-detector.js';

const detector = createSecretsDetector();
const t = new FakeTokens(29);

const pw = (): string => randomPassword(t);
const b64 = (s: string): string => Buffer.from(s).toString('base64');

describe('context rules: configuration files', () => {
  it('finds .netrc, .pgpass, Ansible, properties, Maven, Gradle and Redis passwords', () => {
    const p = pw();
    const cases: [string, string][] = [
      [`machine api.internal login deploy password ${p}`, p],
      [`machine git.internal\n  login deploy\n  password ${p}\n`, p],
      [`default login anonymous password ${p}`, p],
      [`db.internal:5432:app:app:${p}`, p],
      [`*:*:*:postgres:${p}`, p],
      [`ansible_ssh_pass: ${p}`, p],
      [`web1 ansible_host=10.0.0.1 ansible_become_password='${p}'`, p],
      [`spring.datasource.password=${p}`, p],
      [`<server><id>nexus</id><username>deploy</username><password>${p}</password></server>`, p],
      [`credentials {\n  username 'deploy'\n  password '${p}'\n}`, p],
      [`requirepass ${p}`, p],
      [`masterauth "${p}"`, p],
    ];
    for (const [text, value] of cases) expectSecret(text, value, 'PASSWORD_IN_CONFIG', 0.7);
  });

  it('finds htpasswd entries by their hash', () => {
    const apr1 = `$apr1$${t.chars(ALNUM, 8)}$${t.chars(ALNUM + './', 22)}`;
    const sha = `{SHA}${t.chars(BASE64, 27)}=`;
    const bcrypt = `$2y$10$${t.chars(ALNUM + './', 53)}`;
    expectSecret(`admin:${apr1}\nops:${sha}\nweb:${bcrypt}`, apr1, 'HTPASSWD_HASH', 0.9);
    expectSecret(`admin:${apr1}\nops:${sha}\nweb:${bcrypt}`, sha, 'HTPASSWD_HASH', 0.9);
    expectSecret(`admin:${apr1}\nops:${sha}\nweb:${bcrypt}`, bcrypt, 'HTPASSWD_HASH', 0.9);
  });

  it('finds registry credentials: Docker auths, .npmrc, .yarnrc.yml, .pypirc and NuGet', () => {
    const p = pw();
    const auth = b64(`ci:${p}`);
    expectSecret(`{"auths": {"registry.internal": {"auth": "${auth}"}}}`, auth, 'REGISTRY_CREDENTIAL', 0.8);
    const token = t.uuid();
    expectSecret(`//npm.internal/:_authToken=${token}`, token, 'REGISTRY_CREDENTIAL', 0.8);
    const npmAuth = b64(`bob:${p}`);
    expectSecret(`_auth=${npmAuth}\nalways-auth=true`, npmAuth, 'REGISTRY_CREDENTIAL', 0.8);
    const npmPassword = b64(p);
    expectSecret(`//npm.internal/:username=bob\n//npm.internal/:_password=${npmPassword}`, npmPassword, 'REGISTRY_CREDENTIAL', 0.7);
    expectSecret(`npmRegistries:\n  "https://npm.internal":\n    npmAuthIdent: "bob:${p}"`, `bob:${p}`, 'REGISTRY_CREDENTIAL', 0.7);
    expectSecret(`[distutils]\nindex-servers = internal\n\n[pypi]\nusername = bob\npassword = ${p}\n`, p, 'REGISTRY_CREDENTIAL', 0.7);
    expectSecret(`<packageSourceCredentials><internal><add key="Username" value="bob" /><add key="ClearTextPassword" value="${p}" /></internal></packageSourceCredentials>`, p, 'REGISTRY_CREDENTIAL', 0.8);
  });

  it('finds the entries of Kubernetes Secret manifests, YAML and JSON', () => {
    const p = pw();
    const yaml = `apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\ntype: Opaque\ndata:\n  username: ${b64('app')}\n  password: ${b64(p)}\nstringData:\n  api-token: ${p}x\n`;
    expectSecret(yaml, b64(p), 'KUBERNETES_SECRET', 0.7);
    expectSecret(yaml, `${p}x`, 'KUBERNETES_SECRET', 0.7);
    assert.equal(detector.detect(yaml).length, 2, 'the username is not reported');
    const json = `{"apiVersion": "v1", "kind": "Secret", "data": {"namespace": "${b64('prod')}", "token": "${b64(t.chars(ALNUM, 32))}"}}`;
    assert.equal(detector.detect(json).filter((f) => f.kind === 'KUBERNETES_SECRET').length, 1);
  });

  it('finds WireGuard keys, Django and Rails secret keys and session cookies', () => {
    const wg = `${t.chars(BASE64, 42)}A=`;
    expectSecret(`[Interface]\nAddress = 10.0.0.2/32\nPrivateKey = ${wg}\n`, wg, 'WIREGUARD_KEY', 0.9);
    const psk = `${t.chars(BASE64, 42)}E=`;
    expectSecret(`[Peer]\nPresharedKey = ${psk}`, psk, 'WIREGUARD_KEY', 0.9);
    const django = t.chars(`${ALNUM}!@#$%^&*(-_=+)`, 50);
    expectSecret(`SECRET_KEY = '${django}'`, django, 'DJANGO_SECRET_KEY', 0.8);
    const base = t.chars(HEX, 128);
    expectSecret(`production:\n  secret_key_base: ${base}`, base, 'RAILS_SECRET_KEY_BASE', 0.8);
    const session = t.chars(ALNUM, 31) + '7';
    expectSecret(`Cookie: theme=dark; sessionid=${session}; lang=en`, session, 'SESSION_COOKIE', 0.6);
    expectSecret(`Set-Cookie: connect.sid=${session}; Path=/; HttpOnly`, session, 'SESSION_COOKIE', 0.6);
  });

  it('finds Kubernetes bootstrap tokens and age secret keys in context', () => {
    const bootstrap = `${t.chars('abcdefghijklmnopqrstuvwxyz0123456789', 5)}1.${t.chars('abcdefghijklmnopqrstuvwxyz0123456789', 15)}2`;
    expectSecret(`kubeadm join 10.0.0.1:6443 --token ${bootstrap} --discovery-token-ca-cert-hash sha256:x`, bootstrap, 'KUBERNETES_TOKEN', 0.7);
    expectSecret(`bootstrapTokens:\n- token: ${bootstrap}`, bootstrap, 'KUBERNETES_TOKEN', 0.7);
    const age = `AGE-SECRET-KEY-1${t.chars('QPZRY9X8GF2TVDW0S3JN54KHCE6MUA7L', 58)}`;
    expectSecret(`# created: 2024-01-01\n${age}`, age, 'AGE_SECRET_KEY', 0.9);
  });

  it('leaves placeholders, vaulted values, templates and code', () => {
    expectNone([
      'machine host login user password your_password',
      'Please login with your password first.',
      'host:5432:db:user:${PGPASS}',
      '*:*:*:postgres:*****',
      'ansible_ssh_pass: "{{ vault_ssh_pass }}"',
      'ansible_become_pass: !vault |',
      'spring.datasource.password=${DB_PASSWORD}',
      'this.password = password;',
      'user.password = hash(pw);',
      '<password>${env.NEXUS_PASSWORD}</password>',
      '{"auths": {"registry.internal": {"auth": ""}}}',
      '//registry.npmjs.org/:_authToken=${NPM_TOKEN}',
      '[pypi]\nusername = __token__\npassword = <your token>',
      '<add key="ClearTextPassword" value="%NUGET_PASSWORD%" />',
      'apiVersion: v1\nkind: Secret\ndata:\n  password: {{ .Values.password | b64enc }}\n',
      "SECRET_KEY = os.environ['SECRET_KEY']",
      "SECRET_KEY = 'change-me-to-a-long-random-string-in-production'",
      'secret_key_base: <%= ENV["SECRET_KEY_BASE"] %>',
      'PrivateKey = <client private key>',
      'Cookie: theme=dark; lang=en',
      'Cookie: sessionid=<session id>',
    ]);
  });
});
