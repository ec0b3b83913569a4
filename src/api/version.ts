/**
 * The package version for `User-Agent`. Read at run time from package.json, which sits two
 * levels up both from src/api (tests) and from dist/api (the build), because tsconfig's
 * rootDir keeps the build from importing it.
 */
import { readFileSync } from 'node:fs';

let cached: string | undefined;

export function kzopsVersion(): string {
  cached ??= readVersion();
  return cached;
}

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version?: unknown;
    };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}
