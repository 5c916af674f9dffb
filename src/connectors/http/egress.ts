/**
 * Where the `http` connector may connect. Classification is pure (`classifyAddress`, `checkAddress`,
 * `checkHost`); `guardedLookup` is the one IO edge: it resolves a host name, refuses the connection
 * if any address is not allowed, and hands the socket only the addresses it checked, so the address
 * connected to is the address checked (no gap for DNS rebinding between check and connect).
 *
 * Public unicast addresses are allowed. Private, loopback, link-local, unique-local, carrier-grade
 * NAT and other special ranges need `allow_private_network` (all of them, or listed CIDR ranges).
 * Unspecified, broadcast and multicast addresses and cloud metadata endpoints are always refused.
 * IPv4 addresses embedded in IPv6 (mapped, compatible, translated, NAT64, 6to4) are judged as IPv4.
 */
import { lookup as dnsLookup } from 'node:dns/promises';
import type { LookupAddress, LookupOptions } from 'node:dns';
import ipaddr from 'ipaddr.js';
import { GatehouseError } from '../../errors/catalog.js';

/** How an address is treated: allowed, allowed only with the opt-in, or never. */
export type AddressClass = 'public' | 'private' | 'forbidden';

/** The addresses a connector may reach beyond public ones. */
export interface AddressPolicy {
  /** `true`: every private range; a list: only these CIDR ranges; `false`: none. */
  readonly allowPrivate: boolean | readonly (readonly [ipaddr.IPv4 | ipaddr.IPv6, number])[];
}

/** One resolved address of a host name. */
export interface ResolvedAddress {
  readonly address: string;
  readonly family: 4 | 6;
}

/** Resolves a host name to its addresses (injectable for tests). */
export type HostLookup = (hostname: string) => Promise<readonly ResolvedAddress[]>;

/** Cloud instance metadata endpoints (AWS, ECS, GCP, Azure, Alibaba, AWS IPv6): refused even with the opt-in. */
export const METADATA_ADDRESSES: readonly string[] = ['169.254.169.254', '169.254.170.2', '100.100.100.200', 'fd00:ec2::254'];
/** Host names of metadata services: refused before any lookup. */
export const METADATA_HOSTNAMES: readonly string[] = [
  'metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal', 'metadata.internal',
];

const ALWAYS_FORBIDDEN = new Set(['unspecified', 'broadcast', 'multicast']);
const metadata = new Set(METADATA_ADDRESSES.map((a) => ipaddr.parse(a).toNormalizedString()));

/** Build the policy from `allow_private_network`. Throws CONFIG_INVALID for a malformed range. */
export function createAddressPolicy(setting: boolean | readonly string[], where: string): AddressPolicy {
  if (typeof setting === 'boolean') return { allowPrivate: setting };
  return {
    allowPrivate: setting.map((cidr) => {
      try {
        return ipaddr.parseCIDR(cidr);
      } catch {
        throw new GatehouseError('CONFIG_INVALID', `${where}.allow_private_network: "${cidr}" is not a CIDR range such as "10.20.0.0/16".`);
      }
    }),
  };
}

/** The IPv4 address an IPv6 address carries, for the forms that route to it. */
function embeddedIPv4(v6: ipaddr.IPv6): ipaddr.IPv4 | undefined {
  const range = v6.range();
  const bytes = v6.toByteArray();
  const tail = (offset: number) => new ipaddr.IPv4(bytes.slice(offset, offset + 4));
  if (range === 'ipv4Mapped' || range === 'rfc6145' || range === 'rfc6052') return tail(12);
  if (range === '6to4') return tail(2);
  // IPv4-compatible (::a.b.c.d, deprecated); :: and ::1 are classified as IPv6.
  if (bytes.slice(0, 12).every((b) => b === 0) && (range === 'unicast' || range === 'reserved')) return tail(12);
  return undefined;
}

/** Parse an address literal (brackets allowed); undefined when it is not one. */
export function parseAddress(text: string): ipaddr.IPv4 | ipaddr.IPv6 | undefined {
  const bare = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!ipaddr.isValid(bare)) return undefined;
  // Reject zone ids and other forms ipaddr accepts but the URL parser would not produce.
  if (bare.includes('%')) return undefined;
  return ipaddr.parse(bare);
}

/** Classify one address: `public` (always allowed), `private` (needs the opt-in) or `forbidden`. */
export function classifyAddress(address: ipaddr.IPv4 | ipaddr.IPv6): { readonly class: AddressClass; readonly range: string } {
  if (metadata.has(address.toNormalizedString())) return { class: 'forbidden', range: 'metadata' };
  if (address.kind() === 'ipv6') {
    const v6 = address as ipaddr.IPv6;
    const inner = embeddedIPv4(v6);
    if (inner !== undefined) {
      const judged = classifyAddress(inner);
      // An embedded public address still travels through a translator: treat as the IPv6 range.
      if (judged.class !== 'public') return judged;
    }
  }
  const range = address.range();
  if (ALWAYS_FORBIDDEN.has(range)) return { class: 'forbidden', range };
  if (range === 'unicast') return { class: 'public', range };
  return { class: 'private', range };
}

/** Whether `address` may be connected to under `policy`; the reason when not. */
export function checkAddress(address: ipaddr.IPv4 | ipaddr.IPv6, policy: AddressPolicy): { readonly allowed: boolean; readonly range: string } {
  const { class: kind, range } = classifyAddress(address);
  if (kind === 'public') return { allowed: true, range };
  if (kind === 'forbidden') return { allowed: false, range };
  if (policy.allowPrivate === true) return { allowed: true, range };
  if (policy.allowPrivate === false) return { allowed: false, range };
  const plain = address.kind() === 'ipv6' && (address as ipaddr.IPv6).isIPv4MappedAddress() ? (address as ipaddr.IPv6).toIPv4Address() : address;
  const inRange = policy.allowPrivate.some(([net, bits]) => net.kind() === plain.kind() && plain.match(net, bits));
  return { allowed: inRange, range };
}

function refusal(host: string, range: string): GatehouseError {
  return new GatehouseError('EGRESS_DENIED', `Connections to ${range === 'metadata' ? 'cloud metadata' : `${range} addresses`} are not allowed (host ${host}).`, { host, range });
}

/**
 * Check a URL host before connecting: address literals are judged here (sockets do not look them
 * up), metadata names are refused, `localhost` names need the opt-in. Other names are judged on
 * the addresses they resolve to, in `guardedLookup`.
 */
export function checkHost(hostname: string, policy: AddressPolicy): void {
  const literal = parseAddress(hostname);
  if (literal !== undefined) {
    const verdict = checkAddress(literal, policy);
    if (!verdict.allowed) throw refusal(hostname, verdict.range);
    return;
  }
  const name = hostname.toLowerCase().replace(/\.$/, '');
  if (METADATA_HOSTNAMES.includes(name)) throw refusal(hostname, 'metadata');
  if ((name === 'localhost' || name.endsWith('.localhost')) && policy.allowPrivate === false) throw refusal(hostname, 'loopback');
}

/** Resolve with the system resolver, every address, in resolver order. */
export const systemLookup: HostLookup = async (hostname) => {
  const found = await dnsLookup(hostname, { all: true, verbatim: true });
  return found.map((a) => ({ address: a.address, family: a.family === 6 ? 6 : 4 }));
};

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/** Check every resolved address; the ones to connect to, or the refusal. Pure. */
export function vetAddresses(hostname: string, addresses: readonly ResolvedAddress[], policy: AddressPolicy): ResolvedAddress[] {
  const vetted: ResolvedAddress[] = [];
  for (const a of addresses) {
    const parsed = parseAddress(a.address);
    if (parsed === undefined) throw refusal(hostname, 'unparseable');
    const verdict = checkAddress(parsed, policy);
    // One bad address taints the name: a resolver answering with a mix is not to be trusted.
    if (!verdict.allowed) throw refusal(hostname, verdict.range);
    vetted.push({ address: parsed.toString(), family: parsed.kind() === 'ipv6' ? 6 : 4 });
  }
  return vetted;
}

/**
 * A `lookup` for net/tls `connect` that resolves through `resolve`, refuses the connection with
 * EGRESS_DENIED if any address is not allowed, and returns only checked addresses.
 */
export function guardedLookup(policy: AddressPolicy, resolve: HostLookup = systemLookup) {
  return (hostname: string, options: LookupOptions, callback: LookupCallback): void => {
    resolve(hostname).then((addresses) => {
      checkHost(hostname, policy);
      const vetted = vetAddresses(hostname, addresses, policy);
      const family = options.family === 4 || options.family === 'IPv4' ? 4 : options.family === 6 || options.family === 'IPv6' ? 6 : 0;
      const usable = family === 0 ? vetted : vetted.filter((a) => a.family === family);
      const [first] = usable;
      if (first === undefined) {
        const err: NodeJS.ErrnoException = new Error(`No usable address for ${hostname}`);
        err.code = 'ENOTFOUND';
        throw err;
      }
      if (options.all === true) callback(null, usable.map((a) => ({ address: a.address, family: a.family })));
      else callback(null, first.address, first.family);
    }).catch((err: unknown) => {
      callback(err instanceof Error ? err : new Error('lookup failed'), '', 0);
    });
  };
}
