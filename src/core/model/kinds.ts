/**
 * The one table of resource kinds: everything kzops knows about a kind of document it manages,
 * in one place. Adding a kind means adding a row here (and its schema file, its typed shape in
 * src/api/types.ts and its simulator validator); the rest derives from this table:
 *
 * - the config folders (RESOURCE_KINDS) and the planner's order (KINDS);
 * - which files are named by id (client-chosen ids) and which kinds the planner identifies
 *   through the state or by name (server-assigned ids);
 * - the client's per-kind routes and methods (src/api/routes.ts, KazooClient.routing(kind));
 * - the live reader, the `routing list/get` commands (CLI alias), the schema lookup;
 * - the simulator's collections (src/sim/routes/routing.ts).
 *
 * Pure data and pure helpers: no I/O.
 */

/** The kinds (config folders), in the order messages list them; each has a row in KIND_TABLE. */
export const RESOURCE_KINDS = ['customer_clusters', 'carrier_sbcs', 'media_servers', 'clusters'] as const;
export type ResourceKind = (typeof RESOURCE_KINDS)[number];

/** A place in a document that holds a reference: mapping keys, `*` for any key of a mapping, `#` for any index of a list. */
export interface ReferenceSpec {
  /** `['mobile_media_server']`, `['carrier_sbc_priority', '*', '#']`. */
  readonly path: readonly string[];
  /** The kind referred to. */
  readonly to: ResourceKind;
}

export interface KindSpec {
  /** The config folder, the state's ref prefix and the API collection name. */
  readonly name: string;
  /** `customer_cluster`: the document's type, and the stem of its secrets' variable names. */
  readonly singular: string;
  /** What a message calls one of them. */
  readonly noun: string;
  /** The collection's path from the server root. */
  readonly path: string;
  /** Who picks the id on create: the client (`PUT path/{id}`, the file is named by the id) or the server. */
  readonly ids: 'client' | 'server';
  /** The name `kzops routing list|get` uses; undefined when the kind cannot be read back. */
  readonly alias: string | undefined;
  /** The stems of the client's methods: `listCustomerClusters`, `getCustomerCluster`. */
  readonly method: { readonly one: string; readonly many: string };
  /** Where the document refers to other kinds. */
  readonly references: readonly ReferenceSpec[];
  /** The schema (`kzops schema KIND`, `schemas/KIND.schema.json`) its files follow. */
  readonly schema: string;
  /** Write-only secret fields (top level): never read back in clear, never written to config. */
  readonly secretFields: readonly string[];
}

export const KIND_TABLE = {
  clusters: {
    name: 'clusters',
    singular: 'cluster',
    noun: 'cluster document',
    path: '/v2/support/clusters',
    ids: 'client',
    // The reference has no route that reads a cluster document back: the planner treats
    // them as write-only, and `routing list|get` does not offer them.
    alias: undefined,
    method: { one: 'Cluster', many: 'Clusters' },
    references: [],
    schema: 'cluster',
    secretFields: ['api_key'],
  },
  customer_clusters: {
    name: 'customer_clusters',
    singular: 'customer_cluster',
    noun: 'customer cluster',
    path: '/v2/support/routing/customer_clusters',
    ids: 'client',
    alias: 'customer-clusters',
    method: { one: 'CustomerCluster', many: 'CustomerClusters' },
    references: [],
    schema: 'customer-cluster',
    secretFields: [],
  },
  carrier_sbcs: {
    name: 'carrier_sbcs',
    singular: 'carrier_sbc',
    noun: 'carrier SBC',
    path: '/v2/support/routing/carrier_sbcs',
    ids: 'server',
    alias: 'carrier-sbcs',
    method: { one: 'CarrierSbc', many: 'CarrierSbcs' },
    references: [{ path: ['mobile_media_server'], to: 'media_servers' }],
    schema: 'carrier-sbc',
    secretFields: [],
  },
  media_servers: {
    name: 'media_servers',
    singular: 'media_server',
    noun: 'media server',
    path: '/v2/support/routing/media_servers',
    ids: 'server',
    alias: 'media-servers',
    method: { one: 'MediaServer', many: 'MediaServers' },
    references: [{ path: ['carrier_sbc_priority', '*', '#'], to: 'carrier_sbcs' }],
    schema: 'media-server',
    secretFields: [],
  },
} as const satisfies Record<ResourceKind, KindSpec>;

/** Kept as the planner's name for a resource kind. */
export type Kind = ResourceKind;

/** The kinds the routing API serves (list, get, create, replace, patch, delete). */
export type RoutingKind = {
  [K in ResourceKind]: (typeof KIND_TABLE)[K]['alias'] extends string ? K : never;
}[ResourceKind];

/**
 * Dependency order for creates and updates (deletes run in reverse): a kind after those it
 * refers to, except for the one cycle: media servers list SBCs, which name their media server;
 * media servers come first and their priority lists are linked once the SBCs exist.
 */
export const KINDS: readonly Kind[] = ['clusters', 'customer_clusters', 'media_servers', 'carrier_sbcs'];

/** The routing kinds in dependency order (as the planner orders them). */
export const ROUTING_KINDS: readonly RoutingKind[] = KINDS.filter(isRoutingKind);

export function isResourceKind(name: string): name is ResourceKind {
  return Object.hasOwn(KIND_TABLE, name);
}

export function isRoutingKind(name: string): name is RoutingKind {
  return isResourceKind(name) && KIND_TABLE[name].alias !== undefined;
}

/** Kinds whose ids the server assigns: identified through the state, or adopted by name. */
export function isServerAssigned(kind: ResourceKind): boolean {
  return KIND_TABLE[kind].ids === 'server';
}

/** The schema of each kind, by kind. */
export const SCHEMA_OF = Object.fromEntries(
  (Object.keys(KIND_TABLE) as ResourceKind[]).map((k) => [k, KIND_TABLE[k].schema]),
) as { readonly [K in ResourceKind]: (typeof KIND_TABLE)[K]['schema'] };

/**
 * The kind a value at `path` of a `kind` document refers to, if the table names that place as
 * a reference.
 */
export function referenceAt(
  kind: ResourceKind,
  path: readonly (string | number)[],
): ResourceKind | undefined {
  const specs: readonly ReferenceSpec[] = KIND_TABLE[kind].references;
  return specs.find(
    (spec) => spec.path.length === path.length && spec.path.every((seg, i) => segmentMatches(seg, path[i])),
  )?.to;
}

/** Every reference a document holds: where, what it holds, and the kind it refers to. */
export function referencesIn(
  kind: ResourceKind,
  doc: Record<string, unknown>,
): { path: (string | number)[]; value: unknown; to: ResourceKind }[] {
  const found: { path: (string | number)[]; value: unknown; to: ResourceKind }[] = [];
  const walk = (value: unknown, pattern: readonly string[], path: (string | number)[], to: ResourceKind) => {
    if (pattern.length === 0) {
      found.push({ path, value, to });
      return;
    }
    const [head, ...rest] = pattern;
    if (head === '#') {
      if (Array.isArray(value)) value.forEach((v: unknown, i) => walk(v, rest, [...path, i], to));
    } else if (head === '*') {
      if (isPlainRecord(value)) for (const [k, v] of Object.entries(value)) walk(v, rest, [...path, k], to);
    } else if (head !== undefined && isPlainRecord(value) && Object.hasOwn(value, head)) {
      walk(value[head], rest, [...path, head], to);
    }
  };
  for (const spec of KIND_TABLE[kind].references as readonly ReferenceSpec[])
    walk(doc, spec.path, [], spec.to);
  return found;
}

function segmentMatches(pattern: string, segment: string | number | undefined): boolean {
  if (pattern === '#') return typeof segment === 'number';
  if (pattern === '*') return typeof segment === 'string';
  return pattern === segment;
}

function isPlainRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
