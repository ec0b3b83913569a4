#!/usr/bin/env node
import { runCli } from '../dist/cli/main.js';

// Node prints an uncaught exception itself, around the streams; print it through them instead
// (the same exit status, 1). runCli scrubs secrets from stdout and stderr before oclif loads.
process.on('uncaughtException', (err) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});

process.exitCode = await runCli(process.argv.slice(2));
