import { configDefaults, defineConfig } from 'vitest/config';

/** Files that need a module graph of their own (vi.mock of a built-in module). */
const ISOLATED = ['test/unit/read-config-unreadable.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Two cores here, so keep parallelism modest. A fork runs file after file in one module
    // graph (isolate: false): no process start and no second import of oclif and the commands
    // per file, about half the suite's time. What modules keep between files is reset before
    // each (test/inprocess-setup.ts), and runKzops puts back what a command run changes.
    pool: 'forks',
    poolOptions: {
      forks: { maxForks: 2, minForks: 1, isolate: false },
      threads: { maxThreads: 1, minThreads: 1, isolate: true },
    },
    // The built CLI (dist/) is loaded by Node itself, as oclif loads its commands: one copy of
    // each module (the secret registry above all) for the in-process runs of test/integration.
    server: { deps: { external: [/\/dist\//] } },
    projects: [
      {
        extends: true,
        test: {
          name: 'shared',
          include: ['test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...ISOLATED],
          setupFiles: ['test/inprocess-setup.ts'],
        },
      },
      {
        // The forks pool's isolation is one setting for all its files: these run in a thread
        // of their own, isolated.
        extends: true,
        test: { name: 'isolated', include: ISOLATED, pool: 'threads' },
      },
    ],
  },
});
