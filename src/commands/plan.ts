import { createHash } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { outputWidth, useColor } from '../cli/color.js';
import { connect } from '../cli/connect.js';
import { setOutcome } from '../cli/exit-codes.js';
import { loadValidConfig } from '../cli/load-config.js';
import { concurrencyFlag, targetFlags } from '../cli/target-flags.js';
import { UsageError } from '../core/errors.js';
import { scrubValue } from '../core/secret-registry.js';
import { topologyForPlan } from '../core/graph/topology.js';
import { planFingerprint, shortFingerprint } from '../core/plan/fingerprint.js';
import type { Plan, PlannedChange } from '../core/plan/types.js';
import type { ConfigFile } from '../core/validate/index.js';
import { renderPlanMarkdown } from '../render/plan-markdown.js';
import { renderPlanText } from '../render/plan-text.js';
import { makePlan } from '../reconcile/make-plan.js';

/** What `--json` prints (schemas/output/plan.schema.json): the plan without live fingerprints. */
export interface PlanJson extends Omit<Plan, 'changes'> {
  /** planFingerprint(plan): what `kzops apply --expect-fingerprint` compares with. */
  fingerprint: string;
  changes: (Omit<PlannedChange, 'liveFingerprint' | 'fields'> & { fields: PlanJsonField[] })[];
}

/** A field as `--json` shows it: a sensitive one has no values, only whether it changes. */
export type PlanJsonField =
  { path: string; before: unknown; after: unknown } | { path: string; sensitive: true; changes: boolean };

/** What `--out FILE` writes: the plan as made, for `kzops apply` to check and carry out. */
export interface SavedPlan {
  version: 1;
  /** ISO 8601, UTC. */
  created: string;
  target: string;
  plan: Plan;
  /** sha256 (hex) of the config files the plan was made from (see configDigest). */
  configDigest: string;
}

/** sha256 over every config file's path and text, in path order: any edit changes it. */
export function configDigest(files: readonly ConfigFile[]): string {
  const hash = createHash('sha256');
  for (const f of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
    hash.update(`${f.path}\0${f.text}\0`);
  }
  return hash.digest('hex');
}

/** The `--json` document: the plan minus live fingerprints (those belong to `--out`). */
export function planJson(plan: Plan): PlanJson {
  return {
    target: plan.target,
    fingerprint: planFingerprint(plan),
    changes: plan.changes.map((change) => ({
      kind: change.kind,
      key: change.key,
      ...(change.id === undefined ? {} : { id: change.id }),
      action: change.action,
      // An absent side (a create's before) is left out, as JSON has no undefined. A secret's
      // value (or its fingerprint) never leaves the planner: only whether it changes.
      fields: change.fields.map((f) =>
        f.sensitive
          ? { path: f.path, sensitive: true, changes: !sameJson(f.before, f.after) }
          : { path: f.path, before: f.before, after: f.after },
      ),
      notes: [...change.notes],
      protected: change.protected,
    })),
    unmanaged: plan.unmanaged.map((u) => ({ ...u })),
    summary: { ...plan.summary },
  };
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * The text plan with `Plan fingerprint: <12 hex>` in its footer, just above the summary line:
 * the summary stays the last line, where people and scripts look for it.
 */
export function withFingerprintLine(text: string, fingerprint: string): string {
  const lines = text.replace(/\n$/, '').split('\n');
  lines.splice(-1, 0, `Plan fingerprint: ${shortFingerprint(fingerprint)}`);
  return lines.join('\n') + '\n';
}

export default class PlanCommand extends BaseCommand {
  static override summary = 'Show what apply would change on the target to make it match config/';
  static override description = `Validates the config directory first (an invalid config exits 3 and nothing is sent), then reads every customer cluster, carrier SBC and media server of the target, and the target's state file (<dir>/state/<target>.json), and prints the changes kzops apply would make: [+] create, [~] update, [±] replace, [-] delete, each with its fields. Unchanged resources are only counted; live resources no config file claims are listed as unmanaged and are never deleted. Secrets are never shown, only whether they change. Nothing is written to the server.

--format markdown prints the plan as a pull-request comment: a summary line, a table of the changes, a mermaid picture of the routing they touch, the details of each resource folded, and the plan fingerprint (also as <!-- kzops-plan-fingerprint: TARGET HEX -->). --max-chars N keeps that comment under N characters (GitHub's limit is 65536) by leaving out resource details, and says so. The plan fingerprint (a sha256 of what the plan would do, printed in short in the text footer) is what kzops apply --expect-fingerprint checks after the merge.

--json prints the plan as data (schemas/output/plan.schema.json), its fingerprint included. --out FILE saves the plan with fingerprints of the live documents, for a later apply to check that nothing moved. --detailed-exitcode exits 2 when there are changes.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan --target sandbox --out plan.json',
    '<%= config.bin %> plan --json --detailed-exitcode',
    '<%= config.bin %> plan --target sandbox --format markdown --max-chars 60000 > plan.md',
  ];
  static override flags = {
    ...targetFlags,
    format: Flags.string({
      description: 'text for people at a terminal, markdown for a pull-request comment',
      options: ['text', 'markdown'],
      default: 'text',
    }),
    'max-chars': Flags.integer({
      description: 'with --format markdown: trim resource details to stay under this many characters',
      min: 1000,
    }),
    out: Flags.string({ description: 'also save the plan (with live fingerprints) as JSON to this file' }),
    'detailed-exitcode': Flags.boolean({
      description: 'exit 2 when the plan has changes (0 when it has none)',
      default: false,
    }),
    ...concurrencyFlag,
  };

  async run(): Promise<PlanJson> {
    const { flags } = await this.parseInput(PlanCommand);
    if (flags['max-chars'] !== undefined && flags.format !== 'markdown') {
      throw new UsageError('--max-chars applies to --format markdown only', {
        hint: 'add --format markdown, or leave out --max-chars',
      });
    }
    const dir = flags.dir ?? 'config';
    const { files, result } = await loadValidConfig(dir, this.jsonEnabled());

    const conn = await connect({ dir: flags.dir, target: flags.target, concurrency: flags.concurrency });
    const { policy } = conn;
    let plan: Plan;
    try {
      ({ plan } = await makePlan(conn, result.resources, { concurrency: flags.concurrency }));
    } finally {
      await conn.close();
    }

    if (flags.out !== undefined) {
      const saved: SavedPlan = {
        version: 1,
        created: new Date().toISOString(),
        target: policy.name,
        plan,
        configDigest: configDigest(files),
      };
      try {
        // A secret value in any field (a live document may hold one) is saved as the marker.
        await writeFile(flags.out, JSON.stringify(scrubValue(saved), null, 2) + '\n');
      } catch (err) {
        throw new UsageError(`--out ${flags.out}: ${(err as Error).message}`, { cause: err });
      }
    }
    const fingerprint = planFingerprint(plan);
    if (!this.jsonEnabled()) {
      process.stdout.write(
        flags.format === 'markdown'
          ? renderPlanMarkdown(plan, {
              fingerprint,
              topology: topologyForPlan(result.resources, plan),
              ...(flags['max-chars'] === undefined ? {} : { maxChars: flags['max-chars'] }),
            })
          : withFingerprintLine(
              renderPlanText(plan, { color: useColor(), label: conn.label, width: outputWidth() }),
              fingerprint,
            ),
      );
    }
    if (flags['detailed-exitcode'] && plan.changes.some((c) => c.action !== 'noop')) {
      setOutcome('changes');
    }
    return planJson(plan);
  }
}
