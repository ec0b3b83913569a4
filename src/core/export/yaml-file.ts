/**
 * Writing an exported document as YAML text: a new file from scratch, or an existing file
 * edited in place through the `yaml` Document API, so that its comments, key order and
 * quoting survive and only the values that differ change.
 *
 * What "differs" means is the planner's notion (diffDocument): address lists are sets and
 * addresses compare as addresses, so a file that plan would call unchanged is not touched,
 * and an untouched file keeps its bytes.
 */
import {
  Document,
  isAlias,
  isMap,
  isScalar,
  isSeq,
  parseDocument,
  visit,
  type Node,
  type Pair,
  type YAMLMap,
} from 'yaml';
import { diffDocument, type DiffRules } from '../plan/diff.js';
import { isSecretField } from '../validate/secrets.js';
import { isRecord } from '../json.js';

/**
 * How kzops writes YAML: flow lists as `[a, b]` (as the example config does) and no line
 * folding. With these options the `yaml` library gives the example files back byte for byte.
 */
export const YAML_OPTIONS = { flowCollectionPadding: false, lineWidth: 0 } as const;

/** A list of scalars this short is written on one line (`ips: [a, b]`), a longer one a line an item. */
const FLOW_MAX = 72;

function isScalarValue(value: unknown): boolean {
  return value === null || (typeof value !== 'object' && typeof value !== 'function');
}

/** Whether a list reads best on one line: only scalars, and short. */
function fitsFlow(items: readonly unknown[]): boolean {
  return (
    items.length > 0 &&
    items.every(isScalarValue) &&
    items.reduce<number>((n, v) => n + String(v).length + 2, 0) <= FLOW_MAX
  );
}

/** New nodes: short lists of scalars as flow lists. */
function styleNew(node: unknown): void {
  visit(node as Node, {
    Seq(_, seq) {
      const values = seq.items.map((item) => (isScalar(item) ? item.value : item));
      seq.flow = fitsFlow(values);
    },
  });
}

/** The header of a new file: each line becomes a `# ` comment. */
function headerText(header: readonly string[]): string {
  return header.map((line) => `# ${line.replace(/[\r\n]+/g, ' ')}\n`).join('');
}

/** A new file: the header comment lines, then the document. */
export function newFileText(value: Record<string, unknown>, header: readonly string[]): string {
  const doc = new Document(value);
  styleNew(doc.contents);
  return headerText(header) + doc.toString(YAML_OPTIONS);
}

/** A mapping key as text: JS objects (and so the plain value) only have string keys. */
function keyText(pair: Pair): string | undefined {
  const key: unknown = pair.key;
  if (isScalar(key)) return String(key.value);
  return typeof key === 'string' ? key : undefined;
}

function pairIndex(map: YAMLMap, key: string): number {
  // The last one, as the parsed value keeps the last of duplicate keys.
  for (let i = map.items.length - 1; i >= 0; i--) {
    const pair = map.items[i];
    if (pair && keyText(pair) === key) return i;
  }
  return -1;
}

/**
 * The mapping at `path`, with any alias on the way replaced by a copy of what it stands for:
 * an edit through an alias would also change the anchored original elsewhere in the file.
 */
function mapAt(doc: Document.Parsed, path: readonly string[]): YAMLMap | undefined {
  let node: unknown = doc.contents;
  for (const key of path) {
    if (!isMap(node)) return undefined;
    const pair = node.items[pairIndex(node, key)];
    if (!pair) return undefined;
    if (isAlias(pair.value)) pair.value = (pair.value.resolve(doc) as Node).clone();
    node = pair.value;
  }
  return isMap(node) ? node : undefined;
}

/** Comments and spacing around a node, moved onto its replacement. */
function keepDecoration(from: unknown, to: Node): void {
  if (typeof from !== 'object' || from === null) return;
  const old = from as { comment?: string | null; commentBefore?: string | null; spaceBefore?: boolean };
  if (old.comment) to.comment = old.comment;
  if (old.commentBefore) to.commentBefore = old.commentBefore;
  if (old.spaceBefore) to.spaceBefore = old.spaceBefore;
}

/** Sets the value at `path` (mapping keys only), changing as little of the file as it can. */
function setValue(doc: Document.Parsed, path: readonly string[], value: unknown, order: readonly string[]) {
  const parentPath = path.slice(0, -1);
  const key = path.at(-1) ?? '';
  const map = mapAt(doc, parentPath);
  if (!map) {
    // Not reachable through mappings (diffDocument reports changes at the deepest path where
    // both sides are mappings), but a whole-value write is still right.
    const node = doc.createNode(value);
    styleNew(node);
    doc.setIn(path, node);
    return;
  }
  const index = pairIndex(map, key);
  const pair = index >= 0 ? map.items[index] : undefined;
  if (pair && isScalar(pair.value) && isScalarValue(value)) {
    // In place: the scalar keeps its trailing comment and, where the new value allows, its quoting.
    pair.value.value = value;
    return;
  }
  const node = doc.createNode(value) as Node;
  styleNew(node);
  if (pair) {
    // A list keeps the layout it had (flow or one item a line) when it still can.
    if (isSeq(pair.value) && isSeq(node) && Array.isArray(value)) {
      node.flow = pair.value.flow === true && value.every(isScalarValue);
    }
    keepDecoration(pair.value, node);
    pair.value = node;
    return;
  }
  // A new key goes where the exported document's order puts it among the keys present.
  const rank = (k: string | undefined) => (k === undefined ? -1 : order.indexOf(k));
  const mine = rank(key);
  const next = map.items.findIndex((p) => rank(keyText(p)) > mine);
  const created = doc.createPair(key, node);
  if (next < 0) {
    map.items.push(created);
  } else {
    // The file's header comment belongs to the top of the file, not to its first key.
    if (next === 0 && map === doc.contents) moveHeader(map.items[0], created);
    map.items.splice(next, 0, created);
  }
}

/**
 * `yaml` attaches the comment lines at the top of a file (the schema line, a description) to
 * the first key: when that key goes or another comes before it, they move to the new first key.
 */
function moveHeader(from: Pair | undefined, to: Pair): void {
  const source = from?.key as Node | undefined;
  const target = to.key as Node | undefined;
  if (!source?.commentBefore || !target) return;
  target.commentBefore = target.commentBefore
    ? `${source.commentBefore}\n${target.commentBefore}`
    : source.commentBefore;
  source.commentBefore = null;
}

function deleteValue(doc: Document.Parsed, path: readonly string[]): void {
  const map = mapAt(doc, path.slice(0, -1));
  const key = path.at(-1) ?? '';
  if (!map) return;
  const kept = map.items.filter((p) => keyText(p) !== key);
  const first = map.items[0];
  // Below the header, a comment before a key is about that key, and goes with it.
  if (map === doc.contents && first && kept[0] && kept[0] !== first) moveHeader(first, kept[0]);
  map.items = kept;
}

/**
 * Paths of keys the file has and the exported document does not, where both sides are
 * mappings. A secret field is kept: the server never returns a write-only secret, so its
 * absence live says nothing.
 */
function absentKeys(file: unknown, live: unknown, path: string[], out: string[][]): string[][] {
  if (!isRecord(file) || !isRecord(live)) return out;
  for (const key of Object.keys(file)) {
    const here = [...path, key];
    if (!Object.hasOwn(live, key)) {
      if (!isSecretField(key)) out.push(here);
    } else {
      absentKeys(file[key], live[key], here, out);
    }
  }
  return out;
}

/** The key order of the exported mapping at `path`, for placing new keys. */
function orderAt(value: Record<string, unknown>, path: readonly string[]): string[] {
  let node: unknown = value;
  for (const key of path) node = isRecord(node) && Object.hasOwn(node, key) ? node[key] : undefined;
  return isRecord(node) ? Object.keys(node) : [];
}

export type UpdateOutcome =
  | { editable: true; text: string; changed: boolean }
  /** YAML errors, or not a mapping: the file cannot be edited in place. */
  | { editable: false; reason: string };

/** The current content of a file as plain data, when it parses into a mapping. */
export function fileValue(text: string): Record<string, unknown> | undefined {
  const doc = parseDocument(text);
  if (doc.errors.length > 0) return undefined;
  const value: unknown = doc.toJS();
  return isRecord(value) ? value : undefined;
}

/**
 * The existing file `text` edited to say `value`: each value that differs (by `rules`) is set
 * in place, each key the exported document lacks is deleted, and everything else (comments,
 * order, quoting, blank lines) is left as it was. Unchanged: the text itself, byte for byte.
 */
export function updateFileText(
  text: string,
  value: Record<string, unknown>,
  rules: DiffRules,
): UpdateOutcome {
  const doc = parseDocument(text);
  const first = doc.errors[0];
  if (first) return { editable: false, reason: first.message.split('\n')[0] ?? 'YAML errors' };
  const current: unknown = doc.toJS();
  if (!isRecord(current)) return { editable: false, reason: 'its top level is not a mapping' };

  const removals = absentKeys(current, value, [], []);
  // The exported value is what the server returned: an empty mapping there may be a secret the
  // server does not show, never a request to clear the file's mapping.
  const changes = diffDocument(value, current, rules, { emptyClears: false });
  if (removals.length === 0 && changes.length === 0) return { editable: true, text, changed: false };
  for (const path of removals) deleteValue(doc, path);
  for (const change of changes) {
    const path = change.segments.map(String);
    setValue(doc, path, change.after, orderAt(value, path.slice(0, -1)));
  }
  const out = doc.toString(YAML_OPTIONS);
  return { editable: true, text: out, changed: out !== text };
}
