import { classifyAddress, classifyWebhookHost } from './egress-policy';

describe('webhook egress policy', () => {
  test('when an address is loopback, private, link-local, CGNAT, unique-local, multicast or otherwise special, then it is refused and the range named', () => {
    const refused: Array<[string, RegExp]> = [
      ['127.0.0.1', /loopback/],
      ['127.255.1.2', /loopback/],
      ['0.0.0.0', /this network/],
      ['10.1.2.3', /private \(10/],
      ['172.16.0.1', /private \(172\.16/],
      ['172.31.255.255', /private \(172\.16/],
      ['192.168.1.1', /private \(192\.168/],
      ['100.64.0.1', /carrier-grade NAT/],
      ['100.127.255.254', /carrier-grade NAT/],
      ['169.254.169.254', /link-local/],
      ['224.0.0.1', /multicast/],
      ['255.255.255.255', /reserved/],
      ['198.18.0.1', /benchmarking/],
      ['192.0.2.10', /documentation/],
      ['::1', /loopback/],
      ['::', /unspecified/],
      ['fc00::1', /unique-local/],
      ['fd12:3456::1', /unique-local/],
      ['fe80::1', /link-local/],
      ['fe80::1%eth0', /link-local/],
      ['ff02::1', /multicast/],
      ['2001:db8::1', /documentation/],
      ['::ffff:127.0.0.1', /IPv4-mapped loopback/],
      ['::ffff:7f00:1', /IPv4-mapped loopback/],
      ['::ffff:a9fe:a9fe', /IPv4-mapped link-local/],
      ['::ffff:10.0.0.1', /IPv4-mapped private/],
      ['64:ff9b::a00:1', /NAT64 of private/],
      ['::7f00:1', /not global unicast/],
      ['not-an-ip', /not an IP address/],
    ];
    for (const [ip, range] of refused) {
      const verdict = classifyAddress(ip);
      expect({ ip, allowed: verdict.allowed }).toEqual({ ip, allowed: false });
      if (!verdict.allowed) expect({ ip, range: verdict.range }).toEqual({ ip, range: expect.stringMatching(range) });
    }
  });

  test('when an address is public unicast, including its IPv4-mapped and NAT64 forms, then it is allowed', () => {
    for (const ip of ['93.184.216.34', '8.8.8.8', '100.128.0.1', '172.32.0.1', '2606:4700:4700::1111', '2001:4860:4860::8888', '::ffff:8.8.8.8', '64:ff9b::808:808']) {
      expect({ ip, verdict: classifyAddress(ip) }).toEqual({ ip, verdict: { allowed: true } });
    }
  });

  test('when a subscription URL names localhost, a single label or a private literal, then it is refused before any lookup; dotted names wait for delivery', () => {
    for (const host of ['localhost', 'LOCALHOST.', 'api.localhost', 'redis', 'mongo.', '127.0.0.1', '[::1]', '[::ffff:7f00:1]', '10.0.0.5', '[fd00::5]']) {
      expect({ host, allowed: classifyWebhookHost(host).allowed }).toEqual({ host, allowed: false });
    }
    for (const host of ['hooks.example.vn', 'hooks.example.vn.', '93.184.216.34', '[2606:4700:4700::1111]']) {
      expect({ host, allowed: classifyWebhookHost(host).allowed }).toEqual({ host, allowed: true });
    }
  });
});
