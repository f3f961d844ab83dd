/**
 * The SSRF guard's address classifier and lookup, without the network: every special range the
 * brief names is refused, IPv4-mapped IPv6 is judged as the IPv4 it carries, public addresses pass.
 */
import { describe, expect, it } from 'vitest';
import { AddressRefused, nonPublicRange, resolvePublic } from '../../src/webhooks/ssrf-guard';

describe('nonPublicRange', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.1.2.3', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['fc00::1', 'uniqueLocal'],
    ['fd12:3456::1', 'uniqueLocal'],
    ['169.254.169.254', 'linkLocal'],
    ['fe80::1', 'linkLocal'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['100.64.0.1', 'carrierGradeNat'],
    ['100.127.255.255', 'carrierGradeNat'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'broadcast'],
    ['192.0.2.1', 'reserved'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:169.254.169.254', 'linkLocal'],
    ['64:ff9b::a00:1', 'rfc6052'],
    ['2002:7f00:1::', '6to4'],
  ])('refuses %s as %s', (address, range) => {
    expect(nonPublicRange(address)).toBe(range);
  });

  it.each(['93.184.215.14', '8.8.8.8', '172.32.0.1', '100.128.0.1', '2606:2800:21f:cb07:6820:80da:af6b:8b2c', '::ffff:8.8.8.8'])('lets %s through', (address) => {
    expect(nonPublicRange(address)).toBeNull();
  });
});

describe('resolvePublic', () => {
  it('judges an IP literal without a lookup, brackets and all', async () => {
    await expect(resolvePublic('[::1]')).rejects.toThrow(new AddressRefused('::1', '::1', 'loopback'));
    await expect(resolvePublic('[::1]')).rejects.toThrow('::1 is not a public address (loopback)');
    await expect(resolvePublic('8.8.8.8')).resolves.toEqual([{ address: '8.8.8.8', family: 4 }]);
  });

  it('refuses a name that resolves to a non-public address, naming both', async () => {
    await expect(resolvePublic('localhost')).rejects.toThrow(/^localhost resolves to (127\.0\.0\.1|::1), which is not a public address \(loopback\)$/);
  });
});
