/**
 * targets.yaml's day-2 rules, beyond what the schema can say:
 * - per file (runs with the schema stage, so `kzops plan`/`apply` reading targets.yaml refuse
 *   it too): a change window's `tz` must be a time zone the runtime knows, and `from` must
 *   differ from `to`;
 * - across files (a semantic check): a config file that an `ignore` rule of any target covers
 *   is an error, since kzops would both manage and leave alone the same resource; so is a
 *   config that sets a field an `ignore` rule leaves to another system (kzops would have to
 *   write what it promised never to write).
 *
 * Resource rules are matched on what the config can know: the file's `name` against the
 * rule's name glob, and the file's key against the rule's id (customer clusters and cluster
 * documents are named by id). A config resource whose server id only the state knows is
 * checked again when the plan is made (src/core/plan/build-plan.ts, ignoreConflicts).
 */
import { targetRulesOf } from '../policy/rules.js';
import { describeRule, ignoringRule, ignoredFields, setIgnoredFields } from '../policy/ignore.js';
import { windowProblem } from '../policy/windows.js';
import type { Problem } from './problem.js';
import { fieldMessage, problemAt } from './position.js';
import { RESOURCE_KINDS, type Check, type ParsedFile } from './types.js';
import { listAt, recordAt } from './values.js';

/** [target, window index, field, text] of every unusable change window. */
function windowIssues(value: Record<string, unknown>): [string, number, 'tz' | 'to', string][] {
  const out: [string, number, 'tz' | 'to', string][] = [];
  for (const [name, target] of Object.entries(recordAt(value, 'targets'))) {
    listAt(target, 'change_windows').forEach((w, i) => {
      if (typeof w !== 'object' || w === null) return;
      const problem = windowProblem(w);
      if (problem) out.push([name, i, problem.field, problem.text]);
    });
  }
  return out;
}

/** Whether targets.yaml (as plain JS) has a change window the schema passes but kzops cannot use. */
export function hasWindowProblems(value: Record<string, unknown>): boolean {
  return windowIssues(value).length > 0;
}

/** invalid_value problems of targets.yaml's change windows, at the offending value. */
export function windowProblems(file: ParsedFile): Problem[] {
  return windowIssues(file.value).map(([name, i, field, text]) => {
    const path = ['targets', name, 'change_windows', i, field];
    return problemAt(file, path, 'invalid_value', fieldMessage(path, text));
  });
}

/** ignore_conflict problems: config files (or fields of them) that a target's ignore rules cover. */
export const checkIgnoreConflicts: Check = (ctx) => {
  if (!ctx.targets) return [];
  const problems: Problem[] = [];
  const seen = new Set<string>();
  for (const [target, raw] of Object.entries(recordAt(ctx.targets.value, 'targets'))) {
    const { ignore } = targetRulesOf(raw);
    if (ignore.length === 0) continue;
    for (const kind of RESOURCE_KINDS) {
      for (const file of ctx.resources[kind]) {
        const name = typeof file.value.name === 'string' ? file.value.name : undefined;
        const facts = { kind, key: file.key, id: file.key, names: [name] };
        const rule = ignoringRule(ignore, facts);
        if (rule !== undefined) {
          const path = rule.name !== undefined && name !== undefined ? ['name'] : [];
          const text = `target ${target} ignores this resource (${describeRule(rule)}): kzops cannot both manage it and leave it alone; remove the file, or narrow the rule in targets.yaml`;
          const id = `${file.file}\0${path.join('.')}`;
          if (seen.has(id)) continue;
          seen.add(id);
          problems.push(problemAt(file, path, 'ignore_conflict', fieldMessage(path, text), { at: 'key' }));
          continue;
        }
        for (const segs of setIgnoredFields(file.value, ignoredFields(ignore, facts))) {
          const id = `${file.file}\0${segs.join('.')}`;
          if (seen.has(id)) continue;
          seen.add(id);
          const text = `target ${target} ignores this field (an ignore rule's fields): another system owns it, so the config must not set it; remove it here, or from the rule in targets.yaml`;
          problems.push(problemAt(file, segs, 'ignore_conflict', fieldMessage(segs, text), { at: 'key' }));
        }
      }
    }
  }
  return problems;
};
