import { describe, expect, it } from 'vitest';
import { layoutFiles } from '../../src/core/validate/layout.js';
import { where } from './validate-helpers.js';

function layout(...paths: string[]) {
  return layoutFiles(paths.map((path) => ({ path, text: '' })));
}

const ID = '8a901bea1d3297ef7d4c8d34809472c2';

describe('layoutFiles', () => {
  it('places targets.yaml and one resource a file, keyed by the file name', () => {
    const out = layout(
      'targets.yaml',
      `customer_clusters/${ID}.yaml`,
      'carrier_sbcs/sprint-east.yaml',
      'media_servers/ny2.yml',
      `clusters/${ID}.yaml`,
    );
    expect(out.problems).toEqual([]);
    expect([...out.placed.values()]).toEqual([
      { kind: 'targets', key: 'targets' },
      { kind: 'customer_clusters', key: ID },
      { kind: 'carrier_sbcs', key: 'sprint-east' },
      { kind: 'media_servers', key: 'ny2' },
      { kind: 'clusters', key: ID },
    ]);
  });

  it('accepts targets.yml', () => {
    expect(layout('targets.yml').problems).toEqual([]);
  });

  it('reports a missing targets.yaml on targets.yaml at 1:1', () => {
    const out = layout('carrier_sbcs/a.yaml');
    expect(where(out.problems)).toEqual(['targets.yaml:1:1 missing_file']);
  });

  it('reports an unknown folder with the folder it probably meant', () => {
    const [problem] = layout('targets.yaml', 'carrier_sbc/a.yaml').problems;
    expect(problem).toMatchObject({ code: 'wrong_folder', file: 'carrier_sbc/a.yaml' });
    expect(problem?.message).toContain('did you mean carrier_sbcs?');
  });

  it('reports a resource at the top level and one in a subfolder', () => {
    const out = layout('targets.yaml', 'sprint-east.yaml', 'media_servers/east/ny3.yaml');
    expect(out.problems.map((p) => p.code)).toEqual(['wrong_folder', 'wrong_folder']);
    expect(out.problems[1]?.message).toContain('move it to media_servers/ny3.yaml');
    expect(out.placed.size).toBe(1);
  });

  it('reports file names that are not keys, and ids that are not 32 lowercase hex', () => {
    const out = layout(
      'targets.yaml',
      'carrier_sbcs/Sprint-North.yaml',
      'media_servers/ny 3.yaml',
      'customer_clusters/kazoo-staging.yaml',
      `clusters/${ID.toUpperCase()}.yaml`,
    );
    expect(out.problems.map((p) => `${p.file} ${p.code}`)).toEqual([
      'carrier_sbcs/Sprint-North.yaml bad_file_name',
      'media_servers/ny 3.yaml bad_file_name',
      'customer_clusters/kazoo-staging.yaml bad_file_name',
      `clusters/${ID.toUpperCase()}.yaml bad_file_name`,
    ]);
    expect(out.problems[3]?.message).toContain(`write it in lowercase: ${ID}`);
    // Still placed: their content is checked like any other file's.
    expect(out.placed.size).toBe(5);
  });

  it('reports two files for one key (a.yaml and a.yml) on the later one', () => {
    const out = layout('targets.yaml', 'media_servers/ny2.yaml', 'media_servers/ny2.yml');
    expect(where(out.problems)).toEqual(['media_servers/ny2.yml:1:1 bad_file_name']);
    expect(out.problems[0]?.message).toContain('media_servers/ny2.yaml already describes media_servers/ny2');
  });

  it('points at where the file’s content starts when told', () => {
    const out = layoutFiles([{ path: 'nowhere/a.yaml', text: '' }], () => ({ line: 4, col: 1 }));
    expect(where(out.problems)).toEqual(['nowhere/a.yaml:4:1 wrong_folder', 'targets.yaml:1:1 missing_file']);
  });
});
