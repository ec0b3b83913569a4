import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { concurrencyFlag, targetFlags } from '../cli/target-flags.js';
import { processUi } from '../cli/ui.js';
import { renderExportText, type ExportJson } from '../render/export-text.js';
import { exportTarget } from '../services/export.js';
import { write } from '../services/ui.js';

export default class ExportCommand extends BaseCommand {
  static override summary =
    'Write the live routing state of the target as config files, to adopt a deployment';
  static override description = `Reads every customer cluster, carrier SBC and media server of the target and writes one config file for each (customer_clusters/<id>.yaml, carrier_sbcs/<key>.yaml, media_servers/<key>.yaml), plus the target's state file, so that kzops plan right after shows no changes for them.

Keys: the one the state file already maps to the document's id, else the key of an existing file with the same name (trimmed, ignoring case), else one made from the name (Sprint East SBC → sprint-east-sbc, then -2, -3 on a collision). References are written as keys (id:<hex> for a document that is not exported); server-owned fields (id, _rev, pvt_*) and fields the config schema does not have are left out; a secret field becomes {env: KZOPS_<KIND>_<KEY>_<FIELD>} and the variables to set are listed.

Existing files are edited in place: comments, key order and quoting stay, only values that differ change, and a file that already says what the live document says is not rewritten. Files of documents no longer live are kept and listed, never deleted. Cluster documents cannot be read through the API: their files and state entries are left as they are. targets.yaml is never written.

A live document that does not fit the config schema is still written, with a warning naming the file (exit 0). --dry-run shows what would be written and writes nothing. --json prints {target, dry_run, files: [{path, kind, key, id, status}], state, secrets_env, not_live, clusters_not_exported, warnings}.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> export',
    '<%= config.bin %> export --target sandbox --dry-run',
    '<%= config.bin %> export --dir path/to/config --json',
  ];
  static override flags = {
    ...targetFlags,
    ...concurrencyFlag,
    'dry-run': Flags.boolean({
      description: 'show what would be written, write nothing',
      default: false,
    }),
  };

  async run(): Promise<ExportJson> {
    const { flags } = await this.parseInput(ExportCommand);
    const run = await exportTarget({
      dir: flags.dir,
      target: flags.target,
      concurrency: flags.concurrency,
      dryRun: flags['dry-run'],
    });
    if (!this.jsonEnabled())
      write(processUi(), renderExportText(run.json, { label: run.label, dir: run.dir }));
    return run.json;
  }
}
