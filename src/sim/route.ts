/** The contract between the simulator's HTTP layer and its route handlers. */
import type { AuthLevel, Json, JsonObject, SimContext } from './model.js';

export type HttpMethod = 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';

export interface SimRequest {
  method: HttpMethod;
  /** Path parameters, named as in the route's path template (`:id` → `params.id`), URL-decoded. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The parsed JSON request body (the whole envelope: `data` plus flags beside it), if one was sent. */
  body: JsonObject | undefined;
  auth: { account_id: string; level: AuthLevel };
}

export interface SimResult {
  /** HTTP status; 200 unless set (creates answer 201). */
  status?: number;
  data: Json;
  /** Extra top-level envelope keys beside `data` (`carrier`, `account_id`, paging keys...). */
  envelope?: JsonObject;
  /** The document revision, sent as `revision` and as the `ETag` header. */
  revision?: string;
  /** A response that is not a JSON envelope (the audit CSV). */
  raw?: { contentType: string; body: string };
  /** True when the handler changed the state (the server then persists it). */
  mutated?: boolean;
}

export interface RouteDef {
  method: HttpMethod;
  /** Path template under the server root, e.g. `/v2/support/routing/carrier_sbcs/:id`. */
  path: string;
  /** The auth level the reference requires for this route. */
  level: AuthLevel;
  handler(ctx: SimContext, req: SimRequest): SimResult;
}
