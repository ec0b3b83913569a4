/**
 * Bulk fixes from a CSV file: `kzops subscriptions move|patch --from-csv FILE`.
 *
 * Every row is checked before anything is sent (src/core/support/bulk-rows.ts); invalid rows
 * are reported by line and skipped, the rest run with bounded concurrency. One confirmation
 * covers the whole file. A journal beside the config directory
 * (`.kzops/journal/<first 16 hex of the file's sha256>.jsonl`) records each row done on each
 * target, so running the same file again skips what is done and retries only the rest.
 *
 * Retries: the client's retry policy (src/api/retry.ts) with per-call options. A move or a patch
 * is not idempotent, so by default the client resends one only after a 429, which guarantees
 * nothing was applied. A row whose answer was lost (the connection dropped, a gateway error,
 * or a 503, which crossbar also sends after a save) has an unknown outcome; bulk asks the
 * client to resend it anyway (`resendUnknown`), because a resend here verifies rather than
 * repeats, and notes it in the journal as `unknown` before each resend:
 * - a move is conditional on the subscription being in the source account, so it cannot apply
 *   twice: sent again, a success means it had not happened and now has; a 404 means the
 *   subscription has left the source account, so the lost move went through;
 * - a patch sets the same fields to the same values, so sending it again leaves the document as
 *   one send would (KAZOO restamps `last_manual_update`); the answer is checked to hold them.
 * Up to MAX_TRIES sends in all; a row still unknown then is reported failed, and a re-run of the
 * file verifies it the same way (a 404 on a move the journal has as `unknown` counts as done).
 */
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CallRetryOptions } from '../../api/client.js';
import { KazooApiError, OutcomeUnknownError } from '../../api/errors.js';
import type { ApiResult } from '../../api/types.js';
import { InterruptedError, InvalidInputError, KzopsError } from '../../core/errors.js';
import { bulkRows, type BulkKind, type BulkRow, type InvalidRow } from '../../core/support/bulk-rows.js';
import { Limit } from '../../core/limit.js';
import { DRY_RUN_NOTE } from '../../render/support-views.js';
import type { ProgressBar, Ui } from '../ui.js';
import { confirmOrRefuse, connectSupport, type SupportConnection } from './session.js';

/** Sends per row when the outcome stays unknown (each send after the first verifies the one before). */
export const MAX_TRIES = 5;

export type BulkRowStatus = 'done' | 'failed' | 'skipped' | 'dry_run';

export interface BulkRowReport {
  line: number;
  status: BulkRowStatus;
  reason?: string;
  request_id?: string;
  /** Under --dry-run: the request that would be sent, as curl. */
  curl?: string;
}

/** What `--json` prints. */
export interface BulkReport {
  done: number;
  failed: number;
  skipped: number;
  rows: BulkRowReport[];
  journal: string;
  dry_run?: true;
}

/** One journal line: a row that was done, or whose outcome was lost (`unknown`). */
interface JournalEntry {
  line: number;
  subscription_id: string;
  target: string;
  op: BulkKind;
  /**
   * `unknown`: sent (written just before sending), outcome not known yet; `done`; `failed`: the
   * server said no; `not_sent`: the run stopped before sending it after all.
   */
  status: 'done' | 'unknown' | 'failed' | 'not_sent';
  request_id: string;
  time: string;
}

/** The journal of a CSV file: named by its content, so an edited file starts afresh. */
export function journalPath(workDir: string, content: Buffer | string): string {
  const digest = createHash('sha256').update(content).digest('hex').slice(0, 16);
  return join(workDir, 'journal', `${digest}.jsonl`);
}

/** The journal's last word on each row of this target (a torn last line is ignored). */
export function readJournal(path: string, target: string): Map<number, JournalEntry> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return new Map();
  }
  const out = new Map<number, JournalEntry>();
  for (const raw of text.split('\n')) {
    if (raw.trim() === '') continue;
    let entry: JournalEntry;
    try {
      entry = JSON.parse(raw) as JournalEntry;
    } catch {
      continue; // a line cut short by a crash: that row is simply not known as done
    }
    if (entry.target !== target || typeof entry.line !== 'number') continue;
    // `done` is final; a later `unknown` never hides it. `not_sent` takes back the `unknown`
    // written before a send that did not happen.
    if (out.get(entry.line)?.status === 'done') continue;
    if (entry.status === 'not_sent') out.delete(entry.line);
    else out.set(entry.line, entry);
  }
  return out;
}

export type StopSignal = 'SIGINT' | 'SIGTERM';

/** Ctrl-C and SIGTERM while rows run (src/cli/interrupts.ts's watch has this shape). */
export interface StopWatch {
  /** Aborted by the first signal. */
  readonly signal: AbortSignal;
  readonly received: StopSignal | undefined;
  /** Runs before the process exits on a second signal. */
  onForce(hook: () => void): void;
  dispose(): void;
}

export interface BulkInput {
  kind: BulkKind;
  /** The --from-csv path, as given. */
  file: string;
  dir: string | undefined;
  target: string | undefined;
  auditLog: string | undefined;
  dryRun: boolean;
  yes: boolean;
  concurrency: number;
  /** Patch only: `--recursive`. */
  recursive?: boolean | undefined;
  /** A further check of each valid row (e.g. the patch's shape); throws InvalidInputError to refuse it. */
  checkRow?: (row: BulkRow) => void;
  /**
   * Starts watching for Ctrl-C and SIGTERM once rows are about to be sent (not under
   * --dry-run); `onFirst` is told of the first signal. Without it, signals get Node's default.
   */
  watch?: (onFirst: (signal: StopSignal) => void) => StopWatch;
}

/**
 * `done`: every row done or skipped as done; `partial`: a row failed or was invalid;
 * `interrupted`: a signal stopped the run (`signal`); `dry_run`: nothing was sent.
 */
export type BulkOutcome = 'done' | 'partial' | 'interrupted' | 'dry_run';

export interface BulkResult {
  outcome: BulkOutcome;
  signal?: StopSignal;
  /** What --json prints. */
  report: BulkReport;
}

/**
 * The whole bulk fix: read and check the file, confirm once, run, journal, summarize. Human
 * lines go to `ui.out` (a --json caller's Ui prints none of them); the report is returned.
 */
export async function runBulk(input: BulkInput, ui: Ui): Promise<BulkResult> {
  let content: Buffer;
  try {
    content = readFileSync(input.file);
  } catch (err) {
    throw new InvalidInputError(`--from-csv ${input.file}: cannot read it: ${(err as Error).message}`);
  }
  const parsed = bulkRows(input.kind, content.toString('utf8'), input.file);
  const invalid = [...parsed.invalid];
  const rows: BulkRow[] = [];
  for (const row of parsed.rows) {
    try {
      input.checkRow?.(row);
      rows.push(row);
    } catch (err) {
      if (!(err instanceof InvalidInputError)) throw err;
      invalid.push({ line: row.line, reason: err.message });
    }
  }
  invalid.sort((a, b) => a.line - b.line);
  const curls: string[] = [];
  const conn = await connectSupport({
    dir: input.dir,
    target: input.target,
    dryRun: input.dryRun,
    auditLog: input.auditLog,
    concurrency: input.concurrency,
    // Captured, so each row's curl is printed (or put in --json) with its line number.
    print: (line) => curls.push(line),
  });
  try {
    const journal = journalPath(conn.workDir, content);
    const target = conn.policy.name;
    const known = readJournal(journal, target);
    const reports = new Map<number, BulkRowReport>();
    for (const bad of invalid)
      reports.set(bad.line, { line: bad.line, status: 'skipped', reason: `invalid: ${bad.reason}` });
    const todo: BulkRow[] = [];
    for (const row of rows) {
      const entry = known.get(row.line);
      if (entry?.status === 'done' && entry.subscription_id === row.subscriptionId) {
        reports.set(row.line, {
          line: row.line,
          status: 'skipped',
          reason: `already done (journal, ${entry.time})`,
          request_id: entry.request_id,
        });
      } else {
        todo.push(row);
      }
    }
    reportInvalid(invalid, ui);
    const verb = input.kind === 'move' ? 'Move' : 'Patch';
    if (todo.length > 0 && !input.dryRun) {
      const what = [
        `${todo.length} of ${rows.length + invalid.length} rows of ${input.file}, one subscription each, on ${conn.label}`,
      ];
      const doneBefore = rows.length - todo.length;
      if (doneBefore > 0) what.push(`${doneBefore} rows already done (journal) are skipped`);
      if (invalid.length > 0) what.push(`${invalid.length} invalid rows are skipped`);
      if (input.yes) for (const line of what) ui.out(`  ${line}`);
      await confirmOrRefuse(ui, `${verb} ${todo.length} subscriptions?`, { yes: input.yes, what });
    }

    // Ctrl-C or SIGTERM: no row is started any more, the rows under way finish and are
    // journaled; a second signal restores the terminal and exits at once (every row sent has
    // been journaled `unknown` before it went out, so a re-run verifies it).
    const watch = input.dryRun
      ? undefined
      : input.watch?.((signal) =>
          ui.err(
            `\n${signal} received: starting no more rows; finishing the rows under way (again to stop at once)`,
          ),
        );
    watch?.signal.addEventListener('abort', () => conn.client.stop(watch.received), { once: true });
    const ctx: RunContext = {
      stop: watch?.signal ?? new AbortController().signal,
      onForce: (hook) => watch?.onForce(hook),
      conn,
      journal,
      target,
      known,
      input,
      curls,
      ui,
    };
    try {
      if (input.dryRun) {
        // Nothing is sent, so there is nothing to overlap: one row after the other keeps each
        // curl line beside its row.
        for (const row of todo) reports.set(row.line, await dryRunRow(row, ctx));
      } else {
        await runRows(todo, ctx, (r) => reports.set(r.line, r));
        for (const row of todo) {
          if (!reports.has(row.line)) {
            reports.set(row.line, {
              line: row.line,
              status: 'skipped',
              reason: 'not started: the run was interrupted',
            });
          }
        }
      }
    } finally {
      watch?.dispose();
    }

    const all = [...reports.values()].sort((a, b) => a.line - b.line);
    const count = (s: BulkRowStatus) => all.filter((r) => r.status === s).length;
    const report: BulkReport = {
      done: count('done'),
      failed: count('failed'),
      skipped: count('skipped'),
      rows: all,
      journal,
      ...(input.dryRun ? { dry_run: true as const } : {}),
    };
    summarize(report, verb, input.file, conn.label, ui);
    if (watch?.received) {
      ui.err('Interrupted: the rows done are in the journal; run the same file again to do the rest.');
      return { outcome: 'interrupted', signal: watch.received, report };
    }
    if (input.dryRun) return { outcome: 'dry_run', report };
    return { outcome: report.failed > 0 || invalid.length > 0 ? 'partial' : 'done', report };
  } finally {
    await conn.close();
  }
}

interface RunContext {
  /** Aborted by Ctrl-C or SIGTERM: no row is started any more. */
  stop: AbortSignal;
  /** Registers what must happen before the process exits on a second signal. */
  onForce: (hook: () => void) => void;
  conn: SupportConnection;
  journal: string;
  target: string;
  known: Map<number, JournalEntry>;
  input: BulkInput;
  curls: string[];
  ui: Ui;
}

function send(row: BulkRow, ctx: RunContext, retry?: CallRetryOptions): Promise<ApiResult<unknown>> {
  const { client } = ctx.conn;
  if (row.kind === 'move')
    return client.moveSubscription(row.accountId, row.subscriptionId, row.move, { retry });
  const opts = ctx.input.recursive === undefined ? {} : { recursive: ctx.input.recursive };
  return client.patchSubscription(row.accountId, row.subscriptionId, row.patch, { ...opts, retry });
}

async function dryRunRow(row: BulkRow, ctx: RunContext): Promise<BulkRowReport> {
  ctx.curls.length = 0;
  await send(row, ctx);
  const curl = ctx.curls.join('\n');
  ctx.ui.out(`# line ${row.line}: ${describe(row)}\n${curl}`);
  return { line: row.line, status: 'dry_run', curl };
}

function describe(row: BulkRow): string {
  if (row.kind === 'patch') return `patch subscription ${row.subscriptionId} in account ${row.accountId}`;
  const cluster = row.move.target_cluster_id === undefined ? '' : `, cluster ${row.move.target_cluster_id}`;
  return `move subscription ${row.subscriptionId} from account ${row.accountId} to ${row.move.target_account_id}${cluster}`;
}

function record(ctx: RunContext, row: BulkRow, status: JournalEntry['status'], requestId: string): void {
  const entry: JournalEntry = {
    line: row.line,
    subscription_id: row.subscriptionId,
    target: ctx.target,
    op: row.kind,
    status,
    request_id: requestId,
    time: new Date().toISOString(),
  };
  mkdirSync(join(ctx.journal, '..'), { recursive: true });
  // Synchronous, so a row reported done is on disk before the next one starts.
  appendFileSync(ctx.journal, `${JSON.stringify(entry)}\n`);
}

/** Whether `doc` holds `sent`: equal values, or for an object every key sent (null: removed). */
function holds(doc: unknown, sent: unknown): boolean {
  if (typeof sent !== 'object' || sent === null || Array.isArray(sent)) {
    return JSON.stringify(doc) === JSON.stringify(sent);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return false;
  const d = doc as Record<string, unknown>;
  return Object.entries(sent).every(([k, v]) => (v === null ? !Object.hasOwn(d, k) : holds(d[k], v)));
}

/** Fields of a patch that the answered document does not hold as sent. */
function unheld(row: BulkRow, data: unknown): string[] {
  if (row.kind !== 'patch' || typeof data !== 'object' || data === null) return [];
  const doc = data as Record<string, unknown>;
  return Object.entries(row.patch)
    .filter(([k, v]) => (v === null ? Object.hasOwn(doc, k) : !holds(doc[k], v)))
    .map(([k]) => k);
}

function withId(report: BulkRowReport, requestId: string | undefined): BulkRowReport {
  return requestId === undefined || requestId === '' ? report : { ...report, request_id: requestId };
}

/** `(request ID)`, or nothing when no answer ever named one. */
function requestNote(id: string): string {
  return id === '' ? '' : ` (request ${id})`;
}

/** A row the run stopped before it could send (or verify) it. */
function interrupted(row: BulkRow, lost: Lost | undefined): BulkRowReport {
  return lost === undefined
    ? { line: row.line, status: 'skipped', reason: 'not sent: the run was interrupted' }
    : {
        line: row.line,
        status: 'failed',
        reason: `${lost.reason}${requestNote(lost.requestId)}; the run was interrupted before it could be verified (a re-run of this file verifies it)`,
      };
}

interface Lost {
  requestId: string;
  reason: string;
}

async function runRow(row: BulkRow, ctx: RunContext): Promise<BulkRowReport> {
  // An answer lost in this run, or in an earlier one (the journal says `unknown`).
  const earlier = ctx.known.get(row.line);
  let lost: Lost | undefined =
    earlier?.status === 'unknown'
      ? { requestId: earlier.request_id, reason: 'an earlier run lost its answer' }
      : undefined;
  if (ctx.stop.aborted) return interrupted(row, lost);
  // Written before the request goes out: a run killed now leaves the row to be verified.
  record(ctx, row, 'unknown', lost?.requestId ?? '');
  const retry: CallRetryOptions = {
    maxAttempts: MAX_TRIES,
    // A resend verifies the lost one (see the top of this file), so the client may make it.
    resendUnknown: true,
    onResend: (answer) => {
      lost = { requestId: answer.requestId, reason: `its answer was lost: ${answer.reason}` };
      // The lost answer, then the resend about to go out: both `unknown` until one is answered.
      record(ctx, row, 'unknown', lost.requestId);
      record(ctx, row, 'unknown', lost.requestId);
    },
  };
  try {
    const res = await send(row, ctx, retry);
    const requestId = res.requestId ?? '';
    const missing = unheld(row, res.data);
    if (missing.length > 0) {
      record(ctx, row, 'failed', requestId);
      return withId(
        {
          line: row.line,
          status: 'failed',
          reason: `the answer does not hold ${missing.join(', ')} as sent`,
        },
        requestId,
      );
    }
    record(ctx, row, 'done', requestId);
    const note =
      lost === undefined
        ? {}
        : { reason: `verified: ${lost.reason}${requestNote(lost.requestId)}; sent again, done` };
    return withId({ line: row.line, status: 'done', ...note }, requestId);
  } catch (err) {
    if (err instanceof InterruptedError) {
      // The client refused to send it: the run is stopping.
      record(ctx, row, 'not_sent', '');
      if (lost !== undefined) record(ctx, row, 'unknown', lost.requestId);
      return interrupted(row, lost);
    }
    if (err instanceof OutcomeUnknownError) {
      // The client's last attempt lost its answer too.
      record(ctx, row, 'unknown', err.requestId ?? '');
      return withId(
        {
          line: row.line,
          status: 'failed',
          reason: `${err.summary()}; still unknown after ${err.attempts} sends (a re-run of this file verifies it)`,
        },
        err.requestId,
      );
    }
    if (!(err instanceof KzopsError)) throw err;
    const requestId = (err as { requestId?: string }).requestId;
    if (lost !== undefined && row.kind === 'move' && err instanceof KazooApiError && err.status === 404) {
      // The move only applies from the source account: gone from it means the lost move went through.
      record(ctx, row, 'done', lost.requestId);
      return withId(
        {
          line: row.line,
          status: 'done',
          reason: `verified: ${lost.reason}${requestNote(lost.requestId)}; the subscription has left the source account, so that move went through`,
        },
        requestId,
      );
    }
    record(ctx, row, 'failed', requestId ?? '');
    return withId({ line: row.line, status: 'failed', reason: err.summary() }, requestId);
  }
}

async function runRows(
  rows: readonly BulkRow[],
  ctx: RunContext,
  done: (report: BulkRowReport) => void,
): Promise<void> {
  const { input, ui } = ctx;
  const bar: ProgressBar | undefined =
    rows.length > 0
      ? ui.progress(
          rows.length,
          `${input.kind} |{bar}| {value}/{total} rows | {failed} failed | {eta_formatted} left`,
        )
      : undefined;
  bar?.update(0, { failed: 0 });
  // A second Ctrl-C exits at once: give the terminal its cursor back first.
  if (bar) ctx.onForce(() => bar.stop());
  let finished = 0;
  let failed = 0;
  // Rows start in file order, at most --concurrency at once; none starts after a stop.
  const limit = new Limit(Math.max(1, Math.min(input.concurrency, rows.length)));
  const one = async (row: BulkRow): Promise<void> => {
    if (ctx.stop.aborted) return;
    const report = await runRow(row, ctx);
    done(report);
    finished++;
    if (report.status === 'failed') failed++;
    if (bar) bar.update(finished, { failed });
    else ui.out(rowLine(report));
  };
  try {
    await Promise.all(rows.map((row) => limit.run(() => one(row))));
  } finally {
    bar?.stop();
  }
}

function rowLine(r: BulkRowReport): string {
  if (r.status === 'done') {
    const note = r.reason === undefined ? '' : `: ${r.reason}`;
    return `line ${r.line}: done${r.request_id ? ` (request ${r.request_id})` : ''}${note}`;
  }
  return `line ${r.line}: ${r.status}${r.reason === undefined ? '' : `: ${r.reason}`}`;
}

function reportInvalid(invalid: readonly InvalidRow[], ui: Ui): void {
  for (const bad of invalid) ui.out(`line ${bad.line}: invalid, skipped: ${bad.reason}`);
}

function summarize(report: BulkReport, verb: string, file: string, label: string, ui: Ui): void {
  const log = (line: string) => ui.out(line);
  if (report.dry_run) {
    const held = report.rows.filter((r) => r.status === 'dry_run').length;
    log(`${DRY_RUN_NOTE.replace(/\.$/, '')} (${held} requests shown).`);
    return;
  }
  const asDone = report.rows.filter((r) => r.status === 'skipped' && r.reason?.startsWith('already done'));
  const failures = report.rows.filter((r) => r.status === 'failed');
  log(
    `${verb} from ${file} on ${label}: ${report.done} done, ${report.failed} failed, ${report.skipped} skipped.`,
  );
  if (asDone.length > 0) log(`  ${asDone.length} rows were already done in an earlier run (journal)`);
  const invalid = report.skipped - asDone.length;
  if (invalid > 0) log(`  ${invalid} invalid rows were skipped (listed above)`);
  for (const f of failures) log(`  line ${f.line}: failed: ${f.reason ?? ''}`);
  log(
    `Journal: ${report.journal}${report.failed > 0 ? ' (run the same file again to retry the failed rows)' : ''}`,
  );
}
