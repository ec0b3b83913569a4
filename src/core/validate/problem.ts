/**
 * A validation problem: data, not an exception. Validation collects every problem of every
 * file before reporting, each pinned to `file:line:col`.
 */

/** Every problem kzops validate can report. A closed list: renderers, tests and docs rely on it. */
export const PROBLEM_CODES = [
  // reading the files
  'unreadable_entry', // not a regular file kzops can read: a dangling link, a folder, a pipe, no permission
  'symlink_outside', // a symbolic link to something outside the config directory (not followed)
  'file_too_large', // a file over the size limit a file (not read)
  'config_too_large', // the files add up to more than the limit for the whole config (the rest not read)
  'invalid_utf8', // the file is not UTF-8 text
  'yaml_syntax', // the YAML does not parse
  'duplicate_key', // a mapping has the same key twice
  'not_a_mapping', // the file's top level is not a mapping (or the file is empty)
  'missing_file', // a required file (targets.yaml) is absent
  // layout
  'wrong_folder', // a file outside the known folders, or a folder kzops does not know
  'bad_file_name', // a file name that is not a valid key or id for its folder
  // schema
  'missing_field',
  'unknown_field', // with "did you mean" when a close name exists
  'invalid_type',
  'invalid_enum',
  'invalid_format', // IPv4/IPv6, uri, ...
  'invalid_value', // any other schema rule (pattern, length, range, ...)
  // references between resources
  'unresolved_reference', // a key that names no resource in config (and is not written id:<32 hex>)
  'carrier_mismatch', // an SBC listed under carrier X whose carrier is not X
  'duplicate_reference', // the same SBC twice in one priority list
  // uniqueness
  'duplicate_name', // two resources of a kind with the same name
  'duplicate_ip', // one IP claimed by two SBCs
  'duplicate_list_item', // the same value twice in one list
  // number formatting
  'pattern_delimiters', // a pattern not written /.../
  'pattern_syntax', // PCRE (Erlang re) would reject the pattern
  'pattern_js_only', // syntax JavaScript accepts but PCRE rejects or reads differently
  'replace_group', // a replace refers to a capture group the pattern does not have
  // secrets and targets
  'plain_secret', // a secret written in clear instead of {env: NAME} or {file: PATH}
  'unknown_target', // default names no target
  'protect_unknown', // a protect entry names no resource in config
  'url_credentials', // a target URL with a user name or password in it
  'ignore_conflict', // a config file (or a field of one) that a target's ignore rule leaves to another system
] as const;

export type ProblemCode = (typeof PROBLEM_CODES)[number];

export interface Problem {
  /** Relative to the config directory, with `/` separators (e.g. `carrier_sbcs/sprint-east.yaml`). */
  file: string;
  /** 1-based line and column of the offending node (the key for unknown fields). */
  line: number;
  col: number;
  code: ProblemCode;
  /** What is wrong and, where we know, what to write instead. */
  message: string;
  /** The dotted field path inside the document (`location.zone`, `ips.2`); `''` for the file. */
  path: string;
  /** Warnings are shown but do not make the config invalid. */
  severity: 'error' | 'warning';
}

/**
 * Why the reader could not use an entry of the config directory. Such an entry is still
 * handed to validation (with empty text), which turns it into an error: an entry that cannot
 * be read must never look like a file that was removed.
 */
export type Unusable =
  /** A symbolic link that leads nowhere: `error` is ENOENT (dangling), ELOOP (a loop), ... */
  | { reason: 'broken_link'; target: string; error: string }
  /** A symbolic link whose file is outside the config directory: not read. */
  | { reason: 'outside_link'; target: string }
  /** Not a regular file: a folder (named like a YAML file, or in a kind's folder), a pipe, ... */
  | { reason: 'not_a_file'; type: EntryType }
  /** Opening or listing it failed (EACCES, EIO, ...). */
  | { reason: 'unreadable'; error: string }
  /** Over the limit a file (bytes): not read. */
  | { reason: 'too_large'; size: number; limit: number }
  /** The first file that would take the config over its limit: it and the `unread` after it were not read. */
  | { reason: 'config_too_large'; total: number; limit: number; unread: number }
  /** Not read because the config was already over its limit (see config_too_large). */
  | { reason: 'not_read' }
  /** Not UTF-8: the first bad byte, its 0-based offset, and its 1-based line and column. */
  | { reason: 'invalid_utf8'; offset: number; byte: number; line: number; col: number };

/**
 * What an entry that is not a regular file is. `directory_link`: a link to a folder (never
 * followed); `file`: a regular file where a kind's folder belongs.
 */
export type EntryType = 'directory' | 'directory_link' | 'file' | 'fifo' | 'socket' | 'device' | 'other';

/** A file as read from the config directory; the I/O layer (src/config/) makes these. */
export interface ConfigFile {
  /** Relative to the config directory, `/` separators. */
  path: string;
  /** The content; `''` when the entry could not be used. */
  text: string;
  /** Set when the entry could not be used: validation reports it, and nothing reads `text`. */
  unusable?: Unusable;
}
