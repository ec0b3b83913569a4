import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { tableWidth } from '../../cli/color.js';
import { KIND_READERS, ROUTING_KINDS, type RoutingKind } from '../../services/support/routing-kinds.js';
import { targetFlags } from '../../cli/target-flags.js';
import { processUi } from '../../cli/ui.js';
import { renderTable } from '../../render/table.js';
import { listRouting } from '../../services/support/routing.js';

export default class RoutingList extends BaseCommand {
  static override summary = 'List routing documents of one kind';
  static override description = `Reads every page of the listing. The server is the target chosen by --target (or KZOPS_TARGET, or the default in targets.yaml under --dir); a target with url: sim, or no targets.yaml and no KZOPS_URL, is the embedded simulator.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> routing list carrier-sbcs',
    '<%= config.bin %> routing list media-servers --json',
  ];
  static override flags = { ...targetFlags };
  static override args = {
    kind: Args.string({ description: 'what to list', required: true, options: [...ROUTING_KINDS] }),
  };

  async run(): Promise<unknown[]> {
    const { args, flags } = await this.parseInput(RoutingList);
    const kind = args.kind as RoutingKind;
    const result = await listRouting({ ...flags, kind });
    const ui = processUi({ json: this.jsonEnabled() });
    ui.out(`${kind} on ${result.label}: ${result.rows.length}`);
    ui.out(renderTable(result.rows, KIND_READERS[kind].columns, { width: tableWidth() }).trimEnd());
    return result.rows;
  }
}
