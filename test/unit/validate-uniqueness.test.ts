import { describe, expect, it } from 'vitest';
import { sameness } from '../../src/core/validate/uniqueness.js';
import { MEDIA_SERVER, only, PAIR, SBC, TARGETS, validate, where } from './validate-helpers.js';

const WEST = SBC.replace('Sprint East SBC', 'Sprint West SBC').replace(
  '203.0.113.10, 203.0.113.11',
  '203.0.113.70',
);
const PRIORITY = MEDIA_SERVER.replace('[sprint-east]', '[sprint-east, sprint-west]');

describe('duplicate_name', () => {
  it('reports the second file with the name, naming the first', async () => {
    const result = await validate({
      ...PAIR,
      'media_servers/ny2.yaml': PRIORITY,
      'carrier_sbcs/sprint-west.yaml': WEST.replace('Sprint West SBC', '  sprint east sbc'),
    });
    const p = only(result, 'duplicate_name');
    expect(p).toMatchObject({ file: 'carrier_sbcs/sprint-west.yaml', line: 1, col: 9, path: 'name' });
    expect(p.message).toBe(
      'name: "sprint east sbc" is already the name of carrier_sbcs/sprint-east.yaml; each carrier SBC needs its own name',
    );
  });

  it('compares names within one kind only', async () => {
    const result = await validate({
      ...PAIR,
      'media_servers/ny2.yaml': MEDIA_SERVER.replace('NY2 Mobile Media Server', 'Sprint East SBC'),
    });
    expect(where(result.problems)).toEqual([]);
  });
});

describe('duplicate_ip', () => {
  it('reports an address claimed by a second SBC, at the address', async () => {
    const result = await validate({
      ...PAIR,
      'media_servers/ny2.yaml': PRIORITY,
      'carrier_sbcs/sprint-west.yaml': WEST.replace('[203.0.113.70]', '[203.0.113.70, 203.0.113.11]'),
    });
    const p = only(result, 'duplicate_ip');
    expect(p).toMatchObject({ file: 'carrier_sbcs/sprint-west.yaml', line: 5, col: 21, path: 'ips.1' });
    expect(p.message).toBe(
      'ips.1: 203.0.113.11 is already an address of carrier_sbcs/sprint-east.yaml; an address belongs to one SBC only',
    );
  });

  it('knows one IPv6 address in two spellings', async () => {
    const result = await validate({
      ...PAIR,
      'media_servers/ny2.yaml': PRIORITY,
      'carrier_sbcs/sprint-east.yaml': SBC.replace('203.0.113.11', "'2001:db8:70::10'"),
      'carrier_sbcs/sprint-west.yaml': WEST.replace('[203.0.113.70]', "['2001:DB8:70:0:0:0:0:0010']"),
    });
    expect(where(result.problems)).toEqual(['carrier_sbcs/sprint-west.yaml:5:7 duplicate_ip']);
  });
});

describe('duplicate_list_item', () => {
  it('reports a repeated address in one list, at the repeat', async () => {
    const result = await validate({
      ...PAIR,
      'carrier_sbcs/sprint-east.yaml': SBC.replace('203.0.113.11', '203.0.113.10'),
    });
    const p = only(result, 'duplicate_list_item');
    expect(p).toMatchObject({ line: 5, col: 21, path: 'ips.1' });
    expect(p.message).toBe('ips.1: the same as item 0 of this list');
  });

  it('looks into every list, also nested ones and those of targets.yaml', async () => {
    const result = await validate({
      ...PAIR,
      'media_servers/ny2.yaml': MEDIA_SERVER.replace('[10.26.1.10]', '[10.26.1.10, 10.26.1.10]'),
      'targets.yaml': `${TARGETS}    protect: [carrier_sbcs/sprint-east, carrier_sbcs/sprint-east]\n`,
      'customer_clusters/8a901bea1d3297ef7d4c8d34809472c2.yaml':
        'name: K\nips:\n  inbound:\n    east: [198.51.100.10, 198.51.100.10]\n',
    });
    expect(where(result.problems)).toEqual([
      'customer_clusters/8a901bea1d3297ef7d4c8d34809472c2.yaml:4:27 duplicate_list_item',
      'media_servers/ny2.yaml:4:23 duplicate_list_item',
      'targets.yaml:4:41 duplicate_list_item',
    ]);
  });
});

describe('sameness', () => {
  it('writes IPv6 addresses one way', () => {
    expect(sameness('2001:DB8::1')).toBe(sameness('2001:db8:0:0:0:0:0:1'));
    expect(sameness('::ffff:192.0.2.1')).toBe(sameness('0:0:0:0:0:ffff:c000:201'));
    expect(sameness('::1')).not.toBe(sameness('::2'));
  });

  it('leaves other values as they are', () => {
    expect(sameness('sprint')).toBe('sprint');
    expect(sameness(1)).toBe('1');
    expect(sameness('1::2::3')).toBe('1::2::3');
  });
});
