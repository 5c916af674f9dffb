import assert from 'node:assert/strict';
import type { LookupAddress } from 'node:dns';
import { describe, it } from 'node:test';
import { GatehouseError } from '../../errors/catalog.js';
import { type AddressPolicy, checkAddress, checkHost, classifyAddress, createAddressPolicy, guardedLookup, parseAddress } from './egress.js';
import { fixedLookup } from './http-test-server.js';

const closed: AddressPolicy = { allowPrivate: false };
const open: AddressPolicy = { allowPrivate: true };

function classOf(text: string): string {
  const parsed = parseAddress(text);
  assert.ok(parsed, `${text} parses`);
  return classifyAddress(parsed).class;
}

function allowed(text: string, policy: AddressPolicy): boolean {
  const parsed = parseAddress(text);
  assert.ok(parsed, `${text} parses`);
  return checkAddress(parsed, policy).allowed;
}

describe('egress address classification', () => {
  it('allows public unicast addresses', () => {
    for (const a of ['93.184.216.34', '8.8.8.8', '2606:2800:220:1:248:1893:25c8:1946', '1.1.1.1']) {
      assert.equal(classOf(a), 'public', a);
      assert.ok(allowed(a, closed), a);
    }
  });

  it('needs the opt-in for private, loopback, link-local, unique-local and CGNAT ranges', () => {
    const privateOnes = [
      '127.0.0.1', '127.255.0.9', '10.0.0.1', '10.255.255.255', '172.16.0.1', '172.31.255.254', '192.168.1.1', '169.254.1.1',
      '100.64.0.1', '100.127.255.255', '::1', 'fc00::1', 'fd12:3456::1', 'fe80::1', '192.0.2.1', '198.18.0.1', '240.0.0.1',
    ];
    for (const a of privateOnes) {
      assert.equal(classOf(a), 'private', a);
      assert.equal(allowed(a, closed), false, a);
      assert.equal(allowed(a, open), true, a);
    }
  });

  it('always refuses unspecified, broadcast, multicast and cloud metadata addresses', () => {
    for (const a of ['0.0.0.0', '0.1.2.3', '255.255.255.255', '224.0.0.1', '::', 'ff02::1', '169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254']) {
      assert.equal(classOf(a), 'forbidden', a);
      assert.equal(allowed(a, open), false, a);
    }
  });

  it('judges IPv4 addresses embedded in IPv6 (mapped, compatible, translated, NAT64, 6to4) as IPv4', () => {
    assert.equal(classOf('::ffff:127.0.0.1'), 'private');
    assert.equal(classOf('::ffff:7f00:1'), 'private');
    assert.equal(classOf('[::ffff:169.254.169.254]'), 'forbidden');
    assert.equal(classOf('::ffff:a9fe:a9fe'), 'forbidden');
    assert.equal(classOf('::127.0.0.1'), 'private');
    assert.equal(classOf('::ffff:0:10.0.0.1'), 'private');
    assert.equal(classOf('64:ff9b::a9fe:a9fe'), 'forbidden');
    assert.equal(classOf('64:ff9b::10.0.0.1'), 'private');
    assert.equal(classOf('2002:7f00:1::'), 'private');
    assert.equal(classOf('2002:a9fe:a9fe::1'), 'forbidden');
    assert.equal(allowed('::ffff:10.1.2.3', closed), false);
  });

  it('limits the opt-in to listed CIDR ranges, metadata still refused', () => {
    const policy = createAddressPolicy(['10.20.0.0/16', 'fd00:1::/32'], 'connectors.x');
    assert.equal(allowed('10.20.3.4', policy), true);
    assert.equal(allowed('::ffff:10.20.3.4', policy), true);
    assert.equal(allowed('10.21.0.1', policy), false);
    assert.equal(allowed('127.0.0.1', policy), false);
    assert.equal(allowed('fd00:1::5', policy), true);
    assert.equal(allowed('8.8.8.8', policy), true);
    const wide = createAddressPolicy(['169.254.0.0/16'], 'connectors.x');
    assert.equal(allowed('169.254.169.254', wide), false);
    assert.throws(() => createAddressPolicy(['10.0.0.0/99'], 'connectors.x'), (e: unknown) => e instanceof GatehouseError && e.code === 'CONFIG_INVALID');
  });
});

describe('checkHost', () => {
  const denied = (fn: () => void) => assert.throws(fn, (e: unknown) => e instanceof GatehouseError && e.code === 'EGRESS_DENIED');

  it('judges address literals (as URL hosts) without a lookup', () => {
    denied(() => checkHost(new URL('http://127.0.0.1/').hostname, closed));
    denied(() => checkHost(new URL('http://[::1]/').hostname, closed));
    denied(() => checkHost(new URL('http://[::ffff:127.0.0.1]/').hostname, closed));
    // The URL parser turns decimal, octal and hex forms into dotted quads.
    denied(() => checkHost(new URL('http://2130706433/').hostname, closed));
    denied(() => checkHost(new URL('http://0x7f.1/').hostname, closed));
    denied(() => checkHost(new URL('http://0251.0376.0251.0376/').hostname, open));
    checkHost(new URL('http://127.0.0.1/').hostname, open);
    checkHost('example.com', closed);
  });

  it('refuses metadata host names even with the opt-in, and localhost names without it', () => {
    denied(() => checkHost('metadata.google.internal', open));
    denied(() => checkHost('METADATA.google.internal.', open));
    denied(() => checkHost('instance-data', open));
    denied(() => checkHost('localhost', closed));
    denied(() => checkHost('api.localhost', closed));
    checkHost('localhost', open);
  });
});

describe('guardedLookup', () => {
  const run = (policy: AddressPolicy, table: Record<string, string[]>, host: string, all: boolean) =>
    new Promise<{ err: NodeJS.ErrnoException | null; address: string | LookupAddress[]; family?: number }>((resolve) => {
      guardedLookup(policy, fixedLookup(table))(host, { all }, (err, address, family) => resolve({ err, address, family }));
    });

  it('returns only checked addresses, in both callback forms', async () => {
    const one = await run(closed, { 'api.example.test': ['93.184.216.34'] }, 'api.example.test', false);
    assert.equal(one.err, null);
    assert.equal(one.address, '93.184.216.34');
    assert.equal(one.family, 4);
    const many = await run(closed, { 'api.example.test': ['93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946'] }, 'api.example.test', true);
    assert.deepEqual(many.address, [{ address: '93.184.216.34', family: 4 }, { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 }]);
  });

  it('refuses names that resolve to metadata, private or loopback addresses, or to a mix', async () => {
    for (const [address, policy] of [['169.254.169.254', open], ['10.1.2.3', closed], ['::1', closed], ['::ffff:127.0.0.1', closed]] as const) {
      const r = await run(policy, { 'evil.example.test': [address] }, 'evil.example.test', true);
      assert.ok(r.err instanceof GatehouseError, address);
      assert.equal((r.err as GatehouseError).code, 'EGRESS_DENIED', address);
    }
    const mixed = await run(closed, { 'rebind.example.test': ['93.184.216.34', '127.0.0.1'] }, 'rebind.example.test', false);
    assert.equal((mixed.err as GatehouseError).code, 'EGRESS_DENIED');
  });

  it('passes resolver failures on', async () => {
    const r = await run(closed, {}, 'nowhere.example.test', false);
    assert.equal(r.err?.code, 'ENOTFOUND');
  });
});
