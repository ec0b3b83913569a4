/**
 * Stage 7: targets.yaml against the rest of the config. `default` must name a target, and a
 * target's `protect` entries (`<folder>/<key or id>`) must name resources that exist here: a
 * protect entry with a typo protects nothing, silently. URLs and ids are the schema's job.
 */
import type { Problem } from './problem.js';
import { fieldMessage, problemAt } from './position.js';
import { didYouMean } from './suggest.js';
import {
  isResourceKind,
  RESOURCE_KINDS,
  type Check,
  type LoadedFile,
  type ValidationContext,
} from './types.js';
import { listAt, recordAt, stringAt } from './values.js';

function unknownDefault(targets: LoadedFile): Problem[] {
  const name = stringAt(targets.value, 'default');
  const names = Object.keys(recordAt(targets.value, 'targets'));
  if (name === undefined || names.includes(name)) return [];
  const text = `no target named ${JSON.stringify(name)} under targets${didYouMean(name, names)} (targets: ${names.join(', ') || 'none'})`;
  return [problemAt(targets, ['default'], 'unknown_target', fieldMessage(['default'], text))];
}

/** Every `<folder>/<key>` in config, for suggestions. */
function allResourceNames(ctx: ValidationContext): string[] {
  return RESOURCE_KINDS.flatMap((kind) => [...ctx.keys[kind].keys()].map((key) => `${kind}/${key}`));
}

/** Why a protect entry names nothing, or undefined when it names a resource. */
function protectMiss(entry: string, ctx: ValidationContext): string | undefined {
  const slash = entry.indexOf('/');
  const folder = entry.slice(0, slash);
  const key = entry.slice(slash + 1);
  // A malformed entry (no folder, unknown folder) is the schema's pattern problem.
  if (slash < 0 || !isResourceKind(folder)) return undefined;
  if (ctx.keys[folder].has(key)) return undefined;
  return `no file ${folder}/${key}.yaml in config${didYouMean(entry, allResourceNames(ctx))}; a protect entry that names nothing protects nothing`;
}

function unknownProtected(targets: LoadedFile, ctx: ValidationContext): Problem[] {
  const problems: Problem[] = [];
  for (const [name, target] of Object.entries(recordAt(targets.value, 'targets'))) {
    listAt(target, 'protect').forEach((entry, i) => {
      const miss = typeof entry === 'string' ? protectMiss(entry, ctx) : undefined;
      if (miss === undefined) return;
      const path = ['targets', name, 'protect', i];
      problems.push(problemAt(targets, path, 'protect_unknown', fieldMessage(path, miss)));
    });
  }
  return problems;
}

export const checkTargets: Check = (ctx) =>
  ctx.targets ? [...unknownDefault(ctx.targets), ...unknownProtected(ctx.targets, ctx)] : [];
