/**
 * A drift report for people: a header, the findings grouped by class (one line each, marked
 * with the class, then indented notes and `path: live → config` rows), and one summary line.
 * Secrets show only whether they change, never a value. Pure: returns a string.
 */
import pc from 'picocolors';
import type { DriftClass, DriftFinding, DriftReport } from '../core/plan/drift.js';
import { DRIFT_CLASSES } from '../core/plan/drift.js';
import { compactValue, diffLines, hunks } from './plan-text.js';

export interface DriftTextOptions {
  color: boolean;
  /** How to name the target in the header; default `report.target`. */
  label?: string;
  /** Longest `path: before → after` row shown on one line; default 100. */
  width?: number;
}

type Colors = ReturnType<typeof pc.createColors>;

const LABELS: Record<DriftClass, string> = {
  changed_outside: 'changed outside kzops',
  missing_live: 'missing live',
  unmanaged: 'unmanaged',
  pending: 'pending',
  unknown_baseline: 'no baseline',
  not_verifiable: 'not verifiable',
};

function paint(c: Colors, cls: DriftClass, text: string): string {
  switch (cls) {
    case 'changed_outside':
    case 'missing_live':
      return c.red(text);
    case 'unmanaged':
      return c.yellow(text);
    case 'pending':
      return c.cyan(text);
    case 'unknown_baseline':
    case 'not_verifiable':
      return c.dim(text);
  }
}

function isNested(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function paintDiffLine(c: Colors, line: string): string {
  if (line.startsWith('@@')) return c.cyan(line);
  if (line.startsWith('-')) return c.red(line);
  if (line.startsWith('+')) return c.green(line);
  return line;
}

function prettyLines(value: unknown): string[] {
  if (value === undefined) return [];
  return ((JSON.stringify(value, null, 2) as string | undefined) ?? 'null').split('\n');
}

/** `[changed outside kzops] carrier_sbcs/sprint-east (id 5bc0…0001)  "Sprint East SBC"` and its rows. */
function findingLines(f: DriftFinding, c: Colors, width: number): string[] {
  // An unmanaged document has no key: it is named by its id.
  const ref = `${f.kind}/${f.key ?? f.id ?? ''}`;
  const id = f.id !== undefined && f.key !== undefined && f.id !== f.key ? ` ${c.dim(`(id ${f.id})`)}` : '';
  const name = f.name === undefined ? '' : `  ${JSON.stringify(f.name)}`;
  const lines = [`${paint(c, f.class, `[${LABELS[f.class]}]`)} ${c.bold(ref)}${id}${name}`];
  if (f.note !== undefined) lines.push(`    ${c.dim(`note: ${f.note}`)}`);
  for (const field of f.fields ?? []) {
    if (field.sensitive) {
      // Whatever the planner put in before/after (fingerprints, markers), only compare them.
      const what = compactValue(field.before) === compactValue(field.after) ? 'unchanged' : 'changes';
      lines.push(`    ${c.bold(field.path)}: ${c.dim(`(sensitive, ${what})`)}`);
      continue;
    }
    const row = `${field.path}: ${compactValue(field.before)} → ${compactValue(field.after)}`;
    const nested = isNested(field.before) || isNested(field.after);
    if (!nested || row.length <= width) {
      lines.push(
        `    ${c.bold(field.path)}: ${c.red(compactValue(field.before))} → ${c.green(compactValue(field.after))}`,
      );
      continue;
    }
    // As kzops plan shows it: a line diff of the pretty JSON, so a long list stays readable.
    lines.push(`    ${c.bold(field.path)}:`);
    for (const l of hunks(diffLines(prettyLines(field.before), prettyLines(field.after)))) {
      lines.push(`        ${paintDiffLine(c, l)}`);
    }
  }
  return lines;
}

/** `Drift: 1 changed outside kzops, ...` or the in-sync line, with the informational counts. */
export function driftSummaryLine(report: DriftReport): string {
  const s = report.summary;
  const info: string[] = [];
  if (s.not_verifiable > 0) info.push(`${s.not_verifiable} not verifiable`);
  if (s.unknown_baseline > 0) info.push(`${s.unknown_baseline} without a baseline`);
  // Under `unmanaged: report` they are listed without being drift: still counted here.
  if (report.inSync && s.unmanaged > 0) info.push(`${s.unmanaged} unmanaged`);
  const extra = info.length > 0 ? ` (${info.join(', ')})` : '';
  if (report.inSync) return `In sync: the live state matches what kzops last applied and the config${extra}.`;
  return `Drift: ${s.changed_outside} changed outside kzops, ${s.missing_live} missing live, ${s.unmanaged} unmanaged, ${s.pending} pending${extra}.`;
}

/** The whole report as terminal text; ends with the summary line and a newline. */
export function renderDriftText(report: DriftReport, opts: DriftTextOptions): string {
  const c = pc.createColors(opts.color);
  const width = opts.width ?? 100;
  const blocks: string[] = [c.bold(`Drift for target ${opts.label ?? report.target}`)];
  for (const cls of DRIFT_CLASSES) {
    const group = report.findings.filter((f) => f.class === cls);
    if (group.length > 0) blocks.push(group.flatMap((f) => findingLines(f, c, width)).join('\n'));
  }
  const tail: string[] = [];
  const n = report.summary.verified;
  if (n > 0) tail.push(c.dim(`${n} resource${n === 1 ? '' : 's'} live as kzops last applied.`));
  const summary = driftSummaryLine(report);
  tail.push(report.inSync ? c.green(summary) : c.bold(summary));
  blocks.push(tail.join('\n'));
  return blocks.join('\n\n') + '\n';
}
