import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { processUi } from '../cli/ui.js';
import { loadValidConfig } from '../services/load-config.js';
import { topologyFromConfig, type Topology } from '../core/graph/topology.js';
import { write } from '../services/ui.js';
import { renderGraph, type GraphFormat } from '../render/graph.js';

export default class GraphCommand extends BaseCommand {
  static override summary = 'Draw the routing topology the config describes (mermaid, dot or text)';
  static override description = `Validates the config directory first (an invalid config prints its problems as kzops validate does and exits 3), then draws the routing it describes, without contacting any server: customer clusters grouped by the zones they have addresses in, carrier SBCs grouped by carrier and zone, an edge from each SBC to its media server, and from each media server to the SBCs it tries, labelled 1, 2, 3 in its priority order per carrier. Resources kzops does not manage (id:<hex> references) are drawn apart. Cluster documents are not routing and are left out.

--format mermaid (GitHub draws it in markdown), dot (Graphviz: kzops graph --format dot | dot -Tsvg > routing.svg) or text (an indented tree). --json prints the topology as data. The output depends on the config alone, so it can be committed and diffed.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> graph',
    '<%= config.bin %> graph --format text',
    '<%= config.bin %> graph --dir path/to/config --format dot | dot -Tsvg > routing.svg',
  ];
  static override flags = {
    dir: Flags.string({ description: 'the config directory', default: 'config' }),
    format: Flags.string({
      description: 'mermaid for markdown, dot for Graphviz, text for a terminal',
      options: ['mermaid', 'dot', 'text'],
      default: 'mermaid',
    }),
  };

  async run(): Promise<Topology> {
    const { flags } = await this.parseInput(GraphCommand);
    const json = this.jsonEnabled();
    const ui = processUi({ json });
    const { result } = await loadValidConfig(flags.dir, ui, { json });
    const topology = topologyFromConfig(result.resources);
    write(ui, renderGraph(topology, flags.format as GraphFormat));
    return topology;
  }
}
