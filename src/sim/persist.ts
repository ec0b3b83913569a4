/**
 * The simulator's state file. Saves are atomic (write a temporary file beside it, fsync,
 * rename over the old one, fsync the directory) so a crash or a SIGKILL at any moment leaves
 * either the old or the new complete JSON, never a torn file. Saves are group-committed: while
 * one is being written, every change made meanwhile waits for the single next save.
 * The atomic write itself is src/io/atomic-write.ts (the reconciler's state file uses it too).
 */
import { SimInputError } from './errors.js';
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../io/atomic-write.js';
import { type SimState } from './model.js';
import { isRecord } from '../core/json.js';

export function serializeState(state: SimState): string {
  return `${JSON.stringify(state, null, 2)}\n`;
}

export async function saveState(path: string, state: SimState): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, serializeState(state));
}

const RECORD_FIELDS = [
  'subscriptions',
  'devices',
  'ports',
  'customer_clusters',
  'carrier_sbcs',
  'media_servers',
  'clusters',
] as const;
const ARRAY_FIELDS = ['api_keys', 'users', 'accounts', 'carrier_subscriptions', 'usage'] as const;

/** The first structural problem of a parsed state file, or undefined when it looks right. */
function stateProblem(v: unknown): string | undefined {
  if (!isRecord(v)) return 'the top level is not an object';
  if (v.version !== 1) return `version must be 1, got ${JSON.stringify(v.version)}`;
  if (typeof v.encryption_key !== 'string' || !/^[0-9a-f]{64}$/.test(v.encryption_key)) {
    return 'encryption_key must be 64 hex characters';
  }
  for (const f of ARRAY_FIELDS) if (!Array.isArray(v[f])) return `${f} must be an array`;
  for (const f of RECORD_FIELDS) {
    const docs = v[f];
    if (!isRecord(docs)) return `${f} must be an object of documents`;
    for (const [id, doc] of Object.entries(docs)) {
      if (!isRecord(doc) || doc._id !== id || typeof doc._rev !== 'string') {
        return `${f}.${id} must be a document with _id "${id}" and a string _rev`;
      }
    }
  }
  return undefined;
}

/**
 * Loads a state file; undefined when it does not exist. Anything else that is wrong (unreadable,
 * not JSON, not a state) is an Error naming the file: a broken state is never silently replaced.
 */
export async function loadState(path: string): Promise<SimState | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new SimInputError(`cannot read simulator state file ${path}: ${(err as Error).message}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new SimInputError(
      `simulator state file ${path} is not valid JSON (${(err as Error).message}); fix or delete it`,
    );
  }
  const problem = stateProblem(parsed);
  if (problem) throw new SimInputError(`simulator state file ${path} is not a simulator state: ${problem}`);
  return parsed as SimState;
}

interface Deferred {
  promise: Promise<void>;
  resolve: () => void;
  reject: (err: unknown) => void;
}

function deferred(): Deferred {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Group commit. `commit()` resolves once a save that started after the call (and so includes
 * every change made before it) has reached the disk. Calls made while a save is being written
 * share the one save that follows it, so a burst of N changes costs two writes, not N.
 */
export class GroupCommitter {
  private writing: Promise<void> | undefined;
  private next: Deferred | undefined;

  constructor(
    private readonly path: string,
    private readonly snapshot: () => string,
  ) {}

  commit(): Promise<void> {
    const batch = (this.next ??= deferred());
    if (!this.writing) this.startWrite();
    return batch.promise;
  }

  private startWrite(): void {
    const batch = this.next;
    if (!batch) return;
    this.next = undefined;
    // Serialized now, synchronously: exactly the changes made before this point are in it.
    const text = this.snapshot();
    this.writing = writeFileAtomic(this.path, text)
      .then(batch.resolve, batch.reject)
      .finally(() => {
        this.writing = undefined;
        this.startWrite();
      });
  }

  /** Resolves when no save is pending or being written. */
  async idle(): Promise<void> {
    while (this.writing) await this.writing;
  }
}
