/**
 * The audit trail of the support services: one JSON line per request that changed (or tried to
 * change) the server: time, target, operator (KZOPS_OPERATOR, else git's user.name, else the
 * login name), method, path, request id, status, and the data sent with secrets redacted (by
 * key name, and every registered secret value anywhere in the line, the error included). It
 * goes to `.kzops/audit.jsonl` beside the config directory, or to `--audit-log FILE`.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import type { AuditEvent } from '../../api/client.js';
import { redactJson } from '../../api/redact.js';
import { scrubValue } from '../../core/secret-registry.js';

/** Who is at the keyboard, for the audit trail. */
export async function operatorName(env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (env.KZOPS_OPERATOR) return env.KZOPS_OPERATOR;
  try {
    // Loaded only when no KZOPS_OPERATOR names the operator.
    const { simpleGit } = await import('simple-git');
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
 * Appends one line to an audit log, making its folder. Synchronous, so the line is on disk
 * before the command reports success. The caller scrubs the line of secrets.
 */
export function appendAuditLine(file: string, line: string): void {
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, line);
}

export interface AuditWriter {
  /** The client's audit hook. */
  write: (event: AuditEvent) => void;
  /** Once connected: the target's name, and the default file beside the config directory. */
  bind: (target: string, workDir: string) => void;
  /** The file in use. */
  path: () => string;
}

/** `path` '' means the default, `.kzops/audit.jsonl` (known once `bind` is called). */
export function auditWriter(opts: { path: string; operator: string }): AuditWriter {
  let file = opts.path;
  let target = '';
  return {
    write: (event) => {
      // Redacted by key name, then by value: the error may repeat what the server echoed.
      const line = scrubValue({
        time: new Date().toISOString(),
        target,
        operator: opts.operator,
        method: event.method,
        path: event.path,
        request_id: event.requestId,
        status: event.status ?? null,
        ...(event.error === undefined ? {} : { error: event.error }),
        data: redactJson(event.data) ?? null,
      });
      appendAuditLine(file, `${JSON.stringify(line)}\n`);
    },
    bind: (name, workDir) => {
      target = name;
      if (file === '') file = join(workDir, 'audit.jsonl');
    },
    path: () => file,
  };
}
