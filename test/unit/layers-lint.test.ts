/**
 * The layer rules of eslint.config.js, run on small import lists placed at several depths:
 * what each layer must not import is refused at every depth, and what it may import passes.
 */
import { ESLint, type Linter } from 'eslint';
import tseslint from 'typescript-eslint';
import { beforeAll, describe, expect, it } from 'vitest';

let eslint: ESLint;

beforeAll(async () => {
  const configUrl = new URL('../../eslint.config.js', import.meta.url).href;
  const { layerRules } = (await import(configUrl)) as { layerRules: () => Linter.Config[] };
  eslint = new ESLint({
    cwd: new URL('../..', import.meta.url).pathname,
    overrideConfigFile: true,
    overrideConfig: [{ files: ['**/*.ts'], languageOptions: { parser: tseslint.parser } }, ...layerRules()],
  });
});

/** The import sources refused in a file at `path` (relative to the repository). */
async function refused(path: string, imports: string[]): Promise<string[]> {
  const text = imports.map((source, i) => `import * as m${i} from '${source}';`).join('\n');
  const [result] = await eslint.lintText(text, { filePath: path });
  return (result?.messages ?? [])
    .filter((m) => m.ruleId === 'no-restricted-imports')
    .map((m) => imports[m.line - 1] ?? `?${m.line}`);
}

describe('layer rules', () => {
  it('keep core free of I/O and of every outer layer, at any depth', async () => {
    const outer = ['api/client.js', 'sim/seed.js', 'io/atomic-write.js', 'config/schemas.js'].concat([
      'reconcile/apply.js',
      'services/ui.js',
      'render/table.js',
      'cli/color.js',
      'commands/plan.js',
    ]);
    for (const [path, up] of [
      ['src/core/json.ts', '../'],
      ['src/core/plan/build-plan.ts', '../../'],
      ['src/core/a/b/c.ts', '../../../'],
    ] as const) {
      const bad = outer.map((m) => up + m);
      const io = [
        'node:fs',
        'fs/promises',
        'node:http',
        'node:net',
        'node:child_process',
        'undici',
        '@oclif/core',
      ];
      expect(await refused(path, [...bad, ...io])).toEqual([...bad, ...io]);
    }
    expect(
      await refused('src/core/plan/x.ts', ['./types.js', '../model/kinds.js', 'node:crypto', 'yaml']),
    ).toEqual([]);
  });

  it('keep api from the simulator and everything above it', async () => {
    const bad = [
      '../sim/seed.js',
      '../cli/connect.js',
      '../commands/plan.js',
      '../services/ui.js',
      '../reconcile/apply.js',
    ];
    expect(
      await refused('src/api/client.ts', [...bad, '../core/errors.js', './routes.js', 'undici']),
    ).toEqual(bad);
  });

  it('keep the simulator from the CLI, the reconciler and the client (but the package version)', async () => {
    const bad = [
      '../../cli/connect.js',
      '../../reconcile/apply.js',
      '../../api/client.js',
      '../../commands/sim.js',
    ];
    const good = ['../../api/version.js', '../../core/model/kinds.js', '../../io/atomic-write.js', 'node:fs'];
    expect(await refused('src/sim/routes/x.ts', [...bad, ...good])).toEqual(bad);
  });

  it('keep the reconciler from the simulator and the command line', async () => {
    const bad = ['../sim/persist.js', '../cli/connect.js', '../commands/plan.js'];
    const good = ['../api/client.js', '../io/atomic-write.js', '../core/plan/types.js', 'node:fs'];
    expect(await refused('src/reconcile/state-file.ts', [...bad, ...good])).toEqual(bad);
  });

  it('let render read only core (and the API wire shapes as types)', async () => {
    const bad = ['../reconcile/apply.js', '../services/ui.js', '../api/client.js', 'node:fs'];
    expect(await refused('src/render/x.ts', [...bad, '../core/plan/types.js', 'picocolors'])).toEqual(bad);
    const [typeOnly] = await eslint.lintText("import type { Device } from '../api/types.js';", {
      filePath: 'src/render/x.ts',
    });
    expect(typeOnly?.messages).toEqual([]);
    expect(await refused('src/render/x.ts', ['../api/types.js'])).toEqual(['../api/types.js']);
  });

  it('keep services from the CLI plumbing and commands, cli from commands, and commands from each other', async () => {
    expect(
      await refused('src/services/plan/x.ts', [
        '../../commands/plan.js',
        '../../cli/ui.js',
        '../../api/client.js',
        '../ui.js',
      ]),
    ).toEqual(['../../commands/plan.js', '../../cli/ui.js']);
    expect(await refused('src/cli/x.ts', ['../commands/plan.js'])).toEqual(['../commands/plan.js']);
    expect(
      await refused('src/commands/apply.ts', ['./plan.js', '../services/ui.js', '../cli/color.js']),
    ).toEqual(['./plan.js']);
    expect(
      await refused('src/commands/lock/release.ts', ['./status.js', '../plan.js', '../../cli/color.js']),
    ).toEqual(['./status.js', '../plan.js']);
  });
});
