import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { setOutcome } from '../cli/exit-codes.js';
import { concurrencyFlag, targetFlags } from '../cli/target-flags.js';
import { targetingFlags } from '../cli/targeting-flags.js';
import { processUi } from '../cli/ui.js';
import { UsageError } from '../core/errors.js';
import { topologyForPlan } from '../core/graph/topology.js';
import { withFingerprintLine } from '../render/plan-footer.js';
import { renderPlanMarkdown } from '../render/plan-markdown.js';
import { renderPlanText } from '../render/plan-text.js';
import { plan, type PlanJson } from '../services/plan.js';
import { write } from '../services/ui.js';

export default class PlanCommand extends BaseCommand {
  static override summary = 'Show what apply would change on the target to make it match config/';
  static override description = `Validates the config directory first (an invalid config exits 3 and nothing is sent), then reads every customer cluster, carrier SBC and media server of the target, and the target's state file (<dir>/state/<target>.json), and prints the changes kzops apply would make: [+] create, [~] update, [±] replace, [-] delete, each with its fields. Unchanged resources are only counted; live resources no config file claims are listed as unmanaged and are never deleted. Secrets are never shown, only whether they change. Nothing is written to the server.

--format markdown prints the plan as a pull-request comment: a summary line, a table of the changes, a mermaid picture of the routing they touch, the details of each resource folded, and the plan fingerprint (also as <!-- kzops-plan-fingerprint: TARGET HEX -->). --max-chars N keeps that comment under N characters (GitHub's limit is 65536) by leaving out resource details, and says so. The plan fingerprint (a sha256 of what the plan would do, printed in short in the text footer) is what kzops apply --expect-fingerprint checks after the merge.

--only REF and --exclude REF (each repeatable; REF is <kind>/<key>, globs allowed, e.g. carrier_sbcs/sprint-*) plan only some changes; what a selected change needs first comes along, marked "included as a dependency". A REF that matches nothing is an error (exit 64). The fingerprint and --out cover the targeted plan, and a saved plan records its targeting.

When the target is frozen or outside its change windows, plan still runs and says that apply would refuse now.

--json prints the plan as data (schemas/output/plan.schema.json), its fingerprint included. --out FILE saves the plan with fingerprints of the live documents, for a later apply to check that nothing moved. --detailed-exitcode exits 2 when there are changes.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> plan',
    '<%= config.bin %> plan --target sandbox --out plan.json',
    '<%= config.bin %> plan --json --detailed-exitcode',
    "<%= config.bin %> plan --target prod --only 'carrier_sbcs/sprint-*' --exclude carrier_sbcs/sprint-west",
    '<%= config.bin %> plan --target sandbox --format markdown --max-chars 60000 > plan.md',
  ];
  static override flags = {
    ...targetFlags,
    ...targetingFlags,
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
    const ui = processUi({ json: this.jsonEnabled() });
    const run = await plan(
      {
        dir: flags.dir,
        target: flags.target,
        concurrency: flags.concurrency,
        out: flags.out,
        only: flags.only,
        exclude: flags.exclude,
        json: this.jsonEnabled(),
      },
      ui,
    );
    if (!this.jsonEnabled())
      write(
        ui,
        flags.format === 'markdown'
          ? renderPlanMarkdown(run.plan, {
              fingerprint: run.fingerprint,
              topology: topologyForPlan(run.desired, run.plan),
              notes: run.notes,
              ...(flags['max-chars'] === undefined ? {} : { maxChars: flags['max-chars'] }),
            })
          : withFingerprintLine(
              renderPlanText(run.plan, { color: ui.color, label: run.label, width: ui.width }),
              run.fingerprint,
            ),
      );
    if (flags['detailed-exitcode']) setOutcome(run.outcome);
    return run.json;
  }
}
