/**
 * Stage 3: references between resources. A reference is the key of a file in another folder
 * (`mobile_media_server: ny2`), or `id:<32 hex>` for a resource kzops does not manage, which
 * is always accepted (its form is the schema's job). Besides dangling keys, the media
 * servers' SBC priority lists must be consistent with the SBCs they name.
 */
import { KIND_TABLE, RESOURCE_KINDS, referencesIn } from '../model/kinds.js';
import type { Problem } from './problem.js';
import { fieldMessage, problemAt } from './position.js';
import { KEY_PATTERN } from './layout.js';
import { didYouMean } from './suggest.js';
import type { Check, LoadedFile, ResourceKind, Segment, ValidationContext } from './types.js';
import { recordAt, stringAt } from './values.js';

const UNMANAGED = /^id:/;

/** What each kind is called in messages. */
export const KIND_NOUNS: Record<ResourceKind, string> = Object.fromEntries(
  RESOURCE_KINDS.map((k) => [k, KIND_TABLE[k].noun]),
) as Record<ResourceKind, string>;

/** One reference written in a file: where, and what it names. */
interface Reference {
  file: LoadedFile;
  path: Segment[];
  key: string;
  to: ResourceKind;
}

/** The lists of SBC keys in a media server: `carrier_sbc_priority.<carrier>`. */
export function priorityLists(server: LoadedFile): { carrier: string; items: unknown[] }[] {
  return Object.entries(recordAt(server.value, 'carrier_sbc_priority'))
    .filter((entry): entry is [string, unknown[]] => Array.isArray(entry[1]))
    .map(([carrier, items]) => ({ carrier, items }));
}

/** Is `path` (in a media server) one of its priority lists? Their duplicates are references'. */
export function isPriorityList(path: readonly Segment[]): boolean {
  return path.length === 2 && path[0] === 'carrier_sbc_priority';
}

/** Every reference in the config, with non-text values left to the schema. */
function references(ctx: ValidationContext): Reference[] {
  const refs: Reference[] = [];
  for (const kind of RESOURCE_KINDS) {
    for (const file of ctx.resources[kind]) {
      for (const { path, value, to } of referencesIn(kind, file.value)) {
        if (typeof value === 'string') refs.push({ file, path, key: value, to });
      }
    }
  }
  return refs;
}

function unresolved(ref: Reference, ctx: ValidationContext): Problem | undefined {
  // id:<hex> is always accepted, and a malformed key (capitals, spaces) is the schema's problem.
  if (UNMANAGED.test(ref.key) || !KEY_PATTERN.test(ref.key)) return undefined;
  const keys = ctx.keys[ref.to];
  if (keys.has(ref.key)) return undefined;
  const text =
    `no ${KIND_NOUNS[ref.to]} ${JSON.stringify(ref.key)} in ${ref.to}/${didYouMean(ref.key, keys.keys())}` +
    ' (write id:<32 hex> for one kzops does not manage)';
  return problemAt(ref.file, ref.path, 'unresolved_reference', fieldMessage(ref.path, text));
}

/** An SBC under `carrier_sbc_priority.sprint` must be a sprint SBC. */
function carrierMismatch(ref: Reference, sbcs: ReadonlyMap<string, LoadedFile>): Problem | undefined {
  if (ref.to !== 'carrier_sbcs' || typeof ref.path[1] !== 'string') return undefined;
  const listed = ref.path[1];
  const sbc = sbcs.get(ref.key);
  const actual = sbc && stringAt(sbc.value, 'carrier');
  if (!sbc || actual === undefined || actual === listed) return undefined;
  const text = `${ref.key} is listed for carrier ${listed}, but its carrier is ${actual} (${sbc.file})`;
  return problemAt(ref.file, ref.path, 'carrier_mismatch', fieldMessage(ref.path, text));
}

/** The same SBC twice in one priority list: the later one is the mistake. */
function duplicateReferences(server: LoadedFile): Problem[] {
  const problems: Problem[] = [];
  for (const { carrier, items } of priorityLists(server)) {
    const seen = new Map<string, number>();
    items.forEach((key, i) => {
      if (typeof key !== 'string') return;
      const first = seen.get(key);
      if (first === undefined) {
        seen.set(key, i);
        return;
      }
      const path = ['carrier_sbc_priority', carrier, i];
      const text = `${key} is already item ${first} of this list; list each SBC once`;
      problems.push(problemAt(server, path, 'duplicate_reference', fieldMessage(path, text)));
    });
  }
  return problems;
}

export const checkReferences: Check = (ctx) => {
  const sbcs = new Map(ctx.resources.carrier_sbcs.map((f) => [f.key, f]));
  const problems = references(ctx).flatMap((ref) => {
    const dangling = unresolved(ref, ctx);
    if (dangling) return [dangling];
    const mismatch = carrierMismatch(ref, sbcs);
    return mismatch ? [mismatch] : [];
  });
  return [...problems, ...ctx.resources.media_servers.flatMap(duplicateReferences)];
};
