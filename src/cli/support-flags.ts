/** The flags the support commands share; what they do is in src/services/support/. */
import { Flags } from '@oclif/core';
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

/** What a write command's flags give its service: where, --dry-run, --audit-log, --show-secrets. */
export function changeInput(flags: {
  dir?: string | undefined;
  target?: string | undefined;
  'dry-run': boolean;
  'audit-log'?: string | undefined;
  'show-secrets': boolean;
}) {
  return {
    dir: flags.dir,
    target: flags.target,
    dryRun: flags['dry-run'],
    auditLog: flags['audit-log'],
    showSecrets: flags['show-secrets'],
  };
}

/** What a read command's flags give its service. */
export function readInput(flags: {
  dir?: string | undefined;
  target?: string | undefined;
  'show-secrets': boolean;
}) {
  return { dir: flags.dir, target: flags.target, showSecrets: flags['show-secrets'] };
}
