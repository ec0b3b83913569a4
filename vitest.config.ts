import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    hookTimeout: 20_000,
    // Integration tests spawn processes; two cores here, so keep parallelism modest.
    pool: 'forks',
    poolOptions: { forks: { maxForks: 2, minForks: 1 } },
    // The built CLI (dist/) is loaded by Node itself, as oclif loads its commands: one copy of
    // each module (the secret registry above all) for the in-process runs of test/integration.
    server: { deps: { external: [/\/dist\//] } },
  },
});
