/**
 * The SSRF guard of webhook deliveries: an endpoint may only reach public addresses. Checked when an
 * endpoint is registered (so the caller learns at once) and again at every delivery, on the very
 * addresses the connection then uses: `guardedLookup` resolves the host once, refuses the connection
 * if any address is not public, and hands the checked addresses to the socket, so a DNS answer that
 * changes between the check and the connect (rebinding) cannot slip through.
 *
 * "Public" is ipaddr.js's `unicast`: every special range it knows is refused (loopback, RFC 1918
 * private, fc00::/7, link-local, unspecified, CGNAT, multicast, broadcast, documentation and
 * other reserved blocks, NAT64/6to4/Teredo wrappers). An IPv4-mapped IPv6 address is judged as the
 * IPv4 address it carries.
 */
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { isIP } from 'node:net';
import ipaddr from 'ipaddr.js';

/** Why `address` is not public, e.g. `loopback`; null when it is public (or not an address at all). */
export function nonPublicRange(address: string): string | null {
  if (!ipaddr.isValid(address)) return null;
  let parsed = ipaddr.parse(address);
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? null : range;
}

/** The refusal of a non-public address, for the delivery's last error and the registration's 422. */
export class AddressRefused extends Error {
  override readonly name = 'AddressRefused';
  constructor(readonly host: string, readonly address: string, readonly range: string) {
    const kind = range.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
    super(host === address ? `${address} is not a public address (${kind})` : `${host} resolves to ${address}, which is not a public address (${kind})`);
  }
}

/** A URL's host as an address, without IPv6 brackets: `[::1]` → `::1`. */
export const bareHost = (hostname: string): string => hostname.replace(/^\[(.*)\]$/, '$1');

/** Refuses a host that is an IP literal and not public; Node connects to literals without a lookup. */
export function assertPublicLiteral(hostname: string): void {
  const host = bareHost(hostname);
  if (isIP(host) === 0) return;
  const range = nonPublicRange(host);
  if (range !== null) throw new AddressRefused(host, host, range);
}

const lookupAll = (host: string, options: LookupOptions): Promise<LookupAddress[]> =>
  new Promise((resolve, reject) => {
    dnsLookup(host, { ...options, all: true }, (error, addresses) => (error ? reject(error) : resolve(addresses)));
  });

/** Every address `hostname` resolves to, all public, or AddressRefused naming the first that is not. */
export async function resolvePublic(hostname: string, options: LookupOptions = {}): Promise<LookupAddress[]> {
  const host = bareHost(hostname);
  if (isIP(host) !== 0) {
    assertPublicLiteral(host);
    return [{ address: host, family: isIP(host) }];
  }
  const addresses = await lookupAll(host, options);
  for (const { address } of addresses) {
    const range = nonPublicRange(address);
    if (range !== null) throw new AddressRefused(host, address, range);
  }
  return addresses;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for `http.request`/`net.connect`: resolves through `resolvePublic`, and answers in the
 * shape the socket asked for (all addresses when it races families, else the first).
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  resolvePublic(hostname, { family: options.family ?? 0, ...(options.hints === undefined ? {} : { hints: options.hints }) }).then(
    (addresses) => {
      if (options.all) callback(null, addresses);
      else callback(null, addresses[0]!.address, addresses[0]!.family);
    },
    (error: NodeJS.ErrnoException) => callback(error, ''),
  );
}
