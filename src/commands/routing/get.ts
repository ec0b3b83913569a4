import { Args } from '@oclif/core';
import { stringify } from 'yaml';
import { BaseCommand } from '../../cli/base-command.js';
import { ROUTING_KINDS, type RoutingKind } from '../../services/support/routing-kinds.js';
import { targetFlags } from '../../cli/target-flags.js';
import { processUi } from '../../cli/ui.js';
import { getRouting } from '../../services/support/routing.js';

export default class RoutingGet extends BaseCommand {
  static override summary = 'Show one routing document';
  static override description = `Prints the document as YAML (or its JSON with --json).

${BaseCommand.exitCodesHelp}`;
  static override examples = ['<%= config.bin %> routing get carrier-sbcs 5bd0c7a1e0f24c6e8f3a9b2d4c6e8f01'];
  static override flags = { ...targetFlags };
  static override args = {
    kind: Args.string({ description: 'the kind of document', required: true, options: [...ROUTING_KINDS] }),
    id: Args.string({ description: 'its id', required: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parseInput(RoutingGet);
    const result = await getRouting({ ...flags, kind: args.kind as RoutingKind, id: args.id });
    processUi({ json: this.jsonEnabled() }).out(stringify(result.doc).trimEnd());
    return result.doc;
  }
}
