/**
 * A target is one KAZOO cluster as configured in the repo. Configuration names environment
 * variables rather than holding secrets, so config files can be committed; resolving a target
 * reads those variables and validates everything before any request is made.
 */
import { ConfigError } from '../core/errors.js';

export interface Target {
  url: string;
  cluster_id?: string;
  /** Name of the environment variable holding the API key. */
  api_key_env?: string;
  /** Names of the environment variables holding a user's name and password. */
  user_env?: string;
  password_env?: string;
  /** The account the user belongs to (required with user credentials). */
  account_name?: string;
  /**
   * Day-2 rules, as targets.yaml writes them (schemas/targets.schema.json); read them with
   * `targetRulesOf` (src/core/policy/rules.ts), which applies the defaults. Not used here.
   */
  unmanaged?: 'ignore' | 'report' | 'fail';
  ignore?: { kind: string; name?: string; id?: string; key?: string; fields?: string[] }[];
  frozen?: string;
  change_windows?: { days: string[]; from: string; to: string; tz: string }[];
}

export type ResolvedAuth =
  | { kind: 'api_key'; apiKey: string; source?: string }
  | { kind: 'user'; username: string; password: string; accountName: string; source?: string };

export interface ResolvedTarget {
  name?: string;
  /** The server root: no trailing slash, no trailing `/v2`. */
  baseUrl: string;
  clusterId?: string;
  /** `source` says where the secret came from (for error hints), never what it is. */
  auth: ResolvedAuth;
}

const ENV_URL = 'KZOPS_URL';
const ENV_API_KEY = 'KZOPS_API_KEY';
const ENV_CLUSTER_ID = 'KZOPS_CLUSTER_ID';

/**
 * Resolves a configured target against the environment. `KZOPS_URL`, `KZOPS_API_KEY` and
 * `KZOPS_CLUSTER_ID` override the configuration (for CI and one-off runs). Empty variables
 * count as unset. Error messages name variables and fields but never include secret values.
 */
export function resolveTarget(
  target: Target,
  env: NodeJS.ProcessEnv = process.env,
  name?: string,
): ResolvedTarget {
  const where = name === undefined ? 'target' : `target ${name}`;
  const resolved: ResolvedTarget = {
    baseUrl: resolveBaseUrl(target, env, where),
    auth: resolveAuth(target, env, where),
  };
  if (name !== undefined) resolved.name = name;
  const clusterId = resolveClusterId(target, env, where);
  if (clusterId !== undefined) resolved.clusterId = clusterId;
  return resolved;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value === '' ? undefined : value;
}

function resolveBaseUrl(target: Target, env: NodeJS.ProcessEnv, where: string): string {
  const fromEnv = nonEmpty(env[ENV_URL]?.trim());
  const raw = fromEnv ?? nonEmpty(target.url?.trim());
  const source = fromEnv === undefined ? 'field url' : `environment variable ${ENV_URL}`;
  if (raw === undefined) {
    throw new ConfigError(`${where}: url is not set`, {
      hint: `Set url in the target (e.g. https://kazoo.example.com:8443) or export ${ENV_URL}.`,
    });
  }
  return normaliseUrl(raw, source, where);
}

/**
 * Keeps any path prefix (a reverse proxy may mount the API under one) but strips a trailing
 * `/v2`: every route path starts with `/v2`, and people paste the API root either way.
 */
function normaliseUrl(raw: string, source: string, where: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The value is not echoed: a malformed URL may still contain credentials.
    throw new ConfigError(`${where}: url (from ${source}) is not a valid URL`, {
      hint: 'Use the form https://host:port, e.g. https://kazoo.example.com:8443.',
    });
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(`${where}: url (from ${source}) must use http or https, not ${url.protocol}`);
  }
  if (url.username !== '' || url.password !== '') {
    throw new ConfigError(`${where}: url (from ${source}) must not contain credentials`, {
      hint: 'Put the API key in an environment variable and name it with api_key_env.',
    });
  }
  if (url.search !== '' || url.hash !== '') {
    throw new ConfigError(`${where}: url (from ${source}) must not have a query string or fragment`);
  }
  const path = url.pathname.replace(/\/+$/, '').replace(/\/v2$/i, '');
  return url.origin + path;
}

function resolveClusterId(target: Target, env: NodeJS.ProcessEnv, where: string): string | undefined {
  const fromEnv = nonEmpty(env[ENV_CLUSTER_ID]?.trim());
  const value = fromEnv ?? nonEmpty(target.cluster_id?.trim());
  if (value === undefined) return undefined;
  if (!/^[0-9a-f]{32}$/i.test(value)) {
    const source = fromEnv === undefined ? 'field cluster_id' : `environment variable ${ENV_CLUSTER_ID}`;
    // A cluster id is not a secret; showing (a bounded part of) it makes the typo findable.
    const shown = value.length > 40 ? `${value.slice(0, 40)}…` : value;
    throw new ConfigError(
      `${where}: cluster_id (from ${source}) must be 32 hexadecimal characters, got "${shown}"`,
    );
  }
  return value;
}

function resolveAuth(target: Target, env: NodeJS.ProcessEnv, where: string): ResolvedAuth {
  const override = nonEmpty(env[ENV_API_KEY]);
  if (override !== undefined) {
    return { kind: 'api_key', apiKey: override, source: `environment variable ${ENV_API_KEY}` };
  }
  const wantsKey = target.api_key_env !== undefined;
  const wantsUser = target.user_env !== undefined || target.password_env !== undefined;
  if (wantsKey && wantsUser) {
    throw new ConfigError(`${where}: set either api_key_env or user_env/password_env, not both`);
  }
  if (wantsKey) return resolveApiKey(target, env, where);
  if (wantsUser) return resolveUser(target, env, where);
  throw new ConfigError(`${where}: no credentials configured`, {
    hint:
      'Set api_key_env to the name of an environment variable holding the API key ' +
      `(or user_env, password_env and account_name), or export ${ENV_API_KEY}.`,
  });
}

function resolveApiKey(target: Target, env: NodeJS.ProcessEnv, where: string): ResolvedAuth {
  const variable = requireVariableName(target.api_key_env, 'api_key_env', where);
  const apiKey = requireEnv(env, variable, where, `or export ${ENV_API_KEY}`);
  return { kind: 'api_key', apiKey, source: `environment variable ${variable}` };
}

function resolveUser(target: Target, env: NodeJS.ProcessEnv, where: string): ResolvedAuth {
  const userVar = requireVariableName(target.user_env, 'user_env', where);
  const passwordVar = requireVariableName(target.password_env, 'password_env', where);
  const accountName = nonEmpty(target.account_name?.trim());
  if (accountName === undefined) {
    throw new ConfigError(`${where}: account_name is required with user_env/password_env`);
  }
  return {
    kind: 'user',
    username: requireEnv(env, userVar, where),
    password: requireEnv(env, passwordVar, where),
    accountName,
    source: `environment variables ${userVar} and ${passwordVar}`,
  };
}

/**
 * The field must hold a variable *name*. A common slip is pasting the secret itself into
 * `api_key_env`; then "variable <secret> is not set" would print it, so we refuse without
 * echoing the value.
 */
function requireVariableName(value: string | undefined, field: string, where: string): string {
  if (value === undefined || value === '') {
    throw new ConfigError(`${where}: ${field} is not set`);
  }
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(value)) {
    throw new ConfigError(`${where}: ${field} must be the name of an environment variable`, {
      hint: `${field} names the variable that holds the secret (e.g. KZOPS_PROD_API_KEY); it must not hold the secret itself.`,
    });
  }
  return value;
}

function requireEnv(env: NodeJS.ProcessEnv, variable: string, where: string, alternative?: string): string {
  const value = nonEmpty(env[variable]);
  if (value === undefined) {
    const also = alternative === undefined ? '' : ` (${alternative})`;
    throw new ConfigError(`${where}: environment variable ${variable} is not set`, {
      hint: `Export ${variable} before running kzops${also}.`,
    });
  }
  return value;
}
