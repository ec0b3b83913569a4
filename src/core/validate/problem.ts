/**
 * A validation problem: data, not an exception. Validation collects every problem of every
 * file before reporting, each pinned to `file:line:col`.
 */

/** Every problem kzops validate can report. A closed list: renderers, tests and docs rely on it. */
export const PROBLEM_CODES = [
  // reading the files
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

/** A file as read from the config directory; the I/O layer (src/config/) makes these. */
export interface ConfigFile {
  /** Relative to the config directory, `/` separators. */
  path: string;
  text: string;
}
