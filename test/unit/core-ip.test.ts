import { isIP, isIPv4 } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeIp } from '../../src/core/ip.js';
import { diffDocument, ROUTING_DIFF_RULES } from '../../src/core/plan/diff.js';
import { sameness } from '../../src/core/validate/uniqueness.js';
import { ipv6Groups, ipv6Spelling, longForm } from './ip-spellings.js';

// Moved from plan-diff.test.ts with the function (it was the differ's own).
describe('normalizeIp', () => {
  it.each([
    ['10.0.0.1', '10.0.0.1'],
    ['0.0.0.0', '0.0.0.0'],
    ['255.255.255.255', '255.255.255.255'],
    ['2001:db8::1', '2001:db8::1'],
    ['2001:0DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['::', '::'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['::1', '::1'],
    ['1::', '1::'],
    ['2001:db8:0:1:0:0:0:1', '2001:db8:0:1::1'], // the longest zero run
    ['2001:0:0:1:0:0:1:1', '2001::1:0:0:1:1'], // the first of equal runs
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'], // one zero group is not compressed
    ['1:2:3:4:5:6:7::', '1:2:3:4:5:6:7:0'],
    ['::ffff:192.0.2.1', '::ffff:c000:201'],
    ['64:ff9b::192.0.2.33', '64:ff9b::c000:221'],
  ])('%s → %s', (text, canonical) => {
    expect(normalizeIp(text)).toBe(canonical);
  });

  it.each([
    '010.0.0.1',
    '10.0.0.01',
    '256.0.0.1',
    '10.0.0',
    '10.0.0.1.1',
    '1e1.0.0.1',
    ' 10.0.0.1',
    '10.0.0.1 ',
    '0x0a.0.0.1',
    '',
    ':',
    ':::',
    '1:::2',
    '1::2::3',
    ':1::2',
    '1::2:',
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1:2:3:4::5:6:7:8',
    '12345::',
    'g::1',
    'fe80::1%eth0',
    '::ffff:010.0.0.1',
    '::1.2.3.4:5',
    '1.2.3.4::',
    'example.com',
  ])('rejects %j', (text) => {
    expect(normalizeIp(text)).toBeUndefined();
  });

  it('leaves valid IPv4 text as it is, and agrees with node:net on what is IPv4', () => {
    fc.assert(fc.property(fc.ipV4(), (ip) => normalizeIp(ip) === ip));
    fc.assert(
      fc.property(fc.ipV4Extended(), (ip) => (normalizeIp(ip) !== undefined) === isIPv4(ip)),
      { numRuns: 500 },
    );
  });

  it('gives IPv6 the WHATWG URL serialisation (RFC 5952, embedded IPv4 in hex)', () => {
    fc.assert(
      fc.property(fc.ipV6(), (ip) => {
        const hostname = new URL(`http://[${ip}]/`).hostname;
        expect(normalizeIp(ip)).toBe(hostname.slice(1, -1));
        expect(normalizeIp(longForm(hostname.slice(1, -1)))).toBe(hostname.slice(1, -1));
      }),
      { numRuns: 500 },
    );
  });

  it('accepts exactly what node:net accepts (zone ids aside), and is idempotent', () => {
    const unit = fc.constantFrom(...'0123456789abcdefABCDEFg:.'.split(''));
    const near = fc
      .oneof(fc.ipV4(), fc.ipV6())
      .chain((ip) =>
        fc
          .tuple(fc.nat(ip.length), fc.nat(ip.length), fc.string({ unit, maxLength: 2 }))
          .map(([i, j, s]) => ip.slice(0, Math.min(i, j)) + s + ip.slice(Math.max(i, j))),
      );
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit, maxLength: 40 }), near), (text) => {
        const canonical = normalizeIp(text);
        expect(canonical !== undefined).toBe(isIP(text) !== 0);
        if (canonical !== undefined) expect(normalizeIp(canonical)).toBe(canonical);
      }),
      { numRuns: 2000 },
    );
  });
});

describe('normalizeIp: one form per address', () => {
  /** The WHATWG URL serialisation of `groups`: an independent canonical form to compare with. */
  const viaUrl = (groups: number[]) =>
    new URL(`http://[${groups.map((g) => g.toString(16)).join(':')}]/`).hostname.slice(1, -1);

  it('maps every spelling of an IPv6 address to one form, the RFC 5952 one', () => {
    const spellings = ipv6Groups.chain((groups) =>
      fc.tuple(fc.constant(groups), ipv6Spelling(groups), ipv6Spelling(groups)),
    );
    fc.assert(
      fc.property(spellings, ([groups, a, b]) => {
        expect(isIP(a)).toBe(6); // the generator makes real addresses
        expect(normalizeIp(a)).toBe(viaUrl(groups));
        expect(normalizeIp(b)).toBe(normalizeIp(a));
      }),
      { numRuns: 1000 },
    );
  });

  it('keeps different addresses apart', () => {
    fc.assert(
      fc.property(ipv6Groups, ipv6Groups, (x, y) => {
        const same = x.every((g, i) => g === y[i]);
        expect(normalizeIp(viaUrl(x)) === normalizeIp(viaUrl(y))).toBe(same);
      }),
      { numRuns: 500 },
    );
  });

  it('is idempotent on every address text', () => {
    const text = fc.oneof(fc.ipV4(), fc.ipV6(), ipv6Groups.chain(ipv6Spelling));
    fc.assert(
      fc.property(text, (t) => {
        const once = normalizeIp(t);
        expect(once).toBeDefined();
        expect(normalizeIp(once ?? '')).toBe(once);
      }),
      { numRuns: 1000 },
    );
  });

  it('is the rule of both users: validation calls two spellings one address exactly when the differ does', () => {
    const SBC = ROUTING_DIFF_RULES.carrier_sbcs;
    const pair = ipv6Groups.chain((groups) =>
      fc.tuple(
        ipv6Spelling(groups),
        fc.oneof(
          ipv6Spelling(groups),
          ipv6Groups.chain(ipv6Spelling),
          ipv6Spelling(groups).map((s) => ` ${s}`),
          fc.ipV4(),
          fc.string({ maxLength: 6 }),
        ),
      ),
    );
    fc.assert(
      fc.property(pair, ([a, b]) => {
        const oneForDiff = diffDocument({ ips: [a] }, { ips: [b] }, SBC).length === 0;
        expect(sameness(a) === sameness(b)).toBe(oneForDiff);
      }),
      { numRuns: 1000 },
    );
  });
});
