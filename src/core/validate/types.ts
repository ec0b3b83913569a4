/**
 * The shapes the validation stages pass to each other. Each stage is a function of these
 * (no I/O); index.ts runs them in order and collects their problems.
 */
import type { Document, LineCounter } from 'yaml';
import type { Problem } from './problem.js';

import type { ResourceKind } from '../model/kinds.js';

/** The resource folders of the config directory (a folder name is the kind's name): the kinds table's. */
export { RESOURCE_KINDS, isResourceKind, type ResourceKind } from '../model/kinds.js';

/** What a file is, from where it sits: a resource of a kind, or targets.yaml. */
export type FileKind = ResourceKind | 'targets';

/** One step of a path inside a document: a mapping key or a list index. */
export type Segment = string | number;

/** A YAML document with the positions of its nodes. */
export interface Syntax {
  doc: Document.Parsed;
  lineCounter: LineCounter;
}

/** A file whose YAML parsed into a mapping (possibly with duplicate keys: the last one wins). */
export interface ParsedFile {
  /** Relative to the config directory, `/` separators. */
  file: string;
  /** The source, for positions inside scalars. */
  text: string;
  /** The document as plain JS (a mapping, so an object). */
  value: Record<string, unknown>;
  /**
   * The document with positions. It is kept while the file's own stages run (parse, schema),
   * then dropped with `forget()` and parsed again only if a later stage needs a position:
   * holding thousands of documents costs more in garbage collection than parsing again the
   * few files that have a problem.
   */
  syntax(): Syntax;
  forget(): void;
}

/** A parsed file that sits where kzops expects it: its kind and key (the file name). */
export interface LoadedFile extends ParsedFile {
  kind: FileKind;
  /** The file name without .yaml/.yml: a key or id for resources, `targets` for targets.yaml. */
  key: string;
}

/** A resource that parsed, for the commands that come after validation (plan, apply). */
export interface LoadedResource {
  kind: ResourceKind;
  key: string;
  file: string;
  doc: Record<string, unknown>;
}

export interface ValidationResult {
  /** No error-severity problems (warnings allowed). */
  valid: boolean;
  /** Sorted by file, line, col. */
  problems: Problem[];
  /** The resource files that parsed, in path order (also when other files have problems). */
  resources: LoadedResource[];
  /** targets.yaml as plain JS, when it parsed. */
  targets?: unknown;
}

/**
 * What the semantic stages (references, uniqueness, patterns, secrets, targets) look at.
 * `keys` comes from file names, not contents, so a resource whose file does not parse still
 * exists for references: one broken file must not make every reference to it dangle.
 */
export interface ValidationContext {
  /** Parsed resource files of each kind, in path order. */
  resources: Record<ResourceKind, LoadedFile[]>;
  /** Every key of each kind (from file names), mapped to the first file that claims it. */
  keys: Record<ResourceKind, Map<string, string>>;
  /** targets.yaml, when it parsed. */
  targets: LoadedFile | undefined;
}

/** A semantic stage: problems from the whole config at once. */
export type Check = (ctx: ValidationContext) => Problem[];
