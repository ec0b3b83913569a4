import { describe, expect, it } from 'vitest';
import { MEDIA_SERVER, only, PAIR, SBC, validate, where, yaml } from './validate-helpers.js';

describe('references', () => {
  it('accepts keys that exist and id:<32 hex> for unmanaged resources', async () => {
    const result = await validate({
      ...PAIR,
      'carrier_sbcs/other.yaml': SBC.replace('Sprint East SBC', 'Other')
        .replace('mobile_media_server: ny2', 'mobile_media_server: id:0123456789abcdef0123456789abcdef')
        .replace('203.0.113.10, 203.0.113.11', '203.0.113.99'),
    });
    expect(where(result.problems)).toEqual([]);
  });

  it('reports an SBC whose media server does not exist, with did you mean', async () => {
    const result = await validate({
      ...PAIR,
      'carrier_sbcs/sprint-east.yaml': SBC.replace('mobile_media_server: ny2', 'mobile_media_server: ny3'),
    });
    const p = only(result, 'unresolved_reference');
    expect(p).toMatchObject({
      file: 'carrier_sbcs/sprint-east.yaml',
      line: 6,
      col: 22,
      path: 'mobile_media_server',
    });
    expect(p.message).toBe(
      'mobile_media_server: no media server "ny3" in media_servers/; did you mean ny2? (write id:<32 hex> for one kzops does not manage)',
    );
  });

  it('still resolves a reference to a file that does not parse (its file name is its key)', async () => {
    const result = await validate({ ...PAIR, 'media_servers/ny2.yaml': 'name: [unclosed\n' });
    expect(result.problems.map((p) => p.code)).toEqual(['yaml_syntax']);
  });

  it('leaves a malformed reference to the schema', async () => {
    const result = await validate({
      ...PAIR,
      'carrier_sbcs/sprint-east.yaml': SBC.replace(': ny2', ': NY2'),
    });
    expect(result.problems.map((p) => p.code)).toEqual(['invalid_value']);
  });

  it('reports an unknown SBC in a priority list at the list item', async () => {
    const result = await validate({
      ...PAIR,
      'media_servers/ny2.yaml': MEDIA_SERVER.replace('[sprint-east]', '[sprint-east, sprint-est2]'),
    });
    const p = only(result, 'unresolved_reference');
    expect(p).toMatchObject({ line: 3, col: 25, path: 'carrier_sbc_priority.sprint.1' });
    expect(p.message).toContain('no carrier SBC "sprint-est2" in carrier_sbcs/; did you mean sprint-east?');
  });

  it('reports an SBC listed under a carrier it does not have', async () => {
    const result = await validate({
      ...PAIR,
      'carrier_sbcs/sprint-east.yaml': SBC.replace('carrier: sprint', 'carrier: tmobile'),
    });
    const p = only(result, 'carrier_mismatch');
    expect(p).toMatchObject({
      file: 'media_servers/ny2.yaml',
      line: 3,
      col: 12,
      path: 'carrier_sbc_priority.sprint.0',
    });
    expect(p.message).toBe(
      'carrier_sbc_priority.sprint.0: sprint-east is listed for carrier sprint, but its carrier is tmobile (carrier_sbcs/sprint-east.yaml)',
    );
  });

  it('reports the same SBC twice in one list on the second, and only once', async () => {
    const result = await validate({
      ...PAIR,
      'media_servers/ny2.yaml': yaml`
        name: NY2
        carrier_sbc_priority:
          sprint:
            - sprint-east
            - sprint-east
      `,
    });
    expect(where(result.problems)).toEqual(['media_servers/ny2.yaml:5:7 duplicate_reference']);
    expect(result.problems[0]?.message).toContain('sprint-east is already item 0 of this list');
  });

  it('checks lists of several carriers independently', async () => {
    const result = await validate({
      ...PAIR,
      'media_servers/ny2.yaml':
        'name: NY2\ncarrier_sbc_priority:\n  sprint: [sprint-east]\n  tmobile: [sprint-east]\n',
    });
    expect(where(result.problems)).toEqual(['media_servers/ny2.yaml:4:13 carrier_mismatch']);
  });
});
