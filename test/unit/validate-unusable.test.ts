/**
 * validateConfig on the entries the reader could not use: each is an error naming the entry,
 * none is parsed, none is echoed, and its key still exists for references (a file that could
 * not be read is not a resource that was deleted).
 */
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/core/validate/index.js';
import type { ConfigFile, Unusable } from '../../src/core/validate/problem.js';
import { renderProblemsGithub, renderProblemsText } from '../../src/render/problems.js';
import { configFiles, MEDIA_SERVER, SBC, shippedSchemas, where } from './validate-helpers.js';

function unusable(path: string, u: Unusable): ConfigFile {
  return { path, text: '', unusable: u };
}

/** The SBC/media server pair, with the SBC's file replaced by an entry the reader could not use. */
async function withSbcEntry(u: Unusable, path = 'carrier_sbcs/sprint-east.yaml') {
  const files = [...configFiles({ 'media_servers/ny2.yaml': MEDIA_SERVER }), unusable(path, u)].sort(
    (a, b) => (a.path < b.path ? -1 : 1),
  );
  return { files, result: validateConfig(files, await shippedSchemas()) };
}

describe('entries the reader could not use', () => {
  it('a dangling link is unreadable_entry, and the SBC it names still exists for references', async () => {
    const { result } = await withSbcEntry({
      reason: 'broken_link',
      target: '../sub/x.yaml',
      error: 'ENOENT',
    });
    expect(where(result.problems)).toEqual(['carrier_sbcs/sprint-east.yaml:1:1 unreadable_entry']);
    expect(result.problems[0]?.message).toBe(
      'a symbolic link to ../sub/x.yaml, which does not exist (a submodule not checked out?): kzops cannot read it, and will not take the resource for deleted',
    );
    expect(result.valid).toBe(false);
    expect(result.resources.map((r) => `${r.kind}/${r.key}`)).toEqual(['media_servers/ny2']);
  });

  it('names each kind of entry that is not a regular file', async () => {
    const cases: [Unusable, string][] = [
      [
        { reason: 'broken_link', target: 'a.yaml', error: 'ELOOP' },
        'a symbolic link that loops (through a.yaml)',
      ],
      [{ reason: 'not_a_file', type: 'directory' }, 'a folder where a file belongs'],
      [{ reason: 'not_a_file', type: 'fifo' }, 'a named pipe (FIFO), not a regular file'],
      [{ reason: 'not_a_file', type: 'socket' }, 'a socket, not a regular file'],
      [{ reason: 'not_a_file', type: 'device' }, 'a device, not a regular file'],
      [{ reason: 'not_a_file', type: 'directory_link' }, 'a symbolic link to a folder'],
      [{ reason: 'unreadable', error: 'EACCES' }, 'cannot be read (EACCES: permission denied)'],
    ];
    for (const [u, says] of cases) {
      const { result } = await withSbcEntry(u);
      expect(where(result.problems), says).toEqual(['carrier_sbcs/sprint-east.yaml:1:1 unreadable_entry']);
      expect(result.problems[0]?.message, says).toContain(says);
    }
  });

  it('a folder inside a kind folder is reported without layout problems about its name', async () => {
    const { result } = await withSbcEntry(
      { reason: 'not_a_file', type: 'directory' },
      'carrier_sbcs/archive',
    );
    expect(where(result.problems)).toEqual([
      'carrier_sbcs/archive:1:1 unreadable_entry',
      // The media server's reference: sprint-east has no file at all here.
      'media_servers/ny2.yaml:3:12 unresolved_reference',
    ]);
    expect(result.problems[0]?.message).toBe(
      'a folder inside carrier_sbcs/, which holds one file a resource and nothing else; move it out of the config directory',
    );
  });

  it('a kind folder that is a link or a file says that its resources were not read', async () => {
    const files = configFiles({}).concat(
      unusable('media_servers', { reason: 'not_a_file', type: 'directory_link' }),
    );
    const result = validateConfig(files, await shippedSchemas());
    expect(where(result.problems)).toEqual(['media_servers:1:1 unreadable_entry']);
    expect(result.problems[0]?.message).toBe(
      'a symbolic link to a folder: kzops does not follow links to folders, so the resources in media_servers/ would not be read; make it a real folder',
    );
  });

  it('a link outside the tree is symlink_outside, and says where it points', async () => {
    const { result } = await withSbcEntry({ reason: 'outside_link', target: '/proc/self/environ' });
    expect(where(result.problems)).toEqual(['carrier_sbcs/sprint-east.yaml:1:1 symlink_outside']);
    expect(result.problems[0]?.message).toBe(
      'a symbolic link to /proc/self/environ, outside the config directory: links may point only inside it, and this one was not read',
    );
  });

  it('a file over the limit is file_too_large, with both sizes and the variable to change', async () => {
    const { result } = await withSbcEntry({ reason: 'too_large', size: 52_428_800, limit: 1_048_576 });
    expect(where(result.problems)).toEqual(['carrier_sbcs/sprint-east.yaml:1:1 file_too_large']);
    expect(result.problems[0]?.message).toBe(
      'the file is 52,428,800 bytes, over the limit of 1,048,576 bytes a file (KZOPS_MAX_FILE_BYTES); it was not read',
    );
  });

  it('a config over the total is config_too_large once, at the first file not read', async () => {
    const files = [
      ...configFiles({ 'media_servers/ny2.yaml': MEDIA_SERVER }),
      unusable('carrier_sbcs/a.yaml', { reason: 'config_too_large', total: 3000, limit: 1000, unread: 2 }),
      unusable('carrier_sbcs/b.yaml', { reason: 'not_read' }),
      unusable('carrier_sbcs/sprint-east.yaml', { reason: 'not_read' }),
    ].sort((a, b) => (a.path < b.path ? -1 : 1));
    const result = validateConfig(files, await shippedSchemas());
    expect(where(result.problems)).toEqual(['carrier_sbcs/a.yaml:1:1 config_too_large']);
    expect(result.problems[0]?.message).toBe(
      'the YAML files of the config directory add up to 3,000 bytes, over the limit of 1,000 bytes (KZOPS_MAX_CONFIG_BYTES); this file and the 2 after it were not read',
    );
    expect(result.valid).toBe(false);
  });

  it('invalid UTF-8 is invalid_utf8 at its line and column, with the byte offset', async () => {
    const { result } = await withSbcEntry({
      reason: 'invalid_utf8',
      offset: 19,
      byte: 0xff,
      line: 2,
      col: 8,
    });
    expect(where(result.problems)).toEqual(['carrier_sbcs/sprint-east.yaml:2:8 invalid_utf8']);
    expect(result.problems[0]?.message).toBe(
      'not valid UTF-8: byte 0xff at offset 19 does not start a valid sequence; save the file as UTF-8',
    );
  });

  it('a missing targets.yaml is not reported when targets.yaml is there but unreadable', async () => {
    const files = configFiles({
      'targets.yaml': null,
      'carrier_sbcs/sprint-east.yaml': SBC,
      'media_servers/ny2.yaml': MEDIA_SERVER,
    });
    files.push(
      unusable('targets.yaml', { reason: 'broken_link', target: 'shared/targets.yaml', error: 'ENOENT' }),
    );
    const result = validateConfig(files, await shippedSchemas());
    expect(where(result.problems)).toEqual(['targets.yaml:1:1 unreadable_entry']);
  });

  it('renders the problem without a source line (there is none to show)', async () => {
    const { files, result } = await withSbcEntry({ reason: 'outside_link', target: '/etc/kzops/key' });
    const text = renderProblemsText(result, files, { dir: 'config', color: false });
    expect(text).toBe(
      'config/carrier_sbcs/sprint-east.yaml:1:1  symlink_outside  a symbolic link to /etc/kzops/key, outside the config directory: links may point only inside it, and this one was not read\n\n1 error in 1 file (3 files checked)\n',
    );
    expect(renderProblemsGithub(result, { dir: 'config' })).toContain(
      '::error file=config/carrier_sbcs/sprint-east.yaml,line=1,col=1,title=kzops symlink_outside::',
    );
  });
});
