/**
 * The default seed's API keys, in a module of their own so the CLI can name the embedded
 * simulator's key without loading the simulator. KAZOO's api_auth schema takes exactly 64
 * characters (its own keys are 64 hex characters), so these are too. They are published demo
 * values, not secrets.
 */
export const SIM_API_KEYS = {
  super_master: 'c0ffee00'.repeat(8),
  master: 'feedface'.repeat(8),
} as const;
