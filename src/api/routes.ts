/**
 * Every route the client calls, in one table. Idempotency is declared here and nowhere else:
 * it decides whether a failed request may be sent again, so it must not drift per method.
 *
 * Idempotent means "sending it twice leaves the server as sending it once":
 * - GET, and POST lookup (read-only despite the verb);
 * - PUT of the auth routes (each call just mints a token);
 * - PUT create-with-client-id (`clusters/:id`, `customer_clusters/:id`): a repeat gets a 409;
 * - POST full replacement and PATCH of routing documents (same data → same document);
 * - DELETE of a document (a repeat gets a 404).
 * Not idempotent: collection creates that mint ids (carrier_sbcs, media_servers), imports,
 * PATCHes of devices/subscriptions (each stamps `last_manual_update`), moves, port poll/status.
 */
import { KIND_TABLE, ROUTING_KINDS, type RoutingKind } from '../core/model/kinds.js';
import { InvalidInputError } from '../core/errors.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteSpec {
  readonly method: HttpMethod;
  /** Path template from the server root; `:name` segments are filled and URL-encoded. */
  readonly path: string;
  readonly idempotent: boolean;
  /** `text` for routes whose success body is not a JSON envelope (the audit CSV). */
  readonly response?: 'json' | 'text';
  /** Authentication routes: sent without a token and never re-authenticated. */
  readonly auth?: boolean;
  /** A POST that changes nothing (lookup): sent under --dry-run, never audited. */
  readonly readOnly?: boolean;
}

/** Whether a request changes the server: what --dry-run holds back and the audit log records. */
export function isMutating(route: RouteSpec): boolean {
  return route.method !== 'GET' && route.auth !== true && route.readOnly !== true;
}

const support = '/v2/support';

type Spec<K extends RoutingKind> = (typeof KIND_TABLE)[K];
type ItemPath<K extends RoutingKind> = `${Spec<K>['path']}/:id`;

/** The route names of a routing kind's six operations, from the kinds table's method stems. */
export type RoutingRouteNames<K extends RoutingKind> = {
  list: `list${Spec<K>['method']['many']}`;
  get: `get${Spec<K>['method']['one']}`;
  create: `create${Spec<K>['method']['one']}`;
  update: `update${Spec<K>['method']['one']}`;
  patch: `patch${Spec<K>['method']['one']}`;
  delete: `delete${Spec<K>['method']['one']}`;
};

type Entry<N extends string, R> = { readonly [P in N]: R };

/** A PUT with the client's id in the path is idempotent (a repeat gets a 409); a PUT on the collection mints an id. */
type CreateRoute<K extends RoutingKind> = Spec<K>['ids'] extends 'client'
  ? { readonly method: 'PUT'; readonly path: ItemPath<K>; readonly idempotent: true }
  : { readonly method: 'PUT'; readonly path: Spec<K>['path']; readonly idempotent: false };

type KindRoutes<K extends RoutingKind, N extends RoutingRouteNames<K> = RoutingRouteNames<K>> = Entry<
  N['list'],
  { readonly method: 'GET'; readonly path: Spec<K>['path']; readonly idempotent: true }
> &
  Entry<N['get'], { readonly method: 'GET'; readonly path: ItemPath<K>; readonly idempotent: true }> &
  Entry<N['create'], CreateRoute<K>> &
  Entry<N['update'], { readonly method: 'POST'; readonly path: ItemPath<K>; readonly idempotent: true }> &
  Entry<N['patch'], { readonly method: 'PATCH'; readonly path: ItemPath<K>; readonly idempotent: true }> &
  Entry<N['delete'], { readonly method: 'DELETE'; readonly path: ItemPath<K>; readonly idempotent: true }>;

export type UnionToIntersection<U> = (U extends unknown ? (x: U) => void : never) extends (x: infer I) => void
  ? I
  : never;

/** The route names of a routing kind's operations. */
export function routingRouteNames<K extends RoutingKind>(kind: K): RoutingRouteNames<K> {
  const { one, many } = KIND_TABLE[kind].method;
  return {
    list: `list${many}`,
    get: `get${one}`,
    create: `create${one}`,
    update: `update${one}`,
    patch: `patch${one}`,
    delete: `delete${one}`,
  };
}

/**
 * A routing kind's routes, from its row in the kinds table: GET (listing and one), PUT
 * (create: on the item when the client picks the id, on the collection when the server does),
 * POST (full replacement), PATCH (merge) and DELETE.
 */
function kindRoutes<K extends RoutingKind>(kind: K): KindRoutes<K> {
  const { path, ids } = KIND_TABLE[kind];
  const item = `${path}/:id`;
  const names = routingRouteNames(kind);
  return {
    [names.list]: { method: 'GET', path, idempotent: true },
    [names.get]: { method: 'GET', path: item, idempotent: true },
    [names.create]:
      ids === 'client'
        ? { method: 'PUT', path: item, idempotent: true }
        : { method: 'PUT', path, idempotent: false },
    [names.update]: { method: 'POST', path: item, idempotent: true },
    [names.patch]: { method: 'PATCH', path: item, idempotent: true },
    [names.delete]: { method: 'DELETE', path: item, idempotent: true },
  } as KindRoutes<K>;
}

const ROUTING_ROUTES = Object.assign(
  {},
  ...ROUTING_KINDS.map((kind) => kindRoutes(kind)),
) as UnionToIntersection<{ [K in RoutingKind]: KindRoutes<K> }[RoutingKind]>;

export const ROUTES = {
  apiAuth: { method: 'PUT', path: '/v2/api_auth', idempotent: true, auth: true },
  userAuth: { method: 'PUT', path: '/v2/user_auth', idempotent: true, auth: true },

  importDevice: { method: 'PUT', path: `${support}/accounts/:accountId/devices/import`, idempotent: false },
  getDeviceByMdn: { method: 'GET', path: `${support}/phone_numbers/:mdn/device`, idempotent: true },
  getNumberSubscription: {
    method: 'GET',
    path: `${support}/phone_numbers/:mdn/subscription`,
    idempotent: true,
  },
  getDeviceSubscription: { method: 'GET', path: `${support}/devices/:esn/subscription`, idempotent: true },
  patchDevice: {
    method: 'PATCH',
    path: `${support}/accounts/:accountId/devices/:deviceId`,
    idempotent: false,
  },

  getUnknownNumbersUsage: { method: 'GET', path: `${support}/usage/unknown_numbers`, idempotent: true },
  getUnknownNumbersUsageForMonth: {
    method: 'GET',
    path: `${support}/usage/unknown_numbers/:month`,
    idempotent: true,
  },
  getUsageAudit: { method: 'GET', path: `${support}/usage/audit`, idempotent: true },
  getUsageAuditForMonth: { method: 'GET', path: `${support}/usage/audit/:month`, idempotent: true },
  getUsageAuditCsv: {
    method: 'GET',
    path: `${support}/usage/audit/:month/csv`,
    idempotent: true,
    response: 'text',
  },

  pollPorts: { method: 'POST', path: `${support}/ports/poll`, idempotent: false },
  setPortStatus: { method: 'POST', path: `${support}/ports/in/:portId/status`, idempotent: false },

  lookupSubscription: {
    method: 'POST',
    path: `${support}/subscriptions/lookup`,
    idempotent: true,
    readOnly: true,
  },
  importSubscription: {
    method: 'PUT',
    path: `${support}/accounts/:accountId/subscriptions/import`,
    idempotent: false,
  },
  deleteSubscription: {
    method: 'DELETE',
    path: `${support}/accounts/:accountId/subscriptions/:subscriptionId`,
    idempotent: true,
  },
  patchSubscription: {
    method: 'PATCH',
    path: `${support}/accounts/:accountId/subscriptions/:subscriptionId`,
    idempotent: false,
  },
  moveSubscription: {
    method: 'POST',
    path: `${support}/accounts/:accountId/subscriptions/:subscriptionId/move`,
    idempotent: false,
  },

  createCluster: { method: 'PUT', path: `${KIND_TABLE.clusters.path}/:clusterId`, idempotent: true },
  deleteCluster: { method: 'DELETE', path: `${KIND_TABLE.clusters.path}/:clusterId`, idempotent: true },

  ...ROUTING_ROUTES,
} as const satisfies Record<string, RouteSpec>;

export type RouteName = keyof typeof ROUTES;

/** `'/a/:x/b/:y'` → `'x' | 'y'`. */
export type ParamNames<P extends string> = P extends `${string}:${infer Name}/${infer Rest}`
  ? Name | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer Name}`
    ? Name
    : never;

export type RouteParams<N extends RouteName> = Record<ParamNames<(typeof ROUTES)[N]['path']>, string>;

/**
 * Fills a path template. Each value is URL-encoded as one segment (an MDN `+1555…` becomes
 * `%2B1555…`, a `/` cannot escape its segment). An empty value (or `.`/`..`, which encoding
 * leaves alone) is refused: it would turn `DELETE …/carrier_sbcs/:id` into a request on
 * another resource.
 */
export function fillPath(template: string, params: Readonly<Record<string, string>>): string {
  return template.replace(/:([A-Za-z]+)/g, (_whole, name: string) => {
    const value = params[name];
    if (typeof value !== 'string' || value === '' || value === '.' || value === '..') {
      throw new InvalidInputError(`${name} must be a non-empty string (and not . or ..)`);
    }
    return encodeURIComponent(value);
  });
}
