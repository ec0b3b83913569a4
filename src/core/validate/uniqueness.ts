/**
 * Stage 4: things that must be unique. Names within a kind (listings show names, and two
 * alike make support mistakes), SBC addresses across SBCs (the server routes a call by the
 * address it came from, so an address with two owners routes somewhere arbitrary), and values
 * within any list. Always reported on the later occurrence, naming the first.
 */
import { normalizeIp } from '../ip.js';
import { isRecord } from '../json.js';
import type { Problem } from './problem.js';
import { fieldMessage, problemAt } from './position.js';
import { isPriorityList, KIND_NOUNS } from './references.js';
import { RESOURCE_KINDS, type Check, type LoadedFile, type ResourceKind, type Segment } from './types.js';
import { listAt, stringAt } from './values.js';

/**
 * The identity of a list value: IP addresses by address (`2001:DB8:0::1` and `2001:db8::1` are
 * one), anything else by its text. The rule is the plan differ's (src/core/ip.ts): text with
 * spaces around it is not an address (the schema stage reports it), so it compares as text.
 */
export function sameness(value: unknown): string {
  if (typeof value === 'string') return normalizeIp(value) ?? value;
  return JSON.stringify(value);
}

/** Every list of scalars in a document, with its path (lists of mappings are not compared). */
function scalarLists(value: unknown, path: Segment[] = []): { path: Segment[]; items: unknown[] }[] {
  if (Array.isArray(value)) {
    const items = value as unknown[];
    const nested = items.flatMap((v, i) => scalarLists(v, [...path, i]));
    const scalars = items.every((v) => v === null || typeof v !== 'object');
    return scalars ? [{ path, items }, ...nested] : nested;
  }
  if (isRecord(value)) return Object.entries(value).flatMap(([k, v]) => scalarLists(v, [...path, k]));
  return [];
}

function duplicateItems(file: LoadedFile): Problem[] {
  const problems: Problem[] = [];
  for (const { path, items } of scalarLists(file.value)) {
    // The same SBC twice in a priority list is a duplicate_reference (references.ts).
    if (file.kind === 'media_servers' && isPriorityList(path)) continue;
    const seen = new Map<string, number>();
    items.forEach((item, i) => {
      const id = sameness(item);
      const first = seen.get(id);
      if (first === undefined) {
        seen.set(id, i);
        return;
      }
      const at = [...path, i];
      problems.push(
        problemAt(
          file,
          at,
          'duplicate_list_item',
          fieldMessage(at, `the same as item ${first} of this list`),
        ),
      );
    });
  }
  return problems;
}

/** Names compare trimmed and case-insensitively: "Sprint East" and "sprint east " read alike. */
function duplicateNames(kind: ResourceKind, files: readonly LoadedFile[]): Problem[] {
  const owners = new Map<string, LoadedFile>();
  const problems: Problem[] = [];
  for (const file of files) {
    const name = stringAt(file.value, 'name');
    if (name === undefined || name.trim() === '') continue;
    const id = name.trim().toLowerCase();
    const owner = owners.get(id);
    if (!owner) {
      owners.set(id, file);
      continue;
    }
    const text = `${JSON.stringify(name)} is already the name of ${owner.file}; each ${KIND_NOUNS[kind]} needs its own name`;
    problems.push(problemAt(file, ['name'], 'duplicate_name', fieldMessage(['name'], text)));
  }
  return problems;
}

/** An address may belong to one SBC only; repeats inside one SBC are duplicate list items. */
function duplicateIps(sbcs: readonly LoadedFile[]): Problem[] {
  const owners = new Map<string, LoadedFile>();
  const problems: Problem[] = [];
  for (const file of sbcs) {
    listAt(file.value, 'ips').forEach((ip, i) => {
      if (typeof ip !== 'string') return;
      const id = sameness(ip);
      const owner = owners.get(id);
      if (!owner) owners.set(id, file);
      else if (owner !== file) {
        const path = ['ips', i];
        const text = `${ip} is already an address of ${owner.file}; an address belongs to one SBC only`;
        problems.push(problemAt(file, path, 'duplicate_ip', fieldMessage(path, text)));
      }
    });
  }
  return problems;
}

export const checkUniqueness: Check = (ctx) => {
  const resources = RESOURCE_KINDS.flatMap((kind) => ctx.resources[kind]);
  const all = ctx.targets ? [...resources, ctx.targets] : resources;
  return [
    ...RESOURCE_KINDS.flatMap((kind) => duplicateNames(kind, ctx.resources[kind])),
    ...duplicateIps(ctx.resources.carrier_sbcs),
    ...all.flatMap(duplicateItems),
  ];
};
