/**
 * A plan as a pull-request comment (GitHub-flavoured markdown), for `kzops plan --format
 * markdown`. In order:
 *
 * 1. one summary line (`**sandbox**: 1 to create, 2 to update, 0 to replace, 1 to delete`);
 * 2. a table of the resources that change, one row each: the action (with its marker), the
 *    resource and the top-level fields it changes. Three columns, so it fits GitHub's comment column:
 *    the server-assigned id would only repeat what `kind/key` says, so it is in the details;
 * 3. a mermaid picture of the resources the plan creates, changes or deletes (marked) and
 *    their direct neighbours, with only the edges that touch a changed one
 *    (`renderPlanGraphMermaid`);
 * 4. per resource, its id, notes and field rows folded in `<details>`: `before → after` on
 *    one line, or a ```diff block for a nested value too long for a line (as the text plan
 *    does);
 * 5. the live resources kzops does not manage, folded;
 * 6. the plan fingerprint, visible in short and in full in an HTML comment that a workflow
 *    can read back (`<!-- kzops-plan-fingerprint: <target> <hex> -->`).
 *
 * Secrets: a sensitive field shows only whether it changes. Text that comes from documents
 * (names, values, notes) is escaped or put in code spans, so it can neither break the layout
 * nor mention (`@someone`) anybody. Deterministic: no dates, no machine-dependent order.
 *
 * `maxChars` keeps the comment under a limit (GitHub's is 65,536): the summary, the table,
 * a "Plan trimmed" note and the fingerprint always stay; resource details are kept in plan
 * order while they fit, then the picture and the unmanaged list if they still fit. Length is
 * counted in UTF-16 code units, which is never less than characters.
 */
import { isEmptyTopology, type Topology } from '../core/graph/topology.js';
import { planFingerprint, shortFingerprint } from '../core/plan/fingerprint.js';
import type { Action, Plan, PlannedChange, PlannedField } from '../core/plan/types.js';
import { renderPlanGraphMermaid } from './graph.js';
import { compactValue, diffLines, hunks } from './plan-text.js';

export interface PlanMarkdownOptions {
  /** The routing the plan touches (`topologyForPlan`); no picture when absent or empty. */
  topology?: Topology;
  /** Longest output, in UTF-16 code units; no limit when absent. */
  maxChars?: number;
  /** Longest `path: before → after` row before a nested value becomes a diff; default 100. */
  width?: number;
  /** The fingerprint, when the caller has it already; computed otherwise. */
  fingerprint?: string;
  /** Notes for the reviewer under the summary line (the target is frozen, outside its windows). */
  notes?: readonly string[];
}

type Change = Exclude<Action, 'noop'>;

export const ACTION_MARKERS: Record<Change, string> = {
  create: '🟢',
  update: '🟡',
  replace: '🟣',
  delete: '🔴',
};

const PROTECTED = '🔒';

/** The line a workflow looks for to find the fingerprint of the plan it posted. */
export function fingerprintComment(target: string, fingerprint: string): string {
  return `<!-- kzops-plan-fingerprint: ${target} ${fingerprint} -->`;
}

// -------------------------------------------------------------------------------------------
// Escaping

/** Text in markdown: punctuation escaped, `@` broken so no one is mentioned. */
export function escapeMarkdown(text: string): string {
  return (
    text
      // Inline text only (never a line start), so these are the characters that can act.
      .replace(/[\\`*_[\]<>|~]/g, (c) => `\\${c}`)
      .replace(/&/g, '&amp;')
      .replace(/@/g, '@&#8203;')
      .replace(/[\r\n]+/g, ' ')
  );
}

/** Text inside HTML (`<summary>`). */
function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** A code span that holds any text: fenced by one more backtick than the longest run inside. */
export function codeSpan(text: string): string {
  const flat = text.replace(/[\r\n]+/g, ' ');
  const longest = Math.max(0, ...(flat.match(/`+/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(longest + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}

/** A table cell: a `|` would end the cell, even inside a code span, unless escaped. */
function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

/** A fenced block that no line of `lines` can close early. */
function fenced(lang: string, lines: string[]): string[] {
  const longest = Math.max(0, ...lines.flatMap((l) => l.match(/`{3,}/g) ?? []).map((r) => r.length));
  const fence = '`'.repeat(Math.max(3, longest + 1));
  return [`${fence}${lang}`, ...lines, fence];
}

// -------------------------------------------------------------------------------------------
// Parts

const ref = (c: PlannedChange) => `${c.kind}/${c.key}`;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function summaryLine(plan: Plan): string {
  const s = plan.summary;
  const target = `**${escapeMarkdown(plan.target)}**`;
  const t = plan.targeting;
  const targeted =
    t === undefined
      ? ''
      : ` (targeted: ${[...t.only.map((r) => `--only ${r}`), ...t.exclude.map((r) => `--exclude ${r}`)].map(codeSpan).join(' ')}; ${t.leftOut.length} left out)`;
  if (s.create + s.update + s.replace + s.delete === 0) return `${target}: no changes${targeted}`;
  return `${target}: ${s.create} to create, ${s.update} to update, ${s.replace} to replace, ${s.delete} to delete${targeted}`;
}

/** Field paths shown in a table row; the rest are counted. */
const TABLE_FIELDS = 3;

/**
 * The top-level fields a change touches, in order, each once (`ips.inbound.east` and
 * `ips.outbound.west` are `ips`): a deep path can be wider than the comment column, and the
 * details hold every path.
 */
function topFields(c: PlannedChange): string[] {
  const seen = new Map<string, boolean>();
  for (const f of c.fields) {
    const top = f.path.split('.')[0] ?? f.path;
    seen.set(top, (seen.get(top) ?? false) || f.sensitive === true);
  }
  return [...seen].map(([top, sensitive]) => codeSpan(top) + (sensitive ? ' (sensitive)' : ''));
}

function tableRow(c: PlannedChange): string {
  const action = c.action as Change;
  const fields = topFields(c);
  const shown =
    fields.length > TABLE_FIELDS
      ? [...fields.slice(0, TABLE_FIELDS), `+${fields.length - TABLE_FIELDS} more`]
      : fields;
  const cells = [
    `${ACTION_MARKERS[action]} ${action}${c.protected ? ` ${PROTECTED} protected` : ''}${c.includedAsDependency === undefined ? '' : ' (dependency)'}`,
    codeSpan(ref(c)),
    shown.join(', '),
  ];
  return `| ${cells.map(cell).join(' | ')} |`;
}

const TABLE_HEAD = ['| action | resource | fields |', '| --- | --- | --- |'];

function isNested(value: unknown): boolean {
  return typeof value === 'object' && value !== null;
}

function prettyLines(value: unknown): string[] {
  if (value === undefined) return [];
  return ((JSON.stringify(value, null, 2) as string | undefined) ?? 'null').split('\n');
}

function sameValue(a: unknown, b: unknown): boolean {
  return compactValue(a) === compactValue(b);
}

/** One list item (with a diff block under it for a long nested value). */
function fieldItem(field: PlannedField, action: Action, width: number): string[] {
  const path = codeSpan(field.path);
  if (field.sensitive) {
    // Whatever the planner put in before/after, only compare them.
    return [`- ${path}: *(sensitive, ${sameValue(field.before, field.after) ? 'unchanged' : 'changes'})*`];
  }
  const oneSided = action === 'create' || action === 'delete';
  const value = action === 'delete' ? field.before : field.after;
  const line = oneSided
    ? `${field.path}: ${compactValue(value)}`
    : `${field.path}: ${compactValue(field.before)} → ${compactValue(field.after)}`;
  const nested = isNested(field.before) || isNested(field.after);
  if (!nested || line.length <= width) {
    return oneSided
      ? [`- ${path}: ${codeSpan(compactValue(value))}`]
      : [`- ${path}: ${codeSpan(compactValue(field.before))} → ${codeSpan(compactValue(field.after))}`];
  }
  const before = action === 'create' ? [] : prettyLines(field.before);
  const after = action === 'delete' ? [] : prettyLines(field.after);
  // Indented under the list item, so the block belongs to it.
  return [`- ${path}:`, '', ...fenced('diff', hunks(diffLines(before, after))).map((l) => `  ${l}`), ''];
}

function detailsBlock(c: PlannedChange, width: number): string {
  const action = c.action as Change;
  const head = [
    ACTION_MARKERS[action],
    `<code>${escapeHtml(ref(c))}</code>`,
    escapeHtml(action),
    ...(c.protected ? [`${PROTECTED} protected`] : []),
  ].join(' ');
  const items = [
    // The id the server gave it; a cluster's key is its id already.
    ...(c.id === undefined || c.id === c.key ? [] : [`- id: ${codeSpan(c.id)}`]),
    ...c.notes.map((n) => `- note: *${escapeMarkdown(n)}*`),
    ...(c.includedAsDependency === undefined
      ? []
      : [`- note: *included as a dependency of ${escapeMarkdown(c.includedAsDependency.join(', '))}*`]),
    ...c.fields.flatMap((f) => fieldItem(f, c.action, width)),
  ];
  while (items.at(-1) === '') items.pop();
  const body = items.length > 0 ? items : ['*no fields*'];
  return [`<details><summary>${head}</summary>`, '', ...body, '', '</details>'].join('\n');
}

function unmanagedBlock(plan: Plan): string | undefined {
  if (plan.unmanaged.length === 0) return undefined;
  const rows = plan.unmanaged.map(
    (u) => `- ${codeSpan(`${u.kind}/${u.id}`)}${u.name === undefined ? '' : ` ${codeSpan(u.name)}`}`,
  );
  return [
    `<details><summary>${plural(plan.unmanaged.length, 'live resource')} not managed by kzops (never deleted)</summary>`,
    '',
    ...rows,
    '',
    '</details>',
  ].join('\n');
}

/** Unchanged neighbours named under the picture, at most; the rest are counted. */
const OMITTED_NAMED = 20;

function graphBlock(topology: Topology | undefined): string | undefined {
  if (topology === undefined || isEmptyTopology(topology)) return undefined;
  const { chart, omitted } = renderPlanGraphMermaid(topology);
  if (chart === undefined) return undefined;
  const named = omitted.slice(0, OMITTED_NAMED).map(codeSpan);
  if (omitted.length > OMITTED_NAMED) named.push(`${omitted.length - OMITTED_NAMED} more`);
  return [
    `**Routing touched by this plan** (${ACTION_MARKERS.create} created, ${ACTION_MARKERS.update} changed, ${ACTION_MARKERS.delete} deleted; unmarked: unchanged direct neighbours)`,
    '',
    ...fenced('mermaid', chart.trimEnd().split('\n')),
    ...(omitted.length === 0
      ? []
      : ['', `*Also linked to a changed resource, not drawn: ${named.join(', ')}.*`]),
  ].join('\n');
}

function footer(plan: Plan, fingerprint: string): string {
  return [
    `Plan fingerprint: ${codeSpan(shortFingerprint(fingerprint))}`,
    fingerprintComment(plan.target, fingerprint),
  ].join('\n');
}

function trimNote(shown: number, total: number, leftOut: string[]): string {
  const extra = leftOut.length === 0 ? '' : ` Left out: ${leftOut.join(', ')}.`;
  return `> **Plan trimmed: ${shown} of ${total} resources shown; the full plan is in the workflow artifact.**${extra}`;
}

// -------------------------------------------------------------------------------------------
// The comment

/** Sections are joined by a blank line; the whole ends with one newline. */
function joined(sections: (string | undefined)[]): string {
  return sections.filter((s): s is string => s !== undefined).join('\n\n') + '\n';
}

const lengthOf = (sections: (string | undefined)[]) => joined(sections).length;

export function renderPlanMarkdown(plan: Plan, opts: PlanMarkdownOptions = {}): string {
  const width = opts.width ?? 100;
  const fingerprint = opts.fingerprint ?? planFingerprint(plan);
  const changes = plan.changes.filter((c) => c.action !== 'noop');
  const head = [summaryLine(plan), ...(opts.notes ?? []).map((n) => `> **Note:** ${escapeMarkdown(n)}`)].join(
    '\n\n',
  );
  const foot = footer(plan, fingerprint);
  const unchanged =
    plan.summary.noop > 0 ? `*${plural(plan.summary.noop, 'resource')} unchanged.*` : undefined;
  const rows = changes.map(tableRow);
  const table = (shownRows: string[]) =>
    rows.length === 0
      ? undefined
      : [
          ...TABLE_HEAD,
          ...shownRows,
          ...(shownRows.length < rows.length ? [`| | … ${rows.length - shownRows.length} more | |`] : []),
        ].join('\n');
  const graph = graphBlock(opts.topology);
  const details = changes.map((c) => detailsBlock(c, width));
  const unmanaged = unmanagedBlock(plan);

  const full = joined([head, table(rows), unchanged, graph, ...details, unmanaged, foot]);
  if (opts.maxChars === undefined || full.length <= opts.maxChars) return full;
  const max = opts.maxChars;

  // What always stays; the note is measured at its longest (every resource shown, every
  // extra left out), so the parts added below can only make the total shorter than budgeted.
  const longestNote = trimNote(changes.length, changes.length, ['the routing picture', 'the unmanaged list']);
  let shownRows = rows;
  while (shownRows.length > 0 && lengthOf([head, table(shownRows), unchanged, longestNote, foot]) > max) {
    // Only a plan of thousands of resources gets here: its table alone is too long.
    shownRows = shownRows.slice(0, -1);
  }
  const fixed = [head, table(shownRows), unchanged];
  let total = lengthOf([...fixed, longestNote, foot]);
  const add = (section: string | undefined): boolean => {
    if (section === undefined || total + section.length + 2 > max) return false;
    total += section.length + 2;
    return true;
  };
  const keptDetails: string[] = [];
  for (const d of details) {
    if (!add(d)) break;
    keptDetails.push(d);
  }
  const keptGraph = add(graph) ? graph : undefined;
  const keptUnmanaged = add(unmanaged) ? unmanaged : undefined;
  const leftOut = [
    ...(graph !== undefined && keptGraph === undefined ? ['the routing picture'] : []),
    ...(unmanaged !== undefined && keptUnmanaged === undefined ? ['the unmanaged list'] : []),
  ];
  return joined([
    ...fixed,
    keptGraph,
    ...keptDetails,
    keptUnmanaged,
    trimNote(keptDetails.length, changes.length, leftOut),
    foot,
  ]);
}
