/**
 * Entries of the config directory the reader could not use (src/config/read-config-dir.ts):
 * each is an error naming the entry, at 1:1 (at the bad byte for invalid UTF-8). Nothing is
 * quoted from such an entry: it was not read, or (invalid UTF-8) is not text.
 */
import type { ConfigFile, EntryType, Problem, Unusable } from './problem.js';
import { fileProblem, problemAtPos } from './position.js';
import { isResourceKind } from './types.js';

const FILE_LIMIT_ENV = 'KZOPS_MAX_FILE_BYTES';
const CONFIG_LIMIT_ENV = 'KZOPS_MAX_CONFIG_BYTES';

/** `52,428,800`: sizes read better grouped. */
function bytes(n: number): string {
  return n.toLocaleString('en-US');
}

const NOT_A_FILE: Record<EntryType, string> = {
  directory: 'a folder',
  directory_link: 'a symbolic link to a folder',
  file: 'a file',
  fifo: 'a named pipe (FIFO), not a regular file',
  socket: 'a socket, not a regular file',
  device: 'a device, not a regular file',
  other: 'not a regular file',
};

const ERRNO: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EIO: 'input/output error',
  ENOTDIR: 'a part of the path is not a folder',
  ELOOP: 'too many symbolic links',
  ENAMETOOLONG: 'the name is too long',
};

function errnoText(code: string): string {
  const what = ERRNO[code];
  return what ? `${code}: ${what}` : code;
}

/** The entry stands for a kind's folder (`carrier_sbcs` at the top). */
function kindFolderMessage(folder: string, u: Unusable): string | undefined {
  const lost = `the resources in ${folder}/ would not be read`;
  if (u.reason === 'not_a_file' && u.type === 'directory_link') {
    return `a symbolic link to a folder: kzops does not follow links to folders, so ${lost}; make it a real folder`;
  }
  if (u.reason === 'not_a_file') {
    return `${NOT_A_FILE[u.type]} where the folder ${folder}/ belongs: ${lost}`;
  }
  if (u.reason === 'broken_link') {
    return `a symbolic link to ${u.target}, which ${u.error === 'ENOENT' ? 'does not exist' : `cannot be followed (${errnoText(u.error)})`}: ${lost}`;
  }
  if (u.reason === 'unreadable') return `the folder cannot be listed (${errnoText(u.error)}): ${lost}`;
  return undefined;
}

function notAFileMessage(path: string, type: EntryType): string {
  const slash = path.lastIndexOf('/');
  const folder = path.slice(0, slash);
  if (type === 'directory' || type === 'directory_link') {
    const what = NOT_A_FILE[type];
    if (isResourceKind(folder) && !/\.ya?ml$/.test(path)) {
      return `${what} inside ${folder}/, which holds one file a resource and nothing else; move it out of the config directory`;
    }
    return `${what} where a file belongs: kzops reads only regular files (links to folders are not followed)`;
  }
  return `${NOT_A_FILE[type]}: kzops reads only regular files`;
}

/** What an unusable entry's problem says; undefined for `not_read` (config_too_large covers it). */
function message(path: string, u: Unusable): string | undefined {
  if (!path.includes('/') && isResourceKind(path)) {
    const special = kindFolderMessage(path, u);
    if (special) return special;
  }
  switch (u.reason) {
    case 'broken_link':
      if (u.error === 'ENOENT') {
        return `a symbolic link to ${u.target}, which does not exist (a submodule not checked out?): kzops cannot read it, and will not take the resource for deleted`;
      }
      if (u.error === 'ELOOP')
        return `a symbolic link that loops (through ${u.target}): kzops cannot read it`;
      return `a symbolic link to ${u.target}, which cannot be followed (${errnoText(u.error)}): kzops cannot read it`;
    case 'outside_link':
      return `a symbolic link to ${u.target}, outside the config directory: links may point only inside it, and this one was not read`;
    case 'not_a_file':
      return notAFileMessage(path, u.type);
    case 'unreadable':
      return `cannot be read (${errnoText(u.error)}): kzops will not take the resource for deleted`;
    case 'too_large':
      return `the file is ${bytes(u.size)} bytes, over the limit of ${bytes(u.limit)} bytes a file (${FILE_LIMIT_ENV}); it was not read`;
    case 'config_too_large':
      return `the YAML files of the config directory add up to ${bytes(u.total)} bytes, over the limit of ${bytes(u.limit)} bytes (${CONFIG_LIMIT_ENV}); this file and the ${bytes(u.unread)} after it were not read`;
    case 'invalid_utf8':
      return `not valid UTF-8: byte 0x${u.byte.toString(16).padStart(2, '0')} at offset ${u.offset} does not start a valid sequence; save the file as UTF-8`;
    case 'not_read':
      return undefined;
  }
}

function codeOf(u: Unusable): Problem['code'] {
  switch (u.reason) {
    case 'outside_link':
      return 'symlink_outside';
    case 'too_large':
      return 'file_too_large';
    case 'config_too_large':
    case 'not_read':
      return 'config_too_large';
    case 'invalid_utf8':
      return 'invalid_utf8';
    case 'broken_link':
    case 'not_a_file':
    case 'unreadable':
      return 'unreadable_entry';
  }
}

/** The problem of an entry the reader could not use; undefined when another entry's problem covers it. */
export function unusableProblem(file: ConfigFile): Problem | undefined {
  const u = file.unusable;
  if (!u) return undefined;
  const text = message(file.path, u);
  if (text === undefined) return undefined;
  if (u.reason === 'invalid_utf8') {
    return problemAtPos(file.path, { line: u.line, col: u.col }, codeOf(u), text);
  }
  return fileProblem(file.path, codeOf(u), text);
}
