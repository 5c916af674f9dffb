/**
 * The PII detector on its own small fixtures (made-up values and the schemes' published test
 * numbers; no data-set rows): each kind found and its look-alikes not, obfuscation undone, offsets
 * in the original text, options checked at construction, and no throw and linear work on any input.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createPiiDetector } from './pii-detector.js';

const detector = createPiiDetector();

/** `[kind, covered text]` for every finding, in order. */
function found(text: string): [string, string][] {
  return detector.detect(text).map((f) => [f.kind, text.slice(f.start, f.end)]);
}

function kinds(text: string, kind: string): string[] {
  return found(text)
    .filter(([k]) => k === kind)
    .map(([, v]) => v);
}

describe('pii detector: e-mail', () => {
  it('finds plain addresses, without trailing punctuation', () => {
    assert.deepEqual(found('Write to jane.doe@example.com.'), [['EMAIL', 'jane.doe@example.com']]);
    assert.deepEqual(kinds('cc: ops+alerts@mail.example.co.uk, x', 'EMAIL'), ['ops+alerts@mail.example.co.uk']);
  });

  it('finds the spelled-out forms', () => {
    assert.deepEqual(kinds('jane [at] example [dot] com', 'EMAIL'), ['jane [at] example [dot] com']);
    assert.deepEqual(kinds('write jane(at)example.org today', 'EMAIL'), ['jane(at)example.org']);
  });

  it('leaves handles, hosts without a TLD and one-letter TLDs alone', () => {
    assert.deepEqual(kinds('user@localhost, @handle, a@b.c, me@-bad-.com, a..@x.com', 'EMAIL'), []);
  });
});

describe('pii detector: payment cards', () => {
  it('finds Luhn-valid numbers of known issuers, together or grouped', () => {
    assert.deepEqual(kinds('card 4111 1111 1111 1111 exp 12/29', 'CREDIT_CARD'), ['4111 1111 1111 1111']);
    assert.deepEqual(kinds('4111-1111-1111-1111', 'CREDIT_CARD'), ['4111-1111-1111-1111']);
    assert.deepEqual(kinds('amex 3782 822463 10005', 'CREDIT_CARD'), ['3782 822463 10005']);
    assert.deepEqual(kinds('mc 5555555555554444 and discover 6011111111111117', 'CREDIT_CARD'), ['5555555555554444', '6011111111111117']);
  });

  it('rejects Luhn failures, unknown issuers, odd grouping and numbers glued to words', () => {
    assert.deepEqual(kinds('bad 4111 1111 1111 1112', 'CREDIT_CARD'), []);
    assert.deepEqual(kinds('issuer 9111 1111 1111 1111 and 1234567812345670', 'CREDIT_CARD'), []);
    assert.deepEqual(kinds('41 11 11 11 11 11 11 11', 'CREDIT_CARD'), []);
    assert.deepEqual(kinds('order4111111111111111 4111111111111111x', 'CREDIT_CARD'), []);
  });
});

describe('pii detector: IBAN', () => {
  it('finds IBANs with a valid mod-97 check, spaced or not', () => {
    assert.deepEqual(kinds('IBAN GB82 WEST 1234 5698 7654 32.', 'IBAN'), ['GB82 WEST 1234 5698 7654 32']);
    assert.deepEqual(kinds('DE89370400440532013000', 'IBAN'), ['DE89370400440532013000']);
    assert.deepEqual(kinds('FR14 2004 1010 0505 0001 3M02 606', 'IBAN'), ['FR14 2004 1010 0505 0001 3M02 606']);
    assert.deepEqual(kinds('to nl91abna0417164300 please', 'IBAN'), ['nl91abna0417164300']);
  });

  it('rejects bad checksums, wrong lengths and unknown countries', () => {
    assert.deepEqual(found('GB82 WEST 1234 5698 7654 33'), []);
    assert.deepEqual(found('GB82WEST123456987654321'), []);
    assert.deepEqual(found('XX82WEST12345698765432'), []);
  });

  it('does not report the digits inside an IBAN as a card or phone', () => {
    assert.deepEqual(found('pay DE89 3704 0044 0532 0130 00 now'), [['IBAN', 'DE89 3704 0044 0532 0130 00']]);
  });
});

describe('pii detector: US SSN', () => {
  it('finds AAA-GG-SSSS, and other layouts only next to an SSN word', () => {
    assert.deepEqual(found('SSN 536-22-8726'), [['US_SSN', '536-22-8726']]);
    assert.deepEqual(kinds('ssn: 536228726', 'US_SSN'), ['536228726']);
    assert.deepEqual(kinds('social security 536 22 8726', 'US_SSN'), ['536 22 8726']);
    assert.deepEqual(kinds('ref 536228726', 'US_SSN'), []);
  });

  it('rejects area 000, 666 and 9xx, group 00, serial 0000 and voided numbers, as any kind', () => {
    assert.deepEqual(found('000-12-3456 666-12-3456 912-34-5678 123-00-4567 123-45-0000 078-05-1120'), []);
  });
});

describe('pii detector: IP addresses', () => {
  it('finds IPv4 and IPv6, also compressed and next to ports or brackets', () => {
    assert.deepEqual(kinds('server 192.168.1.20 up, 10.0.0.1:8080 and 8.8.8.8.', 'IP_ADDRESS'), ['192.168.1.20', '10.0.0.1', '8.8.8.8']);
    assert.deepEqual(kinds('2001:db8::ff00:42:8329, fe80::1, ::1, [2001:db8::1]:443', 'IP_ADDRESS'), [
      '2001:db8::ff00:42:8329',
      'fe80::1',
      '::1',
      '2001:db8::1',
    ]);
    assert.deepEqual(kinds('ip:fe80::1', 'IP_ADDRESS'), ['fe80::1']);
  });

  it('rejects versions, OIDs, octets over 255, MACs, times and C++ scopes', () => {
    const text = 'version 1.2.3, v1.2.3.4, Chrome/120.0.0.0, 1.3.6.1.4.1, 256.1.1.1, 01.2.3.4, 00:1A:2B:3C:4D:5E, 12:30:45, std::vector';
    assert.deepEqual(found(text), []);
  });
});

describe('pii detector: phone numbers', () => {
  it('finds international numbers by their country code', () => {
    assert.deepEqual(kinds('Call +1 415 555 2671 now', 'PHONE'), ['+1 415 555 2671']);
    assert.deepEqual(kinds('ring +44 20 7946 0958', 'PHONE'), ['+44 20 7946 0958']);
    assert.deepEqual(kinds('Büro +49 (0)30 901820', 'PHONE'), ['+49 (0)30 901820']);
    assert.deepEqual(kinds('from the US dial 011 33 1 4268 5300', 'PHONE'), ['011 33 1 4268 5300']);
  });

  it('finds national numbers valid in a default region, with an extension', () => {
    assert.deepEqual(kinds('phone (415) 555-0132 x204', 'PHONE'), ['(415) 555-0132 x204']);
    assert.deepEqual(kinds('Mobile: 06 12 34 56 78', 'PHONE'), ['06 12 34 56 78']);
    assert.deepEqual(kinds('reach me on 020 7946 0958', 'PHONE'), ['020 7946 0958']);
    assert.deepEqual(kinds('call 0612345678', 'PHONE'), ['0612345678']);
  });

  it('rejects digit blocks without a phone word, dates, ranges, amounts and house numbers', () => {
    const text = [
      'room 1234567',
      'on 2024-01-15 10:30',
      'from 1999-2005',
      'pi 3.14159265',
      'cost $ 1 234 567',
      'with 1 000 000 users',
      'lives at 17 2450 Crown Street',
      'meet me at 7943 2027 Prospect Hill',
      'office on 1200 4512 Hősök tér',
      'licence number 2270-66-1551',
      '+1 23',
    ].join('. ');
    assert.deepEqual(kinds(text, 'PHONE'), []);
  });

  it('uses the default regions it is given', () => {
    const us = createPiiDetector({ phoneRegions: ['US'] });
    assert.equal(us.detect('tel 0612345678').length, 0);
    assert.equal(us.detect('tel 415-555-2671').length, 1);
  });
});

describe('pii detector: date of birth', () => {
  it('finds a full date after a birth word', () => {
    assert.deepEqual(kinds('She was born on 12 March 1985.', 'DATE_OF_BIRTH'), ['12 March 1985']);
    assert.deepEqual(kinds('DOB: 1985-03-12', 'DATE_OF_BIRTH'), ['1985-03-12']);
    assert.deepEqual(kinds('date of birth. It is 6/24/1991', 'DATE_OF_BIRTH'), ['6/24/1991']);
    assert.deepEqual(kinds('Birthday: March 3rd, 1990', 'DATE_OF_BIRTH'), ['March 3rd, 1990']);
  });

  it('ignores bare years, dates without a birth word and impossible dates', () => {
    assert.deepEqual(found('born in 1977; meeting on 12/03/2024; DOB 45/13/1985'), []);
  });
});

describe('pii detector: obfuscation and offsets', () => {
  it('sees through zero-width characters and reports the original span around them', () => {
    const email = 'ja\u200Bne@exa\u200Dmple.com';
    const text = `mail ${email} now`;
    assert.deepEqual(found(text), [['EMAIL', email]]);
    const card = '4111\u200B1111\u2060 1111 1111';
    assert.deepEqual(kinds(`card ${card}.`, 'CREDIT_CARD'), [card]);
  });

  it('reads full-width digits and letters, and Unicode dashes', () => {
    const card = '４１１１ １１１１ １１１１ １１１１';
    assert.deepEqual(kinds(`card ${card}`, 'CREDIT_CARD'), [card]);
    assert.deepEqual(kinds('SSN 536\u201122\u20138726', 'US_SSN'), ['536\u201122\u20138726']);
    assert.deepEqual(kinds('ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ', 'EMAIL'), ['ｊａｎｅ＠ｅｘａｍｐｌｅ．ｃｏｍ']);
  });

  it('keeps offsets right after astral characters and drops overlaps by priority', () => {
    const text = '😀😀 jane@example.com 😀 192.168.0.1';
    for (const f of detector.detect(text)) assert.match(text.slice(f.start, f.end), /^(jane@example\.com|192\.168\.0\.1)$/);
    const findings = detector.detect('IBAN GB82 WEST 1234 5698 7654 32 and card 4111 1111 1111 1111');
    for (let i = 1; i < findings.length; i++) assert.ok((findings[i]?.start ?? 0) >= (findings[i - 1]?.end ?? 0));
  });

  it('reports detector, kind and a confidence between 0 and 1', () => {
    for (const f of detector.detect('jane@example.com +44 20 7946 0958 4111 1111 1111 1111')) {
      assert.equal(f.detector, 'pii');
      assert.ok(f.confidence > 0 && f.confidence <= 1);
    }
  });
});

describe('pii detector: options', () => {
  it('reports only the kinds asked for, still letting stronger kinds win overlaps', () => {
    const phones = createPiiDetector({ kinds: ['PHONE'] });
    assert.deepEqual(phones.detect('DE89 3704 0044 0532 0130 00 and jane@example.com'), []);
    assert.equal(phones.detect('tel +44 20 7946 0958').length, 1);
  });

  it('drops findings under minConfidence', () => {
    const sure = createPiiDetector({ minConfidence: 0.9 });
    assert.deepEqual(
      sure.detect('tel 020 7946 0958, jane@example.com').map((f) => f.kind),
      ['EMAIL'],
    );
  });

  it('refuses bad options when built, naming what is wrong', () => {
    assert.throws(() => createPiiDetector({ kinds: ['EMAIL', 'PASSPORT' as never] }), /unknown kind\(s\) PASSPORT/);
    assert.throws(() => createPiiDetector({ phoneRegions: ['XX', 'US'] }), /unknown phone region\(s\) XX/);
    assert.throws(() => createPiiDetector({ phoneRegions: [] }), /at least one region/);
    assert.throws(() => createPiiDetector({ minConfidence: 2 }), /minConfidence/);
    assert.throws(() => createPiiDetector({ region: 'US' } as never), /unknown option\(s\) region/);
  });
});

describe('pii detector: any input', () => {
  it('never throws: lone surrogates, control characters, empty and non-string input', () => {
    const odd = ['', '\uD800', '\uDC00\uD800x@y.com\uDFFF', '\u0000\u0001\uFFFF\uFEFF', '+', '(', '::', '@', 'a@', '@b.com', '\u200B'.repeat(100)];
    for (const text of odd) assert.ok(Array.isArray(detector.detect(text)));
    assert.deepEqual(detector.detect(undefined as unknown as string), []);
    assert.deepEqual(detector.detect(42 as unknown as string), []);
  });

  it('finishes 5 MB inputs, prose and pathological, with every finding inside the text', () => {
    const size = 5 * 1024 * 1024;
    const fill = (unit: string): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);
    const inputs = [
      fill('Contact jane@example.com or +44 20 7946 0958; card 4111 1111 1111 1111, host 10.0.0.1. Lorem ipsum dolor sit amet. '),
      fill('4111 '),
      fill('1:'),
      fill('a@'),
      fill('born '),
      fill('GB82 '),
      fill('7'),
      fill('\u200B1'),
    ];
    for (const text of inputs) {
      const findings = detector.detect(text);
      for (const f of findings) assert.ok(f.start >= 0 && f.end <= text.length && f.start < f.end);
    }
  });
});
