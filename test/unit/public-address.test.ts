// Which addresses a fetch of a user's URL may connect to: public unicast, nothing else.
import { describe, expect, it } from 'vitest';
import { addressRefusal, ipLiteralOf } from '../../functions/domain/public-address';

describe('addressRefusal', () => {
  it.each(['8.8.8.8', '93.184.215.14', '1.1.1.1', '2606:4700:4700::1111', '2a00:1450:4001:80b::200e'])('lets the public address %s through', (address) => {
    expect(addressRefusal(address)).toBeNull();
  });

  it.each([
    ['127.0.0.1', 'a loopback address'],
    ['127.255.0.9', 'a loopback address'],
    ['::1', 'a loopback address'],
    ['[::1]', 'a loopback address'],
    ['10.0.0.1', 'a private address'],
    ['172.16.5.4', 'a private address'],
    ['192.168.1.1', 'a private address'],
    ['169.254.169.254', 'the cloud metadata address'],
    ['fd00:ec2::254', 'the cloud metadata address'],
    ['fd00:ec2:0:0::254', 'the cloud metadata address'],
    ['169.254.10.1', 'a link-local address'],
    ['fe80::1', 'a link-local address'],
    ['fe80::1%eth0', 'a link-local address'],
    ['100.64.0.1', 'a carrier-grade NAT (shared) address'],
    ['224.0.0.1', 'a multicast address'],
    ['ff02::1', 'a multicast address'],
    ['255.255.255.255', 'a broadcast address'],
    ['0.0.0.0', 'an unspecified address'],
    ['::', 'an unspecified address'],
    ['fc00::1', 'a private (unique local) IPv6 address'],
    ['::ffff:127.0.0.1', 'an IPv4-mapped IPv6 address'],
    ['::ffff:8.8.8.8', 'an IPv4-mapped IPv6 address'],
    ['64:ff9b::a00:1', 'a NAT64 address (IPv4 inside IPv6)'],
    ['2002:a00:1::1', 'a 6to4 address (IPv4 inside IPv6)'],
    ['2001::1', 'a Teredo address (IPv4 inside IPv6)'],
    ['192.0.2.1', 'a reserved address (reserved)'],
    ['2001:db8::1', 'a reserved address (reserved)'],
    ['example.com', 'not an IP address'],
    ['', 'not an IP address'],
  ])('refuses %s: %s', (address, why) => {
    expect(addressRefusal(address)).toBe(why);
  });
});

describe('ipLiteralOf', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['[::1]', '::1'],
    ['[fd00:ec2::254]', 'fd00:ec2::254'],
    ['example.com', null],
    ['images.example.test', null],
  ])('%s → %s', (hostname, literal) => {
    expect(ipLiteralOf(hostname)).toBe(literal);
  });
});
