import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ALNUM, DIGITS, FakeTokens, HEX, UPPER } from './fake-tokens.js';
import { AnchorTable } from './anchor-scan.js';
import { createSecretsDetector } from './secrets-detector.js';

const t = new FakeTokens(31);
const detector = createSecretsDetector();

/** The kinds found on exactly `value` in `text`. */
function kindsOn(text: string, value: string): string[] {
  return detector.detect(text).filter((f) => text.slice(f.start, f.end) === value).map((f) => f.kind);
}

describe('anchor pass', () => {
  it('reports every occurrence of each anchor, by id, honouring case and word starts', () => {
    const table = new AnchorTable([
      { id: 1, literal: 'ghp_' },
      { id: 2, literal: 'token', ignoreCase: true },
      { id: 3, literal: 'pat', wordStart: true },
    ]);
    const { hits } = table.scan('ghp_x TOKEN Token tok path dispatch pat');
    assert.deepEqual(hits.get(1), [0]);
    assert.deepEqual(hits.get(2), [6, 12]);
    assert.deepEqual(hits.get(3), [22, 36]);
  });

  it('reports long token runs and ends them at other characters, non-ASCII included', () => {
    const table = new AnchorTable([], 8);
    const text = 'short abcdefgh+/.~-_9 x é0123456789';
    const { runs } = table.scan(text);
    const spans = [];
    for (let i = 0; i < runs.length; i += 2) spans.push(text.slice(runs[i], runs[i + 1]));
    assert.deepEqual(spans, ['abcdefgh+/.~-_9', '0123456789']);
  });

  it('rejects anchors shorter than two printable ASCII characters', () => {
    assert.throws(() => new AnchorTable([{ id: 1, literal: 'x' }]), TypeError);
    assert.throws(() => new AnchorTable([{ id: 1, literal: 'é€' }]), TypeError);
  });
});

describe('vendor formats', () => {
  it('finds a vendor value by the vendor name a few characters before it', () => {
    const okta = `00${t.chars(ALNUM, 38)}a1`;
    assert.deepEqual(kindsOn(`variable "corp_okta_api_token" {\n  default = "${okta}"\n}`, okta), ['OKTA_TOKEN']);
    const sumo = `su${t.chars(ALNUM, 10)}7a`;
    assert.deepEqual(kindsOn(`export SUMOLOGIC_ACCESSID="${sumo}"`, sumo), ['SUMOLOGIC_KEY']);
    const algolia = `${t.chars(HEX, 30)}9f`;
    assert.deepEqual(kindsOn(`"algolia": {"admin_key": "${algolia}"}`, algolia), ['ALGOLIA_KEY']);
    const telegram = `${t.chars(DIGITS, 9)}:${t.chars(ALNUM, 33)}x1`;
    assert.deepEqual(kindsOn(`TELEGRAM_BOT=${telegram}`, telegram), ['TELEGRAM_BOT_TOKEN']);
  });

  it('needs the vendor name as a word, not inside another word, and not after a path or hash mark', () => {
    const hex = `${t.chars(HEX, 38)}5e`;
    assert.deepEqual(detector.detect(`ReactNativeCameraKit: ${hex}`), []);
    assert.deepEqual(detector.detect(`sonarqube-reporter-1.2.4.tgz#${hex}`), []);
    assert.deepEqual(detector.detect(`sumObj = su${t.chars(ALNUM, 10)}7a`), []);
  });

  it('finds the extra prefixed formats', () => {
    const cases: [string, string][] = [
      [`API-${t.chars(UPPER + DIGITS, 24)}A1`, 'OCTOPUS_API_KEY'],
      [`tskey-auth-${t.chars(ALNUM, 12)}-${t.chars(ALNUM, 30)}`, 'TAILSCALE_KEY'],
      [`access_token$production$${t.chars('abcdefghijklmnopqrstuvwxyz0123456789', 16)}$${t.chars(HEX, 32)}`, 'PAYPAL_TOKEN'],
      [`${t.chars(ALNUM, 6)}_${t.chars(ALNUM, 29)}_mmk`, 'MAXMIND_KEY'],
    ];
    for (const [token, kind] of cases) assert.deepEqual(kindsOn(`value: ${token}\n`, token), [kind], token);
  });

  it('finds base64-encoded PEM private keys and PuTTY key files', () => {
    const pem = Buffer.from(t.pem('RSA PRIVATE KEY')).toString('base64');
    assert.deepEqual(kindsOn(`tls.key: ${pem}`, pem), ['PRIVATE_KEY']);
    const cert = Buffer.from(t.pem('CERTIFICATE')).toString('base64');
    assert.deepEqual(detector.detect(`tls.crt: ${cert}`).filter((f) => f.kind === 'PRIVATE_KEY'), []);
    const lines = (n: number): string => Array.from({ length: n }, () => t.chars(ALNUM + '+/', 64)).join('\n');
    const ppk = `PuTTY-User-Key-File-2: ssh-rsa\nEncryption: none\nComment: deploy\nPublic-Lines: 2\n${lines(2)}\nPrivate-Lines: 3\n${lines(3)}\nPrivate-MAC: ${t.chars(HEX, 40)}`;
    assert.ok(detector.detect(ppk).some((f) => f.kind === 'PRIVATE_KEY' && f.start === 0));
  });

  it('stays linear on a megabyte of repeated near matches of the anchored rules', () => {
    const tail = t.checksummed('ghp_');
    for (const unit of ['okta ', 'okta = 00', 'sumo su', 'API-', 'aaaaQ~', 'LS0tLS1CRUdJTi', 'PuTTY-User-Key-File-2: x\n', 'EAACEdEose0cBA ', 'eyJ.', 'secret_token=']) {
      const text = `${unit.repeat(Math.ceil(1_000_000 / unit.length))} ${tail}`;
      const findings = detector.detect(text);
      assert.ok(findings.some((f) => text.slice(f.start, f.end) === tail), `the token after ${JSON.stringify(unit)}… is still found`);
    }
  });
});
