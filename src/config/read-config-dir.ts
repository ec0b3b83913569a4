/**
 * The I/O half of validation: every YAML file under the config directory, as text, and every
 * entry that should have been one but cannot be used. Deciding what a YAML file is belongs to
 * the pure validator, which also reports YAML files in places it does not know, and turns each
 * unusable entry into an error: a file that cannot be read must never look like a file that was
 * removed, or a plan would delete its resource.
 *
 * Entries that matter are anything named *.yaml or *.yml anywhere under the directory, and any
 * entry directly inside a kind's folder (customer_clusters/, carrier_sbcs/, media_servers/,
 * clusters/) or standing for one. Among them, only regular files inside the tree are read:
 * a symbolic link may lead to a file inside the config directory (checked on the real paths),
 * never outside it, and links to folders are never followed. Everything else (README.md, an
 * `images/` folder, editor files) is skipped as before.
 *
 * Sizes are limited before anything is parsed: a file over the limit a file is not read, and
 * once the files read add up to the limit for the whole config, no more are read. A file that
 * is not UTF-8 is reported with the offset of its first bad byte rather than read with
 * replacement characters, which would otherwise be written to the server.
 *
 * The reads are synchronous on purpose: a config is thousands of small files read once by a
 * short-lived command, and one promise plus four thread-pool round trips a file made reading
 * 10,000 files take a second instead of under a tenth of one.
 */
import { isUtf8 } from 'node:buffer';
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readlinkSync,
  readSync,
  realpathSync,
  statSync,
  type Dirent,
  type Stats,
} from 'node:fs';
import { join, sep } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { ConfigFile, EntryType, Unusable } from '../core/validate/problem.js';
import { isResourceKind } from '../core/validate/types.js';

const YAML_FILE = /\.ya?ml$/;

/** How much the reader reads, in bytes. */
export interface ReadLimits {
  /** A file larger than this is not read (file_too_large). */
  maxFileBytes: number;
  /** Files are read in path order until they would add up to more than this (config_too_large). */
  maxConfigBytes: number;
}

export const FILE_LIMIT_ENV = 'KZOPS_MAX_FILE_BYTES';
export const CONFIG_LIMIT_ENV = 'KZOPS_MAX_CONFIG_BYTES';

/**
 * 1 MiB a file is some fifty times the largest resource file a person writes; 256 MiB in all
 * keeps a command's memory bounded while leaving room for configs far beyond 10,000 files.
 */
export const DEFAULT_LIMITS: Readonly<ReadLimits> = Object.freeze({
  maxFileBytes: 1024 * 1024,
  maxConfigBytes: 256 * 1024 * 1024,
});

/** `1048576`, `512K`, `4M`, `1GiB`: bytes, or binary kilo-, mega- and gigabytes. */
const SIZE = /^(\d+)\s*(?:([kmg])(?:i?b)?|b)?$/i;

function sizeFrom(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name]?.trim();
  if (!raw) return fallback;
  const m = SIZE.exec(raw);
  const unit = m?.[2] ? 1024 ** ('kmg'.indexOf(m[2].toLowerCase()) + 1) : 1;
  const bytes = m ? Number(m[1]) * unit : Number.NaN;
  if (!Number.isSafeInteger(bytes) || bytes <= 0) {
    throw new UsageError(`${name}=${raw}: not a size; write a whole number of bytes, or one with K, M or G`, {
      hint: `e.g. ${name}=2M, or unset it for the default`,
    });
  }
  return bytes;
}

/** The limits, from KZOPS_MAX_FILE_BYTES and KZOPS_MAX_CONFIG_BYTES where set. */
export function limitsFromEnv(env: NodeJS.ProcessEnv = process.env): ReadLimits {
  return {
    maxFileBytes: sizeFrom(env, FILE_LIMIT_ENV, DEFAULT_LIMITS.maxFileBytes),
    maxConfigBytes: sizeFrom(env, CONFIG_LIMIT_ENV, DEFAULT_LIMITS.maxConfigBytes),
  };
}

function errorCode(err: unknown): string {
  return (err as NodeJS.ErrnoException).code ?? (err instanceof Error ? err.message : String(err));
}

/** The directory must exist and be a directory; anything else is a mistake in `--dir`. */
function requireDirectory(dir: string): void {
  let isDir: boolean;
  try {
    isDir = statSync(dir).isDirectory();
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : `cannot be read (${code ?? String(err)})`;
    throw new UsageError(`--dir ${dir}: the config directory ${why}`, {
      cause: err,
      hint: 'run from the repository root, or pass --dir PATH to the directory that holds targets.yaml',
    });
  }
  if (!isDir) {
    throw new UsageError(`--dir ${dir}: not a directory`, {
      hint: 'pass --dir PATH to the directory that holds targets.yaml',
    });
  }
}

function entryType(s: Dirent | Stats): EntryType {
  if (s.isDirectory()) return 'directory';
  if (s.isFile()) return 'file';
  if (s.isFIFO()) return 'fifo';
  if (s.isSocket()) return 'socket';
  if (s.isBlockDevice() || s.isCharacterDevice()) return 'device';
  return 'other';
}

function unusableEntry(path: string, unusable: Unusable): ConfigFile {
  return { path, text: '', unusable };
}

/** A file to read: `open` is the path itself, or the real path a link inside the tree leads to. */
interface Candidate {
  path: string;
  open: string;
}

/** What one walk over the directory finds. */
interface Walk {
  root: string;
  /** The real path of the root, with a trailing separator: links must resolve under it. */
  inside: string;
  candidates: Candidate[];
  entries: ConfigFile[];
}

/** How an entry's place makes it matter (see the module comment). */
interface Place {
  /** Named *.yaml or *.yml. */
  yaml: boolean;
  /** Directly inside a kind's folder, or a kind's folder itself: anything there that is not a plain file is reported. */
  kindEntry: boolean;
  /** The entry stands for a kind's folder (carrier_sbcs at the top). */
  kindFolder: boolean;
}

function linkTarget(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return '?';
  }
}

/** A symbolic link: followed only to a regular file inside the tree. */
function followLink(w: Walk, path: string, place: Place): void {
  const abs = join(w.root, path);
  const matters = place.yaml || place.kindEntry;
  let real: string;
  try {
    real = realpathSync.native(abs);
  } catch (err) {
    if (matters)
      w.entries.push(
        unusableEntry(path, { reason: 'broken_link', target: linkTarget(abs), error: errorCode(err) }),
      );
    return;
  }
  const inside = `${real}${sep}`.startsWith(w.inside);
  // What a YAML-named link outside leads to is none of kzops's business: it is not even looked at.
  if (place.yaml && !inside) {
    w.entries.push(unusableEntry(path, { reason: 'outside_link', target: linkTarget(abs) }));
    return;
  }
  let st: Stats;
  try {
    st = statSync(real);
  } catch (err) {
    if (matters) w.entries.push(unusableEntry(path, { reason: 'unreadable', error: errorCode(err) }));
    return;
  }
  if (st.isFile() && !place.kindFolder) {
    if (place.yaml) w.candidates.push({ path, open: real });
    return;
  }
  if (!matters) return;
  const type = st.isDirectory() ? 'directory_link' : entryType(st);
  w.entries.push(unusableEntry(path, { reason: 'not_a_file', type }));
}

function listDir(w: Walk, prefix: string): Dirent[] | undefined {
  try {
    return readdirSync(join(w.root, prefix), { withFileTypes: true });
  } catch (err) {
    if (!prefix) {
      throw new UsageError(`--dir ${w.root}: the config directory cannot be read (${errorCode(err)})`, {
        cause: err,
      });
    }
    // A kind's folder that cannot be listed would make all its resources look deleted. Other
    // folders that cannot be listed (lost+found on a volume) hold no resources.
    if (isResourceKind(prefix)) {
      w.entries.push(unusableEntry(prefix, { reason: 'unreadable', error: errorCode(err) }));
    }
    return undefined;
  }
}

function walk(w: Walk, prefix = ''): void {
  const inKindFolder = isResourceKind(prefix);
  for (const entry of listDir(w, prefix) ?? []) {
    const path = prefix ? `${prefix}/${entry.name}` : entry.name;
    const kindFolder = !prefix && isResourceKind(entry.name);
    const place: Place = {
      yaml: YAML_FILE.test(entry.name),
      kindEntry: inKindFolder || kindFolder,
      kindFolder,
    };
    if (entry.isDirectory()) {
      if (place.yaml || inKindFolder) {
        w.entries.push(unusableEntry(path, { reason: 'not_a_file', type: 'directory' }));
      }
      walk(w, path);
    } else if (entry.isFile()) {
      if (kindFolder) w.entries.push(unusableEntry(path, { reason: 'not_a_file', type: 'file' }));
      else if (place.yaml) w.candidates.push({ path, open: join(w.root, path) });
    } else if (entry.isSymbolicLink()) {
      followLink(w, path, place);
    } else if (place.yaml || place.kindEntry) {
      w.entries.push(unusableEntry(path, { reason: 'not_a_file', type: entryType(entry) }));
    }
  }
}

/**
 * The 0-based offset of the first byte that does not begin a well-formed UTF-8 sequence
 * (Unicode's table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), or -1.
 */
export function firstInvalidUtf8(bytes: Uint8Array): number {
  const n = bytes.length;
  let i = 0;
  while (i < n) {
    const b = bytes[i] ?? 0;
    if (b < 0x80) {
      i++;
      continue;
    }
    let more: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) more = 1;
    else if (b === 0xe0) [more, lo] = [2, 0xa0];
    else if (b === 0xed) [more, hi] = [2, 0x9f];
    else if (b >= 0xe1 && b <= 0xef) more = 2;
    else if (b === 0xf0) [more, lo] = [3, 0x90];
    else if (b >= 0xf1 && b <= 0xf3) more = 3;
    else if (b === 0xf4) [more, hi] = [3, 0x8f];
    else return i;
    if (i + more >= n) return i;
    const second = bytes[i + 1] ?? 0;
    if (second < lo || second > hi) return i;
    for (let k = 2; k <= more; k++) if (((bytes[i + k] ?? 0) & 0xc0) !== 0x80) return i;
    i += more + 1;
  }
  return -1;
}

function invalidUtf8(bytes: Buffer): Unusable {
  // isUtf8 said no; both follow the same table, so there is a first bad byte (0 if they ever disagree).
  const offset = Math.max(0, firstInvalidUtf8(bytes));
  const lineStart = offset > 0 ? bytes.lastIndexOf(0x0a, offset - 1) + 1 : 0;
  let line = 1;
  for (let i = bytes.indexOf(0x0a); i >= 0 && i < offset; i = bytes.indexOf(0x0a, i + 1)) line++;
  // Everything before the first bad byte is valid: the column counts its characters.
  const col = bytes.toString('utf8', lineStart, offset).length + 1;
  return { reason: 'invalid_utf8', offset, byte: bytes[offset] ?? 0, line, col };
}

/** O_NONBLOCK: a pipe swapped in after the walk must not make open() wait for a writer. */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/**
 * The first read of every file goes into this buffer: most config files fit, and a short read
 * of a regular file is its end, so they cost open, read and close, without an fstat.
 */
const FIRST_READ = Buffer.allocUnsafe(64 * 1024);

type ReadOutcome = { bytes: Buffer } | { unusable: Unusable };

/**
 * The rest of a file larger than the first read: its size is checked against the limit
 * before anything more is read, and then at most `max` bytes are (it may have grown since).
 */
function readLarge(fd: number, head: Buffer, max: number): ReadOutcome {
  const st = fstatSync(fd);
  if (!st.isFile()) return { unusable: { reason: 'not_a_file', type: entryType(st) } };
  if (st.size > max) return { unusable: { reason: 'too_large', size: st.size, limit: max } };
  let buf = Buffer.allocUnsafe(Math.max(st.size, head.length) + 1);
  head.copy(buf);
  let length = head.length;
  for (;;) {
    if (length === buf.length) {
      if (length > max) break;
      const bigger = Buffer.allocUnsafe(Math.min(buf.length * 2, max + 1));
      buf.copy(bigger, 0, 0, length);
      buf = bigger;
    }
    const wanted = buf.length - length;
    const got = readSync(fd, buf, length, wanted, null);
    length += got;
    if (got < wanted) break;
  }
  if (length > max) {
    return { unusable: { reason: 'too_large', size: Math.max(fstatSync(fd).size, length), limit: max } };
  }
  return { bytes: buf.subarray(0, length) };
}

/** One file's bytes, at most `max` of them (the limit a file). */
function readCandidate(c: Candidate, max: number): ReadOutcome {
  let fd: number;
  try {
    fd = openSync(c.open, OPEN_FLAGS);
  } catch (err) {
    return { unusable: { reason: 'unreadable', error: errorCode(err) } };
  }
  try {
    const first = Math.min(FIRST_READ.length, max + 1);
    const got = readSync(fd, FIRST_READ, 0, first, null);
    if (got < first) return { bytes: FIRST_READ.subarray(0, got) };
    return readLarge(fd, Buffer.from(FIRST_READ.subarray(0, got)), max);
  } catch (err) {
    const code = errorCode(err);
    // EISDIR, EAGAIN (a pipe): what is there now is not a regular file.
    if (code === 'EISDIR' || code === 'EAGAIN') {
      return { unusable: { reason: 'not_a_file', type: code === 'EISDIR' ? 'directory' : 'other' } };
    }
    return { unusable: { reason: 'unreadable', error: code } };
  } finally {
    closeSync(fd);
  }
}

function sizeOf(c: Candidate): number {
  try {
    return statSync(c.open).size;
  } catch {
    return 0;
  }
}

function byPath(a: ConfigFile | Candidate, b: ConfigFile | Candidate): number {
  return a.path < b.path ? -1 : a.path > b.path ? 1 : 0;
}

/** The file's text, or why it cannot be used (not UTF-8). */
function decode(bytes: Buffer): { text: string } | { unusable: Unusable } {
  return isUtf8(bytes) ? { text: bytes.toString('utf8') } : { unusable: invalidUtf8(bytes) };
}

/**
 * Reads the candidates in path order while they add up to no more than the total limit; the
 * first that would go over is reported with the total of all of them, and the rest are not read.
 */
function readCandidates(candidates: readonly Candidate[], limits: ReadLimits): ConfigFile[] {
  const out: ConfigFile[] = [];
  let total = 0;
  for (let i = 0; i < candidates.length; i++) {
    const c = candidates[i] as Candidate;
    const got = readCandidate(c, limits.maxFileBytes);
    if ('unusable' in got) {
      out.push(unusableEntry(c.path, got.unusable));
      continue;
    }
    if (total + got.bytes.length > limits.maxConfigBytes) {
      const rest = candidates.slice(i + 1);
      const sum = rest.reduce((s, r) => s + sizeOf(r), total + got.bytes.length);
      out.push(
        unusableEntry(c.path, {
          reason: 'config_too_large',
          total: sum,
          limit: limits.maxConfigBytes,
          unread: rest.length,
        }),
      );
      for (const r of rest) out.push(unusableEntry(r.path, { reason: 'not_read' }));
      break;
    }
    total += got.bytes.length;
    const decoded = decode(got.bytes);
    out.push(
      'text' in decoded ? { path: c.path, text: decoded.text } : unusableEntry(c.path, decoded.unusable),
    );
  }
  return out;
}

function newWalk(dir: string): Walk {
  const real = realpathSync.native(dir);
  return { root: dir, inside: real.endsWith(sep) ? real : `${real}${sep}`, candidates: [], entries: [] };
}

/**
 * Every .yaml/.yml file under `dir`, recursively, and every entry that matters but cannot be
 * used (with `unusable` set and empty text), sorted by path (code-unit order). `limits`
 * defaults to the environment's (limitsFromEnv).
 */
export function readConfigDir(dir: string, limits?: ReadLimits): Promise<ConfigFile[]> {
  try {
    const max = limits ?? limitsFromEnv();
    requireDirectory(dir);
    const w = newWalk(dir);
    walk(w);
    const files = readCandidates(w.candidates.sort(byPath), max);
    return Promise.resolve([...files, ...w.entries].sort(byPath));
  } catch (err) {
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }
}

/**
 * One file of the config directory (`targets.yaml`) read by the same rules, for a command that
 * needs it alone; undefined when there is no such entry. An entry that cannot be used comes
 * back with `unusable` set, which checkFile reports as validation would.
 */
export function readConfigEntry(dir: string, path: string, limits?: ReadLimits): ConfigFile | undefined {
  const max = limits ?? limitsFromEnv();
  const abs = join(dir, path);
  let st: Stats;
  try {
    st = lstatSync(abs);
  } catch {
    return undefined;
  }
  const w = newWalk(dir);
  const name = path.slice(path.lastIndexOf('/') + 1);
  const place: Place = { yaml: YAML_FILE.test(name), kindEntry: false, kindFolder: false };
  if (st.isSymbolicLink()) followLink(w, path, place);
  else if (st.isFile()) w.candidates.push({ path, open: abs });
  else w.entries.push(unusableEntry(path, { reason: 'not_a_file', type: entryType(st) }));
  return [...readCandidates(w.candidates, max), ...w.entries][0];
}
