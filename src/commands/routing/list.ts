import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { tableWidth } from '../../cli/color.js';
import { connect } from '../../cli/connect.js';
import { KIND_READERS, ROUTING_KINDS } from '../../cli/routing-kinds.js';
import { targetFlags } from '../../cli/target-flags.js';
import { renderTable } from '../../render/table.js';

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
    const reader = KIND_READERS[args.kind as (typeof ROUTING_KINDS)[number]];
    const conn = await connect({ dir: flags.dir, target: flags.target });
    try {
      const rows = await reader.list(conn.client);
      if (!this.jsonEnabled()) {
        this.log(`${args.kind} on ${conn.label}: ${rows.length}`);
        this.log(renderTable(rows, reader.columns, { width: tableWidth() }).trimEnd());
      }
      return rows;
    } finally {
      await conn.close();
    }
  }
}
