#!/usr/bin/env node
import { execute } from '@oclif/core';
import { installOutputScrub } from '../dist/core/secret-registry.js';

// Before anything can print: every secret kzops learns is scrubbed from stdout and stderr.
installOutputScrub();
// Node prints an uncaught exception itself, around the streams; print it through them instead
// (the same exit status, 1).
process.on('uncaughtException', (err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

await execute({ dir: import.meta.url });
