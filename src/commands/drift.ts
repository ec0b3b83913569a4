import { BaseCommand } from '../cli/base-command.js';
import { setOutcome } from '../cli/exit-codes.js';
import { concurrencyFlag, targetFlags } from '../cli/target-flags.js';
import { driftTargetingFlags } from '../cli/targeting-flags.js';
import { processUi } from '../cli/ui.js';
import type { DriftJson } from '../core/plan/drift.js';
import { renderDriftText } from '../render/drift-text.js';
import { drift } from '../services/drift.js';
import { write } from '../services/ui.js';

export default class DriftCommand extends BaseCommand {
  static override summary = 'Compare the live state with what kzops last applied and with config/';
  static override description = `Validates the config directory first (an invalid config exits 3 and nothing is sent), then reads every customer cluster, carrier SBC and media server of the target and the target's state file, and reports each finding with its class.

Drift (exit 2): changed outside kzops (live differs from what kzops last applied, by the fingerprint the state keeps), missing live (the state records it, but it is gone live), pending (the config differs from live while live is still as kzops last applied it, or a cluster document's config differs from what kzops last applied: apply has not run). Unmanaged (live, but claimed by neither a config file nor the state) follows the target's unmanaged setting in targets.yaml: report (the default) lists them without exit 2, fail makes them drift, ignore leaves them out. Live resources and fields the target's ignore rules cover are never reported. Information only: no baseline (the state has no fingerprint of it, so an outside change cannot be told) and not verifiable (cluster documents: the API has no GET for them).

Changed fields show as path: live → config; secrets are never shown, only whether they change. Nothing is written to the server.

--only REF and --exclude REF (repeatable; <kind>/<key>, globs allowed, or a live id) report only the findings they match, and exit 2 only for those.

--json prints the report as data (schemas/output/drift.schema.json). Exits 2 when there is drift, 0 when in sync.

${BaseCommand.exitCodesHelp}`;
  static override examples = ['<%= config.bin %> drift', '<%= config.bin %> drift --target sandbox --json'];
  static override flags = {
    ...targetFlags,
    ...driftTargetingFlags,
    ...concurrencyFlag,
  };

  async run(): Promise<DriftJson> {
    const { flags } = await this.parseInput(DriftCommand);
    const json = this.jsonEnabled();
    const ui = processUi({ json });
    const run = await drift(
      {
        dir: flags.dir,
        target: flags.target,
        concurrency: flags.concurrency,
        only: flags.only,
        exclude: flags.exclude,
        json,
      },
      ui,
    );
    if (!json)
      write(ui, renderDriftText(run.report, { color: ui.color, label: run.label, width: ui.width - 4 }));
    setOutcome(run.outcome);
    return run.json;
  }
}
