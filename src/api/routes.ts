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
import { InvalidInputError } from './errors.js';

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

  createCluster: { method: 'PUT', path: `${support}/clusters/:clusterId`, idempotent: true },
  deleteCluster: { method: 'DELETE', path: `${support}/clusters/:clusterId`, idempotent: true },

  listCustomerClusters: { method: 'GET', path: `${support}/routing/customer_clusters`, idempotent: true },
  getCustomerCluster: { method: 'GET', path: `${support}/routing/customer_clusters/:id`, idempotent: true },
  createCustomerCluster: {
    method: 'PUT',
    path: `${support}/routing/customer_clusters/:id`,
    idempotent: true,
  },
  updateCustomerCluster: {
    method: 'POST',
    path: `${support}/routing/customer_clusters/:id`,
    idempotent: true,
  },
  patchCustomerCluster: {
    method: 'PATCH',
    path: `${support}/routing/customer_clusters/:id`,
    idempotent: true,
  },
  deleteCustomerCluster: {
    method: 'DELETE',
    path: `${support}/routing/customer_clusters/:id`,
    idempotent: true,
  },

  listCarrierSbcs: { method: 'GET', path: `${support}/routing/carrier_sbcs`, idempotent: true },
  getCarrierSbc: { method: 'GET', path: `${support}/routing/carrier_sbcs/:id`, idempotent: true },
  createCarrierSbc: { method: 'PUT', path: `${support}/routing/carrier_sbcs`, idempotent: false },
  updateCarrierSbc: { method: 'POST', path: `${support}/routing/carrier_sbcs/:id`, idempotent: true },
  patchCarrierSbc: { method: 'PATCH', path: `${support}/routing/carrier_sbcs/:id`, idempotent: true },
  deleteCarrierSbc: { method: 'DELETE', path: `${support}/routing/carrier_sbcs/:id`, idempotent: true },

  listMediaServers: { method: 'GET', path: `${support}/routing/media_servers`, idempotent: true },
  getMediaServer: { method: 'GET', path: `${support}/routing/media_servers/:id`, idempotent: true },
  createMediaServer: { method: 'PUT', path: `${support}/routing/media_servers`, idempotent: false },
  updateMediaServer: { method: 'POST', path: `${support}/routing/media_servers/:id`, idempotent: true },
  patchMediaServer: { method: 'PATCH', path: `${support}/routing/media_servers/:id`, idempotent: true },
  deleteMediaServer: { method: 'DELETE', path: `${support}/routing/media_servers/:id`, idempotent: true },
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
