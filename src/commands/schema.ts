import { Args } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { loadSchema, SCHEMA_KINDS, type SchemaKind } from '../config/schemas.js';

export default class Schema extends BaseCommand {
  static override summary = 'Print the JSON Schema of a config file kind';
  static override description = `Prints the schema as JSON, for editors and other tools. The kinds are the config files
(customer-cluster, carrier-sbc, media-server, cluster, targets) and the simulator's seed (sim-seed).
Nothing is contacted. --json prints the same object.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> schema carrier-sbc',
    '<%= config.bin %> schema targets > targets.schema.json',
  ];
  static override args = {
    kind: Args.string({ description: 'which schema', required: true, options: [...SCHEMA_KINDS] }),
  };

  async run(): Promise<object> {
    const { args } = await this.parseInput(Schema);
    const schema = await loadSchema(args.kind as SchemaKind);
    if (!this.jsonEnabled()) this.log(JSON.stringify(schema, null, 2));
    return schema;
  }
}
