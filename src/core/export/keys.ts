/**
 * Config keys for exported documents. Customer clusters are named by their id; carrier SBCs
 * and media servers get server-assigned ids, so export has to choose a key (the file name)
 * for each. A key, once chosen, should never change: the state file and every reference to
 * the resource use it. Hence the order of preference:
 *
 * 1. the key the target's state file already maps to that id (what apply or a previous
 *    export chose);
 * 2. the key of an existing config file of that kind with the same name (trimmed, ignoring
 *    case, as plan adopts by name), so a hand-written config is adopted, not duplicated;
 * 3. a key derived from the name (`Sprint East SBC` → `sprint-east-sbc`), or from the id
 *    when the name gives nothing usable, with `-2`, `-3`, ... on a collision.
 */
import { KEY_PATTERN } from '../validate/layout.js';

/** The name as plan compares names: trimmed, ignoring case. */
export function normalName(value: unknown): string | undefined {
  return typeof value === 'string' ? value.trim().toLowerCase() : undefined;
}

/** Lowercase, every run of other characters as one `-`, no `-` at either end; undefined when not a valid key. */
export function slugKey(text: string): string | undefined {
  const slug = text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return KEY_PATTERN.test(slug) ? slug : undefined;
}

/** The key made from a document's name, else from its id (a name of only punctuation gives nothing). */
export function deriveKey(name: unknown, id: string): string {
  return (typeof name === 'string' ? slugKey(name) : undefined) ?? slugKey(id) ?? 'resource';
}

/** Code-unit order: the keys chosen must not depend on the machine's locale. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface KeyInput {
  /** The live documents of one kind, by id. */
  live: readonly { id: string; name: unknown }[];
  /** The state entries of that kind: key → id. */
  state: readonly { key: string; id: string }[];
  /** The existing config files of that kind: their key (file name) and `name` field. */
  files: readonly { key: string; name: unknown }[];
}

/** The key of every live document of one kind (see the module comment), by id. */
export function assignKeys(input: KeyInput): Map<string, string> {
  const keyById = new Map<string, string>();
  const taken = new Set<string>();
  const liveIds = new Set(input.live.map((d) => d.id));
  const fileKeys = new Set(input.files.map((f) => f.key));

  // 1. The state. When two entries name one id (a stale entry), the one with a file wins,
  // then the first key: the other entry is dropped from the new state.
  const entries = input.state
    .filter((e) => liveIds.has(e.id) && KEY_PATTERN.test(e.key))
    .sort((a, b) => Number(fileKeys.has(b.key)) - Number(fileKeys.has(a.key)) || byText(a.key, b.key));
  for (const { key, id } of entries) {
    if (keyById.has(id) || taken.has(key)) continue;
    keyById.set(id, key);
    taken.add(key);
  }

  const rest = input.live.filter((d) => !keyById.has(d.id)).sort((a, b) => byText(a.id, b.id));

  // 2. Existing files by name. A file already claimed (step 1) is not available.
  const files = [...input.files].sort((a, b) => byText(a.key, b.key));
  for (const doc of rest) {
    const name = normalName(doc.name);
    if (name === undefined) continue;
    const file = files.find((f) => !taken.has(f.key) && normalName(f.name) === name);
    if (file === undefined) continue;
    keyById.set(doc.id, file.key);
    taken.add(file.key);
  }

  // 3. Derived. Every existing file's key is off limits: a file no live document claims is
  // reported as not live any more, and must not be overwritten by another document.
  for (const key of fileKeys) taken.add(key);
  for (const doc of rest) {
    if (keyById.has(doc.id)) continue;
    const base = deriveKey(doc.name, doc.id);
    let key = base;
    for (let n = 2; taken.has(key); n++) key = `${base}-${n}`;
    keyById.set(doc.id, key);
    taken.add(key);
  }
  return keyById;
}
