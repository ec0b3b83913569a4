/**
 * Bulk fixes from a CSV file (`kzops subscriptions move|patch --from-csv FILE`): the file
 * parsed and every row checked before anything is sent. Pure: the caller reads the file.
 *
 * A header problem (a missing or unknown column) concerns every row, so it stops the whole
 * file (InvalidInputError, exit 64). A row problem concerns only its row: the row is reported
 * with its line number and the other rows still run.
 *
 * Columns:
 *   move:  account_id, subscription_id, to_account[, to_cluster]
 *   patch: account_id, subscription_id, then one column per field path (`plan`,
 *          `additional_properties.name`), each value read as `--set path=value` reads it;
 *          an empty cell leaves that field alone for that row (write `null` to remove it).
 */
import { parse } from 'csv-parse/sync';
import { InvalidInputError } from '../errors.js';
import { idInput, setInput } from './input.js';

export type BulkKind = 'move' | 'patch';

/** One data record of the file: its cells by header name, and the line it starts on (header = 1). */
export interface CsvRecord {
  line: number;
  cells: string[];
}

export interface CsvTable {
  header: string[];
  records: CsvRecord[];
}

interface RowBase {
  /** The line the row starts on, the header being line 1. */
  line: number;
  accountId: string;
  subscriptionId: string;
}

export interface MoveRow extends RowBase {
  kind: 'move';
  move: { target_account_id: string; target_cluster_id?: string };
}

export interface PatchRow extends RowBase {
  kind: 'patch';
  /** The PATCH body's `data`. */
  patch: Record<string, unknown>;
}

export type BulkRow = MoveRow | PatchRow;

export interface InvalidRow {
  line: number;
  reason: string;
}

export interface BulkRows<R extends BulkRow = BulkRow> {
  rows: R[];
  invalid: InvalidRow[];
}

/**
 * The file as a header and records. Windows line ends are accepted; empty lines are skipped;
 * cells are trimmed. A file that is not CSV at all (an unclosed quote), or that has no header,
 * is refused naming the file.
 */
export function parseCsv(text: string, file: string): CsvTable {
  // csv-parse counts a CR and an LF as two line breaks in some records; one kind keeps line numbers true.
  const normalized = text.replace(/\r\n?/g, '\n');
  let parsed: { record: string[]; raw: string; info: { lines: number } }[];
  try {
    parsed = parse(normalized, {
      bom: true,
      info: true,
      raw: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as typeof parsed;
  } catch (err) {
    throw new InvalidInputError(`${file}: not a CSV file: ${(err as Error).message}`);
  }
  const records = parsed.map(({ record, raw, info }) => {
    // `info.lines` is where the record ends; a quoted cell may span lines, and skipped empty
    // lines before it are part of `raw`. The line a person looks for is where it starts.
    const body = raw.replace(/^\n+/, '').replace(/\n$/, '');
    const spans = body.split('\n').length - 1;
    return { line: info.lines - spans, cells: record };
  });
  const head = records.shift();
  if (head === undefined) throw new InvalidInputError(`${file}: the file is empty (it needs a header line)`);
  return { header: head.cells, records };
}

const MOVE_COLUMNS = ['account_id', 'subscription_id', 'to_account', 'to_cluster'] as const;
const REQUIRED = ['account_id', 'subscription_id'] as const;

/** The header's column names by position; refuses duplicates and missing columns. */
function columnsOf(table: CsvTable, file: string, required: readonly string[]): Map<string, number> {
  const index = new Map<string, number>();
  table.header.forEach((name, i) => {
    if (name === '') throw new InvalidInputError(`${file}: line 1: column ${i + 1} has no name`);
    if (index.has(name)) throw new InvalidInputError(`${file}: line 1: column ${name} appears twice`);
    index.set(name, i);
  });
  const missing = required.filter((name) => !index.has(name));
  if (missing.length > 0) {
    throw new InvalidInputError(
      `${file}: line 1: the header lacks ${missing.join(', ')} (it has ${table.header.join(', ')})`,
    );
  }
  return index;
}

/** Runs a check, turning its InvalidInputError into a row reason. */
function check<T>(fn: () => T, reasons: string[]): T | undefined {
  try {
    return fn();
  } catch (err) {
    if (!(err instanceof InvalidInputError)) throw err;
    reasons.push(err.message);
    return undefined;
  }
}

/** Common row checks: the field count, the two ids, one row per subscription. */
function rowBase(
  record: CsvRecord,
  table: CsvTable,
  index: Map<string, number>,
  seen: Map<string, number>,
  reasons: string[],
): RowBase | undefined {
  if (record.cells.length !== table.header.length) {
    reasons.push(`has ${record.cells.length} fields, the header has ${table.header.length}`);
    return undefined;
  }
  const cell = (name: string) => record.cells[index.get(name) ?? -1] ?? '';
  const accountId = check(() => idInput('account_id', cell('account_id')), reasons);
  const subscriptionId = check(() => idInput('subscription_id', cell('subscription_id')), reasons);
  if (accountId === undefined || subscriptionId === undefined) return undefined;
  // Two rows for one subscription would race each other (and a second move would not find it).
  // Only valid rows count, so a corrected copy of an invalid row is accepted.
  const earlier = seen.get(subscriptionId);
  if (earlier !== undefined) {
    reasons.push(`subscription ${subscriptionId} is already on line ${earlier}`);
    return undefined;
  }
  return { line: record.line, accountId, subscriptionId };
}

/** Rows of a move file; a header that is not the move columns is refused. */
export function moveRows(table: CsvTable, file: string): BulkRows<MoveRow> {
  const index = columnsOf(table, file, [...REQUIRED, 'to_account']);
  const unknown = table.header.filter((h) => !(MOVE_COLUMNS as readonly string[]).includes(h));
  if (unknown.length > 0) {
    throw new InvalidInputError(
      `${file}: line 1: unknown column ${unknown.join(', ')}: a move file has ${MOVE_COLUMNS.join(', ')} (to_cluster optional)`,
    );
  }
  const out: BulkRows<MoveRow> = { rows: [], invalid: [] };
  const seen = new Map<string, number>();
  for (const record of table.records) {
    const reasons: string[] = [];
    const base = rowBase(record, table, index, seen, reasons);
    const cell = (name: string) => record.cells[index.get(name) ?? -1] ?? '';
    const to = base && check(() => idInput('to_account', cell('to_account')), reasons);
    const clusterText = base ? cell('to_cluster') : '';
    const cluster = clusterText === '' ? undefined : check(() => idInput('to_cluster', clusterText), reasons);
    if (base && to !== undefined && to === base.accountId && clusterText === '') {
      reasons.push(`to_account ${to} is the account the subscription is already in (and no to_cluster)`);
    }
    if (reasons.length > 0 || base === undefined || to === undefined) {
      out.invalid.push({ line: record.line, reason: reasons.join('; ') });
      continue;
    }
    seen.set(base.subscriptionId, record.line);
    const move: MoveRow['move'] = { target_account_id: to };
    if (cluster !== undefined) move.target_cluster_id = cluster;
    out.rows.push({ kind: 'move', ...base, move });
  }
  return out;
}

const PATH = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

/** Rows of a patch file: every column besides the two ids is a field path. */
export function patchRows(table: CsvTable, file: string): BulkRows<PatchRow> {
  const index = columnsOf(table, file, REQUIRED);
  const paths = table.header.filter((h) => !(REQUIRED as readonly string[]).includes(h));
  if (paths.length === 0) {
    throw new InvalidInputError(
      `${file}: line 1: no field columns: after account_id and subscription_id, name one column per field path (e.g. plan, additional_properties.name)`,
    );
  }
  for (const path of paths) {
    if (!PATH.test(path)) {
      throw new InvalidInputError(
        `${file}: line 1: column ${JSON.stringify(path)} is not a field path: keys separated by dots`,
      );
    }
    const inside = paths.find((other) => other.startsWith(`${path}.`));
    if (inside !== undefined) {
      throw new InvalidInputError(`${file}: line 1: columns ${path} and ${inside} set the same field`);
    }
  }
  const out: BulkRows<PatchRow> = { rows: [], invalid: [] };
  const seen = new Map<string, number>();
  for (const record of table.records) {
    const reasons: string[] = [];
    const base = rowBase(record, table, index, seen, reasons);
    const assignments: string[] = [];
    if (base) {
      for (const path of paths) {
        const text = record.cells[index.get(path) ?? -1] ?? '';
        if (text === '') continue;
        // Parsed exactly as `--set path=value`; only the message is reworded for a file.
        const ok = check(() => setInput([`${path}=${text}`]), []);
        if (ok === undefined) {
          reasons.push(
            `${path}: ${JSON.stringify(text)} is a number too large to keep its digits (write it as text in JSON quotes: """${text}""")`,
          );
        } else {
          assignments.push(`${path}=${text}`);
        }
      }
      if (reasons.length === 0 && assignments.length === 0) reasons.push('every field cell is empty');
    }
    if (reasons.length > 0 || base === undefined) {
      out.invalid.push({ line: record.line, reason: reasons.join('; ') });
      continue;
    }
    seen.set(base.subscriptionId, record.line);
    out.rows.push({ kind: 'patch', ...base, patch: setInput(assignments) });
  }
  return out;
}

/** The rows of `text` for `kind`, or an InvalidInputError naming the file for a bad file or header. */
export function bulkRows(kind: BulkKind, text: string, file: string): BulkRows {
  const table = parseCsv(text, file);
  return kind === 'move' ? moveRows(table, file) : patchRows(table, file);
}
