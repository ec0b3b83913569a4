/**
 * The live half of a plan: every routing document the target holds, read in full.
 *
 * The three listings go out at once; each listing entry is then fetched with a GET (the
 * listings carry only a summary), at most `concurrency` at a time on top of the client's own
 * limit. Cluster documents are absent on purpose: the reference has no route that reads one
 * back, so the planner treats them as write-only.
 */
import type { KazooClient } from '../api/client.js';
import type { ApiResult } from '../api/types.js';
import type { LiveDoc } from '../core/plan/build-plan.js';
import type { Kind } from '../core/plan/types.js';

export type { LiveDoc };

export interface ReadLiveOptions {
  /** GETs in flight at once. Default 8. */
  concurrency?: number;
}

type ReadableKind = Exclude<Kind, 'clusters'>;

interface KindReader {
  list(client: KazooClient): Promise<ApiResult<{ id: string }[]>>;
  get(client: KazooClient, id: string): Promise<ApiResult<Record<string, unknown>>>;
}

const READERS: Record<ReadableKind, KindReader> = {
  customer_clusters: {
    list: (c) => c.listCustomerClusters(),
    get: (c, id) => c.getCustomerCluster(id),
  },
  carrier_sbcs: {
    list: (c) => c.listCarrierSbcs(),
    get: (c, id) => c.getCarrierSbc(id),
  },
  media_servers: {
    list: (c) => c.listMediaServers(),
    get: (c, id) => c.getMediaServer(id),
  },
};

const READABLE_KINDS = Object.keys(READERS) as ReadableKind[];

/** `fn` over `items` with at most `limit` calls pending; results in input order. */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i] as T);
    }
  };
  const workers = Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker);
  await Promise.all(workers);
  return results;
}

/** Every customer cluster, carrier SBC and media server, as the server returns it, by kind then listing order. */
export async function readLive(client: KazooClient, opts: ReadLiveOptions = {}): Promise<LiveDoc[]> {
  const concurrency = opts.concurrency ?? 8;
  const listings = await Promise.all(READABLE_KINDS.map((kind) => READERS[kind].list(client)));
  const wanted = READABLE_KINDS.flatMap((kind, i) =>
    (listings[i]?.data ?? []).map((entry) => ({ kind, id: entry.id })),
  );
  return mapLimit(wanted, concurrency, async ({ kind, id }) => {
    const { data } = await READERS[kind].get(client, id);
    return { kind, id, doc: data };
  });
}
