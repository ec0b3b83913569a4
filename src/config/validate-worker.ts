/**
 * Worker thread of `validateFiles`: each file's own stages (YAML parse, schema) for one chunk
 * of the config. Parsing YAML is most of validation's time and each file is independent.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { checkFile } from '../core/validate/index.js';
import type { ConfigFile } from '../core/validate/problem.js';

const { files, schemas } = workerData as { files: ConfigFile[]; schemas: Record<string, object> };
parentPort?.postMessage(files.map((f) => checkFile(f, schemas)));
