import { Args } from '@oclif/core';
import { BaseCommand } from '../../cli/base-command.js';
import { connect } from '../../cli/connect.js';
import { KIND_READERS, ROUTING_KINDS } from '../../cli/routing-kinds.js';
import { renderTable } from '../../render/table.js';

export default class RoutingList extends BaseCommand {
  static override summary = 'List routing documents of one kind';
  static override description = `Reads every page of the listing. Without KZOPS_URL the embedded simulator answers.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> routing list carrier-sbcs',
    '<%= config.bin %> routing list media-servers --json',
  ];
  static override args = {
    kind: Args.string({ description: 'what to list', required: true, options: [...ROUTING_KINDS] }),
  };

  async run(): Promise<unknown[]> {
    const { args } = await this.parseInput(RoutingList);
    const reader = KIND_READERS[args.kind as (typeof ROUTING_KINDS)[number]];
    const conn = await connect();
    try {
      const rows = await reader.list(conn.client);
      if (!this.jsonEnabled()) {
        this.log(`${args.kind} on ${conn.label}: ${rows.length}`);
        this.log(renderTable(rows, reader.columns).trimEnd());
      }
      return rows;
    } finally {
      await conn.close();
    }
  }
}
