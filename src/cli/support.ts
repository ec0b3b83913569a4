/**
 * What every support command shares: flags, a connection whose client prints instead of sends
 * under --dry-run and records every change in the audit trail, secret masking, and the
 * confirmation a destructive command asks for.
 *
 * The audit trail is one JSON line per request that changed (or tried to change) the server:
 * time, target, operator (KZOPS_OPERATOR, else git's user.name, else the login name), method,
 * path, request id, status, and the data sent with secrets redacted (by key name, and every
 * registered secret value anywhere in the line, the error included). It goes to
 * `.kzops/audit.jsonl` beside the config directory, or to `--audit-log FILE`.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { Flags } from '@oclif/core';
import { simpleGit } from 'simple-git';
import type { AuditEvent } from '../api/client.js';
import { redactJson } from '../api/redact.js';
import { scrubValue } from '../core/secret-registry.js';
import { InterruptedError, RefusedError } from '../core/errors.js';
import { renderDryRun } from '../render/support-views.js';
import { connect, type Connection } from './connect.js';
import { targetFlags } from './target-flags.js';

/** Flags of every support command. */
export const readFlags = {
  ...targetFlags,
  'show-secrets': Flags.boolean({
    description: 'show secrets (SIP passwords, API keys) in the output instead of masking them',
    default: false,
  }),
};

/** Flags of a command that changes the server. */
export const writeFlags = {
  ...readFlags,
  'dry-run': Flags.boolean({
    description: 'print the request as a curl line (token and secrets redacted) and send nothing',
    default: false,
  }),
  'audit-log': Flags.string({
    description: 'append the audit trail here [default: .kzops/audit.jsonl beside the config directory]',
  }),
};

/** `--yes`, for commands that confirm. */
export const yesFlag = {
  yes: Flags.boolean({
    char: 'y',
    description: 'do not ask for confirmation (needed without a terminal)',
    default: false,
  }),
};

export interface SupportOptions {
  dir?: string | undefined;
  target?: string | undefined;
  dryRun?: boolean;
  auditLog?: string | undefined;
  concurrency?: number;
  /** Where dry-run curl lines go; default stdout. */
  print?: (line: string) => void;
}

export interface SupportConnection extends Connection {
  /** The audit file in use (written only when a change is sent). */
  auditPath: string;
}

/** Who is at the keyboard, for the audit trail. */
export async function operatorName(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.KZOPS_OPERATOR) return env.KZOPS_OPERATOR;
  try {
    const name = (await simpleGit().getConfig('user.name')).value;
    if (name) return name;
  } catch {
    // Not in a git checkout, or no git: fall through.
  }
  try {
    return userInfo().username;
  } catch {
    return 'unknown';
  }
}

/**
 * Connects for a support command. Every change the client sends (or would send, under
 * --dry-run) goes through here: printed as curl, or recorded in the audit trail.
 */
export async function connectSupport(opts: SupportOptions): Promise<SupportConnection> {
  const print = opts.print ?? ((line: string) => process.stdout.write(`${line}\n`));
  const operator = await operatorName();
  let auditPath = opts.auditLog ?? '';
  let target = '';
  const audit = (event: AuditEvent) => {
    // Redacted by key name, then by value: the error may repeat what the server echoed.
    const line = scrubValue({
      time: new Date().toISOString(),
      target,
      operator,
      method: event.method,
      path: event.path,
      request_id: event.requestId,
      status: event.status ?? null,
      ...(event.error === undefined ? {} : { error: event.error }),
      data: redactJson(event.data) ?? null,
    });
    mkdirSync(dirname(auditPath), { recursive: true });
    // Synchronous, so the line is on disk before the command reports success.
    appendFileSync(auditPath, `${JSON.stringify(line)}\n`);
  };
  const conn = await connect({
    dir: opts.dir,
    target: opts.target,
    concurrency: opts.concurrency,
    client: opts.dryRun ? { dryRun: print } : { audit },
  });
  target = conn.policy.name;
  if (auditPath === '') auditPath = join(conn.workDir, 'audit.jsonl');
  return { ...conn, auditPath };
}

/** What a command prints of server data: secrets masked unless asked for. */
export function shown<T>(value: T, showSecrets: boolean): T {
  return showSecrets ? value : (redactJson(value) as T);
}

/**
 * A destructive command's confirmation: asks at a terminal, needs --yes without one.
 * `what` lists what the command will affect.
 */
export async function confirmOrRefuse(
  question: string,
  opts: { yes: boolean; what: string[] },
): Promise<void> {
  if (opts.yes) return;
  const tty = process.stdin.isTTY === true && process.stdout.isTTY === true;
  if (!tty) {
    throw new RefusedError('this command needs --yes when it cannot ask (no terminal); nothing was sent', {
      hint: opts.what.length > 0 ? `it would affect: ${opts.what.join('; ')}` : undefined,
    });
  }
  for (const line of opts.what) process.stdout.write(`  ${line}\n`);
  if (!(await ask(question))) throw new RefusedError('not confirmed; nothing was sent');
}

/** A yes/no question at a terminal, "no" by default. */
export async function ask(message: string): Promise<boolean> {
  const { default: confirm } = await import('@inquirer/confirm');
  try {
    return await confirm({ message, default: false });
  } catch (err) {
    // Ctrl-C at the prompt (the terminal is in raw mode, so it arrives as a key, not a signal).
    if (err instanceof Error && err.name === 'ExitPromptError') {
      throw new InterruptedError('interrupted at the prompt; nothing was done');
    }
    throw err;
  }
}

/** The flags `openChange` reads (every mutating command has them: `writeFlags`). */
export interface ChangeFlags {
  dir?: string | undefined;
  target?: string | undefined;
  'dry-run': boolean;
  'audit-log'?: string | undefined;
}

/** A mutating command's session: its connection, and under --dry-run the requests held back. */
export interface Change {
  conn: SupportConnection;
  dryRun: boolean;
  /** The curl lines of the requests --dry-run held back, in order. */
  held: string[];
}

export async function openChange(flags: ChangeFlags): Promise<Change> {
  const held: string[] = [];
  const conn = await connectSupport({
    dir: flags.dir,
    target: flags.target,
    dryRun: flags['dry-run'],
    auditLog: flags['audit-log'],
    print: (line) => held.push(line),
  });
  return { conn, dryRun: flags['dry-run'], held };
}

/** What --json prints under --dry-run. */
export interface DryRunJson {
  dry_run: true;
  requests: string[];
}

/** A mutating command's result under --dry-run: the held-back requests, printed unless --json. */
export function dryRunOutput(change: Change, json: boolean): DryRunJson {
  if (!json) process.stdout.write(renderDryRun(change.held));
  return { dry_run: true, requests: change.held };
}

/** `--carrier`, for commands that ask the carrier. */
export const carrierFlag = {
  carrier: Flags.string({ description: 'ask this carrier only (e.g. sprint)' }),
};

/** `--month`, or `--from` and `--to`: checked together by monthRangeInput. */
export const monthRangeFlags = {
  month: Flags.string({ description: 'one month, YYYYMM' }),
  from: Flags.string({ description: 'the first month of a range, YYYYMM (with --to)' }),
  to: Flags.string({ description: 'the last month of a range, YYYYMM (with --from)' }),
};
