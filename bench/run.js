#!/usr/bin/env node
// `npm run bench`: performance numbers, printed. Targets are met here, never in timed unit tests.
// Each benchmark lives in its own file under bench/ and exports `run(): Promise<object>`.
import { simThroughput } from './sim-throughput.js';

const only = process.argv[2];
const benches = {
  'sim-throughput': simThroughput,
  validate: async () => (await import('./validate.js')).validateBench(),
  'bulk-move': async () => (await import('./bulk-move.js')).bulkMoveBench(),
  reconcile: async () => (await import('./reconcile.js')).reconcileBench(),
  'rate-limited': async () => (await import('./rate-limited.js')).rateLimitedBench(),
  startup: async () => (await import('./startup.js')).startupBench(),
};
for (const [name, bench] of Object.entries(benches)) {
  if (only && only !== name) continue;
  console.log(`\n== ${name}`);
  await bench();
}
