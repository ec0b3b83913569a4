/**
 * A plan for people, in the style of aws-cdk's `cdk diff`: one block per resource that
 * changes, marked `[+]` create (green), `[~]` update (yellow), `[±]` replace (magenta) or
 * `[-]` delete (red), its fields as `├─`/`└─` rows, then the resources kzops does not manage,
 * then one summary line. Unchanged resources are only counted.
 *
 * A nested value (mapping or list) is shown as compact `before → after` JSON when that fits on
 * a line, else as a line diff of its pretty JSON with 3 lines of context. A sensitive field
 * shows only whether it changes, never a value. Pure: returns a string (the command writes it).
 *
 * Given a `width` (the command passes the terminal's, see src/cli/color.ts), every line fits
 * it: a long value wraps under its row, behind the tree gutter (` │     `), and a nested value
 * whose row would not fit becomes a line diff. Without one, nothing wraps.
 */
import { diffArrays } from 'diff';
import pc from 'picocolors';
import type { Action, Plan, PlannedChange, PlannedField } from '../core/plan/types.js';
import { prefixed, type Span } from './wrap.js';

export interface PlanTextOptions {
  color: boolean;
  /** How to name the target in the header; default `plan.target`. */
  label?: string;
  /**
   * The columns to fit every line to, gutter included. Unset: no wrapping, and a nested value
   * is shown on one line when its `path: before → after` row is at most 100 long.
   */
  width?: number;
}

type Colors = ReturnType<typeof pc.createColors>;

const MARKERS: Record<Exclude<Action, 'noop'>, string> = {
  create: '[+]',
  update: '[~]',
  replace: '[±]',
  delete: '[-]',
};

/** Lines of context around each changed run in a line diff. */
const CONTEXT = 3;

/** Without a width: the longest `path: before → after` row a nested value is shown in. */
const UNWRAPPED_ROW = 100;

/** What precedes a field row (` ├─ `) and the lines under it (` │     `), by last-ness. */
const ROW = (last: boolean): string => ` ${last ? '└─' : '├─'} `;
const UNDER = (last: boolean): string => ` ${last ? ' ' : '│'}     `;

function paint(c: Colors, action: Action, text: string): string {
  switch (action) {
    case 'create':
      return c.green(text);
    case 'update':
      return c.yellow(text);
    case 'replace':
      return c.magenta(text);
    case 'delete':
      return c.red(text);
    case 'noop':
      return text;
  }
}

// -------------------------------------------------------------------------------------------
// Values

function isNested(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

/** One-line JSON with a space after `,` and `:`; `(absent)` for a missing value. */
export function compactValue(value: unknown): string {
  if (value === undefined) return '(absent)';
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : compactValue(v))).join(', ')}]`;
  if (isNested(value)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}: ${compactValue(v)}`).join(', ')}}`;
  }
  // Functions and symbols are no document values: shown as JSON would in an array.
  return JSON.stringify(value) ?? 'null';
}

function prettyLines(value: unknown): string[] {
  if (value === undefined) return [];
  return ((JSON.stringify(value, null, 2) as string | undefined) ?? 'null').split('\n');
}

// -------------------------------------------------------------------------------------------
// A line diff (the `diff` package's Myers diff), with unified-diff hunks

export interface DiffLine {
  op: ' ' | '-' | '+';
  text: string;
}

/** The edit script from `a` to `b`, a shortest one: in each changed run, removals first. */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  const out: DiffLine[] = [];
  for (const change of diffArrays([...a], [...b])) {
    const op = change.removed ? '-' : change.added ? '+' : ' ';
    for (const text of change.value) out.push({ op, text });
  }
  return out;
}

/**
 * Unified-diff hunks (`@@ -a,b +c,d @@` then lines) of the script, keeping `context` unchanged
 * lines around each change; runs of unchanged lines longer than that are left out.
 */
export function hunks(script: readonly DiffLine[], context = CONTEXT): string[] {
  const changed = script.map((l, k) => (l.op === ' ' ? -1 : k)).filter((k) => k >= 0);
  if (changed.length === 0) return [];
  // Ranges [start, end) of script lines to show, merged when their context overlaps.
  const ranges: [number, number][] = [];
  for (const k of changed) {
    const start = Math.max(0, k - context);
    const end = Math.min(script.length, k + context + 1);
    const last = ranges.at(-1);
    if (last && start <= last[1]) last[1] = Math.max(last[1], end);
    else ranges.push([start, end]);
  }
  // Line numbers (1-based) of each script line in a and in b.
  const aLine: number[] = [];
  const bLine: number[] = [];
  let na = 1;
  let nb = 1;
  for (const l of script) {
    aLine.push(na);
    bLine.push(nb);
    if (l.op !== '+') na++;
    if (l.op !== '-') nb++;
  }
  const out: string[] = [];
  for (const [start, end] of ranges) {
    const lines = script.slice(start, end);
    const aCount = lines.filter((l) => l.op !== '+').length;
    const bCount = lines.filter((l) => l.op !== '-').length;
    // As in unified diff, an empty side starts at the line before it.
    const aStart = aCount === 0 ? (aLine[start] ?? 1) - 1 : (aLine[start] ?? 1);
    const bStart = bCount === 0 ? (bLine[start] ?? 1) - 1 : (bLine[start] ?? 1);
    out.push(`@@ -${aStart},${aCount} +${bStart},${bCount} @@`);
    for (const l of lines) out.push(`${l.op} ${l.text}`);
  }
  return out;
}

// -------------------------------------------------------------------------------------------
// Rows

function sameValue(a: unknown, b: unknown): boolean {
  return compactValue(a) === compactValue(b);
}

/** The spans of a field row after `├─ `, and the lines of a diff under it (if any). */
function fieldRow(
  field: PlannedField,
  action: Action,
  c: Colors,
  rowWidth: number,
): { head: Span[]; body: Span[][] } {
  const path: Span = { text: field.path, paint: c.bold };
  if (field.sensitive) {
    // Whatever the planner put in before/after (fingerprints, markers), only compare them.
    const what = sameValue(field.before, field.after) ? 'unchanged' : 'changes';
    return { head: [path, { text: ': ' }, { text: `(sensitive, ${what})`, paint: c.dim }], body: [] };
  }
  // A create shows what it writes, a delete what it removes; an update both.
  const oneSided = action === 'create' || action === 'delete';
  const value = action === 'delete' ? field.before : field.after;
  const line = oneSided
    ? `${field.path}: ${compactValue(value)}`
    : `${field.path}: ${compactValue(field.before)} → ${compactValue(field.after)}`;
  const nested = isNested(field.before) || isNested(field.after);
  if (!nested || line.length <= rowWidth) {
    if (oneSided)
      return {
        head: [path, { text: ': ' }, { text: compactValue(value), paint: (t) => paint(c, action, t) }],
        body: [],
      };
    return {
      head: [
        path,
        { text: ': ' },
        { text: compactValue(field.before), paint: c.red },
        { text: ' → ' },
        { text: compactValue(field.after), paint: c.green },
      ],
      body: [],
    };
  }
  const before = action === 'create' ? [] : prettyLines(field.before);
  const after = action === 'delete' ? [] : prettyLines(field.after);
  const body = hunks(diffLines(before, after)).map((l): Span[] => {
    if (l.startsWith('@@')) return [{ text: l, paint: c.cyan }];
    if (l.startsWith('-')) return [{ text: l, paint: c.red }];
    if (l.startsWith('+')) return [{ text: l, paint: c.green }];
    return [{ text: l }];
  });
  return { head: [path], body };
}

/** `[~] media_servers/ny2 (update, id 5bc0…0001, protected)` */
function resourceHead(change: PlannedChange, c: Colors): Span[] {
  const bits: Span[] = [{ text: change.action }];
  if (change.id !== undefined && change.id !== change.key) {
    // In full: server ids often share long prefixes, and the id is what a person searches for.
    bits.push({ text: `, id ${change.id}` });
  }
  if (change.protected) bits.push({ text: ', ' }, { text: 'protected', paint: c.bold });
  const marker = MARKERS[change.action as Exclude<Action, 'noop'>];
  return [
    { text: marker, paint: (t) => paint(c, change.action, t) },
    { text: ' ' },
    { text: `${change.kind}/${change.key}`, paint: c.bold },
    { text: ' ' },
    { text: '(', paint: c.dim },
    ...bits,
    { text: ')', paint: c.dim },
  ];
}

function resourceBlock(change: PlannedChange, c: Colors, width: number | undefined): string[] {
  // A wrapped head continues under the resource name.
  const lines = prefixed('', '    ', resourceHead(change, c), width);
  const hasFields = change.fields.length > 0;
  const gutter = ` ${hasFields ? '│' : ' '}  `;
  const notes = [
    ...change.notes,
    ...(change.includedAsDependency === undefined
      ? []
      : [`included as a dependency of ${change.includedAsDependency.join(', ')}`]),
  ];
  for (const note of notes) {
    lines.push(...prefixed(gutter, `${gutter}      `, [{ text: `note: ${note}`, paint: c.dim }], width));
  }
  // The row's own text: the width less the gutter, or the fixed row length when not wrapping.
  const rowWidth = width === undefined ? UNWRAPPED_ROW : width - ROW(false).length;
  change.fields.forEach((field, i) => {
    const last = i === change.fields.length - 1;
    const { head, body } = fieldRow(field, change.action, c, rowWidth);
    lines.push(...prefixed(ROW(last), UNDER(last), head, width));
    // A diff line that wraps continues past its `- `/`+ ` marker.
    for (const l of body) lines.push(...prefixed(UNDER(last), `${UNDER(last)}  `, l, width));
  });
  return lines;
}

// -------------------------------------------------------------------------------------------
// The plan

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** `Plan: 2 to create, 1 to update, 0 to replace, 1 to delete.`, or the no-changes line. */
export function planSummaryLine(plan: Plan): string {
  const s = plan.summary;
  if (s.create + s.update + s.replace + s.delete === 0)
    return 'No changes. The live state matches the config.';
  return `Plan: ${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete.`;
}

/** `Targeted (--only …, --exclude …): 3 changes left out.`, for a targeted plan. */
export function targetingLine(plan: Plan): string | undefined {
  const t = plan.targeting;
  if (t === undefined) return undefined;
  const asked = [...t.only.map((r) => `--only ${r}`), ...t.exclude.map((r) => `--exclude ${r}`)].join(', ');
  return `Targeted (${asked}): ${plural(t.leftOut.length, 'change')} left out${t.leftOut.length > 0 ? ' (a full plan shows them)' : ''}.`;
}

/** The whole plan as terminal text; ends with the summary line and a newline. */
export function renderPlanText(plan: Plan, opts: PlanTextOptions): string {
  const c = pc.createColors(opts.color);
  const width = opts.width;
  const blocks: string[] = [
    prefixed('', '  ', [{ text: `Plan for target ${opts.label ?? plan.target}`, paint: c.bold }], width).join(
      '\n',
    ),
  ];
  for (const change of plan.changes) {
    if (change.action === 'noop') continue;
    blocks.push(resourceBlock(change, c, width).join('\n'));
  }
  if (plan.unmanaged.length > 0) {
    const rows = plan.unmanaged.flatMap((u) =>
      prefixed(
        '  ',
        '    ',
        [
          { text: '·', paint: c.dim },
          { text: ` ${u.kind}/${u.id}${u.name === undefined ? '' : `  ${JSON.stringify(u.name)}`}` },
        ],
        width,
      ),
    );
    blocks.push(
      [`${plural(plan.unmanaged.length, 'live resource')} not managed by kzops: never deleted`, ...rows].join(
        '\n',
      ),
    );
  }
  const tail: string[] = [];
  if (plan.summary.noop > 0) tail.push(c.dim(`${plural(plan.summary.noop, 'resource')} unchanged.`));
  const targeted = targetingLine(plan);
  if (targeted !== undefined) tail.push(targeted);
  const summary = planSummaryLine(plan);
  tail.push(summary.startsWith('No changes') ? c.green(summary) : c.bold(summary));
  blocks.push(tail.join('\n'));
  return blocks.join('\n\n') + '\n';
}
