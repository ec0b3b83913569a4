import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../cli/base-command.js';
import { processUi } from '../cli/ui.js';
import { ACTION_PLACEHOLDER } from '../core/init/files.js';
import { renderInitText } from '../render/init-text.js';
import { initRepository, type InitJson } from '../services/init.js';
import { write } from '../services/ui.js';

export default class InitCommand extends BaseCommand {
  static override summary = 'Create a new config repository: config/, schemas, CI workflows, README';
  static override description = `Writes into DIR (default: the current directory) a config repository ready for the GitOps workflow: config/targets.yaml with the embedded simulator as the default target and a commented example of a real server; one example file per kind (a customer cluster, a carrier SBC and a media server that reference each other, and a cluster document whose API key is read from an environment variable); the JSON Schemas the files name on their first line, under schemas/; the three GitHub workflows (plan on pull requests, apply after merge, nightly drift) under .github/workflows/; a README for the team; and a .gitignore for .kzops/.

The result validates and plans as it is: cd DIR && kzops validate && kzops plan.

Nothing is overwritten: when any of those files exists, init lists them, writes nothing and exits 5, unless --force. When DIR is not inside a git work tree, init runs git init there (branch main), unless --no-git.

${BaseCommand.exitCodesHelp}`;
  static override examples = [
    '<%= config.bin %> init routing-config',
    '<%= config.bin %> init . --no-git',
    '<%= config.bin %> init routing-config --force --json',
  ];
  static override args = {
    dir: Args.string({ description: 'where to create the repository', default: '.' }),
  };
  static override flags = {
    force: Flags.boolean({ description: 'overwrite files that already exist', default: false }),
    action: Flags.string({
      description: `the kzops action the workflows call, OWNER/REPO@REF [default: the placeholder ${ACTION_PLACEHOLDER}, to replace before the workflows can run]`,
    }),
    git: Flags.boolean({
      description: 'run git init when DIR is not inside a git work tree (--no-git: never)',
      default: true,
      allowNo: true,
    }),
  };

  async run(): Promise<InitJson> {
    const { args, flags } = await this.parseInput(InitCommand);
    const run = await initRepository({
      dir: args.dir,
      force: flags.force,
      git: flags.git,
      version: this.config.version,
      action: flags.action,
    });
    if (!this.jsonEnabled()) {
      write(
        processUi(),
        renderInitText({
          dir: args.dir,
          files: run.json.files,
          overwritten: run.overwritten,
          gitInitBranch: run.json.git_init ? run.branch : undefined,
          actionPlaceholder: flags.action === undefined ? ACTION_PLACEHOLDER : undefined,
        }),
      );
    }
    return run.json;
  }
}
