import { Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { setOutcome } from '../cli/exit-codes.js';
import { processUi } from '../cli/ui.js';
import {
  problemsJson,
  renderProblemsGithub,
  renderProblemsText,
  type ProblemsJson,
} from '../render/problems.js';
import { write } from '../services/ui.js';
import { validate } from '../services/validate.js';

export default class Validate extends BaseCommand {
  static override summary = 'Check the desired state in config/ without contacting any server';
  static override description = `Checks every YAML file under the config directory: YAML syntax and duplicate keys, the layout (folders and file names), each file against its JSON Schema (see kzops schema), references between resources, unique names and SBC addresses, number-formatting patterns as PCRE reads them, secrets written in clear, and targets.yaml. Nothing is contacted.

Every problem of every file is reported as FILE:LINE:COL CODE MESSAGE, FILE relative to the working directory (the --dir value prefixed). --format github prints GitHub Actions annotations instead; --json prints {valid, problems}. Errors exit 3; warnings alone exit 0.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> validate',
    '<%= config.bin %> validate --dir path/to/config --format github',
    '<%= config.bin %> validate --json',
  ];
  static override flags = {
    dir: Flags.string({ description: 'the config directory', default: 'config' }),
    format: Flags.string({
      description: 'text for people, github for workflow annotations',
      options: ['text', 'github'],
      default: 'text',
    }),
  };

  async run(): Promise<ProblemsJson> {
    const { flags } = await this.parseInput(Validate);
    const { outcome, files, result } = await validate({ dir: flags.dir });
    if (!this.jsonEnabled()) {
      const ui = processUi();
      write(
        ui,
        flags.format === 'github'
          ? renderProblemsGithub(result, { dir: flags.dir, filesChecked: files.length })
          : renderProblemsText(result, files, { dir: flags.dir, color: ui.color }),
      );
    }
    // Not an exception: the report is the output, and it belongs on stdout.
    setOutcome(outcome);
    return problemsJson(result, { dir: flags.dir });
  }
}
