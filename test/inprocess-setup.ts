/**
 * Run before each test file of the `shared` project (vitest.config.ts), whose files share one
 * module graph per worker: what one file leaves in a module-level singleton must not reach the
 * next. The secret registry is the one such state (registered values, --show-secrets).
 */
import { beforeAll } from 'vitest';
import { forgetSecrets } from '../src/core/secret-registry.js';

beforeAll(() => forgetSecrets());
