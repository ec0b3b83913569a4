import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { processUi } from '../cli/ui.js';
import { setOutcome } from '../cli/exit-codes.js';
import { targetFlags } from '../cli/target-flags.js';
import { renderConformanceText } from '../render/conformance-text.js';
import { CHECKS, conformanceJson, type ConformanceJson } from '../core/conformance/catalog.js';
import { conformance } from '../services/conformance/run-conformance.js';
import { write } from '../services/ui.js';

const CHECK_LIST = CHECKS.map((c) => `  ${c.name}: ${c.proves}`).join('\n');

export default class Conformance extends BaseCommand {
  static override summary = "Check that a server follows the KAZOO API's conventions";
  static override description = `Runs the API's conventions as checks against the target, so you can see that the simulator and your server agree before you trust a plan: authentication and its failures, the success and error envelopes, paging of each routing listing, reads, missing documents and methods, and the rate-limit bucket when it is observable.

Read-only by default. --allow-writes (on a sandbox) also creates, conflicts, replaces, patches and deletes throwaway documents named kzops-conformance-*, and removes them at the end even when a check fails (write.cleanup reports anything it could not remove).

Each check passes, fails or is skipped (with the reason); the evidence names what was sent, what came back and the request id. The API key and tokens are never shown. --json prints {target, checks: [{name, result, detail, request_id}], passed, failed, skipped} (schemas/output/conformance.schema.json). Exits 1 when a check fails, 0 otherwise.

The checks:
${CHECK_LIST}

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> conformance --target production',
    '<%= config.bin %> conformance --target sandbox --allow-writes',
    '<%= config.bin %> conformance --json',
  ];
  static override flags = {
    ...targetFlags,
    'allow-writes': Flags.boolean({
      description: 'also run the write checks, on throwaway kzops-conformance-* documents (a sandbox)',
      default: false,
    }),
  };

  async run(): Promise<ConformanceJson> {
    const { flags } = await this.parseInput(Conformance);
    const json = this.jsonEnabled();
    const run = await conformance({
      dir: flags.dir,
      target: flags.target,
      allowWrites: flags['allow-writes'],
    });
    const ui = processUi({ json });
    // Not an exception: the report is the output, and it belongs on stdout.
    write(ui, renderConformanceText(run.report, { color: ui.color, label: run.label }));
    setOutcome(run.outcome);
    return conformanceJson(run.report);
  }
}
