/**
 * Validation of a whole config directory, spread over the machine's cores when it is large:
 * the per-file stages run in worker threads (and on this thread for one share), then the
 * cross-file stages run here on their results. Small configs validate on this thread alone,
 * where starting workers would cost more than it saves.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { InternalError } from '../core/errors.js';
import { checkFile, combineOutcomes, type FileOutcome } from '../core/validate/index.js';
import type { ConfigFile } from '../core/validate/problem.js';
import type { ValidationResult } from '../core/validate/types.js';

/** Below this many files one thread is faster (a worker costs tens of milliseconds to start). */
const PARALLEL_FROM = 1500;
const MAX_THREADS = 4;

const WORKER_URL = new URL('./validate-worker.js', import.meta.url);

export interface ValidateFilesOptions {
  /** Threads to use, this one included; default: the cores (up to 4) for large configs, else 1. */
  threads?: number;
}

export async function validateFiles(
  files: readonly ConfigFile[],
  schemas: Record<string, object>,
  opts: ValidateFilesOptions = {},
): Promise<ValidationResult> {
  const threads = Math.max(1, Math.min(opts.threads ?? defaultThreads(files.length), files.length));
  // Under a TypeScript test runner there is no compiled worker file to start.
  if (threads === 1 || WORKER_URL.pathname.endsWith('.ts') || import.meta.url.endsWith('.ts')) {
    return combineOutcomes(
      files,
      files.map((f) => checkFile(f, schemas)),
    );
  }
  const [mine = [], ...theirs] = chunks(files, threads);
  const running = theirs.map((chunk) => runWorker(chunk, schemas));
  const here = mine.map((f) => checkFile(f, schemas));
  const outcomes = [here, ...(await Promise.all(running))].flat();
  return combineOutcomes(files, outcomes);
}

function defaultThreads(fileCount: number): number {
  return fileCount < PARALLEL_FROM ? 1 : Math.min(availableParallelism(), MAX_THREADS);
}

/** `n` contiguous chunks of about equal text size (files differ a lot in length). */
function chunks(files: readonly ConfigFile[], n: number): ConfigFile[][] {
  const total = files.reduce((sum, f) => sum + f.text.length, 0);
  const out: ConfigFile[][] = [[]];
  let size = 0;
  for (const f of files) {
    const current = out[out.length - 1] ?? [];
    if (size >= (total / n) * out.length && out.length < n && current.length > 0) out.push([f]);
    else current.push(f);
    size += f.text.length;
  }
  return out;
}

function runWorker(files: ConfigFile[], schemas: Record<string, object>): Promise<FileOutcome[]> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(WORKER_URL, { workerData: { files, schemas } });
    worker.once('message', (outcomes: FileOutcome[]) => resolve(outcomes));
    worker.once('error', (err) =>
      reject(new InternalError(`a validation worker failed: ${err.message}`, { cause: err })),
    );
    worker.once('exit', (code) => {
      if (code !== 0) reject(new InternalError(`a validation worker exited with code ${code}`));
    });
  });
}
