/**
 * What every support service shares: a connection whose client prints instead of sends under
 * --dry-run and records every change in the audit trail (./audit.ts), secret masking, and the
 * confirmation a destructive operation asks for through the Ui.
 */
import { redactJson } from '../../api/redact.js';
import { connect, type Connection } from '../connect.js';
import { RefusedError } from '../../core/errors.js';
import type { Ui } from '../ui.js';
import { auditWriter, operatorName } from './audit.js';

/** Which server: `--dir` and `--target` as given. */
export interface TargetInput {
  dir?: string | undefined;
  target?: string | undefined;
}

/** A service that changes the server: `--dry-run` and `--audit-log` too. */
export interface ChangeInput extends TargetInput {
  dryRun: boolean;
  auditLog?: string | undefined;
}

export interface SupportOptions extends TargetInput {
  dryRun?: boolean;
  auditLog?: string | undefined;
  concurrency?: number;
  /** Where dry-run curl lines go. */
  print: (line: string) => void;
}

export interface SupportConnection extends Connection {
  /** The audit file in use (written only when a change is sent). */
  auditPath: string;
}

/**
 * Connects for a support service. Every change the client sends (or would send, under
 * --dry-run) goes through here: handed to `print` as curl, or recorded in the audit trail.
 */
export async function connectSupport(opts: SupportOptions): Promise<SupportConnection> {
  const operator = await operatorName();
  const audit = auditWriter({ path: opts.auditLog ?? '', operator });
  const conn = await connect({
    dir: opts.dir,
    target: opts.target,
    concurrency: opts.concurrency,
    client: opts.dryRun ? { dryRun: opts.print } : { audit: audit.write },
  });
  audit.bind(conn.policy.name, conn.workDir);
  return { ...conn, auditPath: audit.path() };
}

/** A read-only service's connection: reads are never audited, so no operator is looked up. */
export function connectRead(input: TargetInput): Promise<Connection> {
  return connect({ dir: input.dir, target: input.target });
}

/** What a service hands back of server data: secrets masked unless asked for. */
export function shown<T>(value: T, showSecrets: boolean): T {
  return showSecrets ? value : (redactJson(value) as T);
}

/**
 * A destructive operation's confirmation: asks at a terminal, needs --yes without one.
 * `what` lists what the operation will affect.
 */
export async function confirmOrRefuse(
  ui: Ui,
  question: string,
  opts: { yes: boolean; what: string[] },
): Promise<void> {
  if (opts.yes) return;
  if (!ui.interactive) {
    throw new RefusedError('this command needs --yes when it cannot ask (no terminal); nothing was sent', {
      hint: opts.what.length > 0 ? `it would affect: ${opts.what.join('; ')}` : undefined,
    });
  }
  for (const line of opts.what) ui.out(`  ${line}`);
  if (!(await ui.confirm(question))) throw new RefusedError('not confirmed; nothing was sent');
}

/** A mutating service's session: its connection, and under --dry-run the requests held back. */
export interface Change {
  conn: SupportConnection;
  dryRun: boolean;
  /** The curl lines of the requests --dry-run held back, in order. */
  held: string[];
}

export async function openChange(input: ChangeInput): Promise<Change> {
  const held: string[] = [];
  const conn = await connectSupport({ ...input, print: (line) => held.push(line) });
  return { conn, dryRun: input.dryRun, held };
}

/** A support service's result: what it did, or under --dry-run the requests it held back. */
export type SupportResult<T> =
  | { outcome: 'done'; data: T; label: string; envelope: Record<string, unknown> }
  | { outcome: 'dry_run'; requests: string[] };

/** What --json prints under --dry-run. */
export interface DryRunJson {
  dry_run: true;
  requests: string[];
}

/**
 * Runs `send` on a change session and closes it: the server's answer (masked unless
 * `showSecrets`), or the held-back requests under --dry-run.
 */
export async function sendChange<T>(
  input: ChangeInput & { showSecrets: boolean },
  send: (change: Change) => Promise<{ data: T; envelope: Record<string, unknown> }>,
): Promise<SupportResult<T>> {
  const change = await openChange(input);
  try {
    const result = await send(change);
    if (change.dryRun) return { outcome: 'dry_run', requests: change.held };
    return {
      outcome: 'done',
      data: shown(result.data, input.showSecrets),
      label: change.conn.label,
      envelope: result.envelope,
    };
  } finally {
    await change.conn.close();
  }
}

/** Runs `read` on a read-only connection and closes it; the data masked unless `showSecrets`. */
export async function readOnce<T>(
  input: TargetInput & { showSecrets: boolean },
  read: (conn: Connection) => Promise<{ data: T; envelope: Record<string, unknown> }>,
): Promise<{ outcome: 'done'; data: T; label: string; envelope: Record<string, unknown> }> {
  const conn = await connectRead(input);
  try {
    const result = await read(conn);
    return {
      outcome: 'done',
      data: shown(result.data, input.showSecrets),
      label: conn.label,
      envelope: result.envelope,
    };
  } finally {
    await conn.close();
  }
}
