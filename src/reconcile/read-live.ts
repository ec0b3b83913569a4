/**
 * The live half of a plan: every routing document the target holds, read in full.
 *
 * The three listings go out at once; each listing entry is then fetched with a GET (the
 * listings carry only a summary), at most `concurrency` at a time on top of the client's own
 * limit. Cluster documents are absent on purpose: the reference has no route that reads one
 * back, so the planner treats them as write-only.
 */
import type { KazooClient } from '../api/client.js';
import { isRoutingKind, RESOURCE_KINDS } from '../core/model/kinds.js';
import type { LiveDoc } from '../core/plan/build-plan.js';
import { Limit } from '../core/limit.js';

export type { LiveDoc };

export interface ReadLiveOptions {
  /** GETs in flight at once. Default 8. */
  concurrency?: number;
}

/**
 * Listings are read in pages this large: the server's default (50) would turn 2,000 SBCs into
 * 40 round trips one after another before any document is fetched.
 */
const LIST_PAGE_SIZE = 500;

/** Every customer cluster, carrier SBC and media server, as the server returns it, by kind then listing order. */
export async function readLive(client: KazooClient, opts: ReadLiveOptions = {}): Promise<LiveDoc[]> {
  const concurrency = opts.concurrency ?? 8;
  // One limiter for all kinds; each kind's GETs start as soon as its own listing is in.
  const slots = new Limit(concurrency);
  const perKind = await Promise.all(
    RESOURCE_KINDS.filter(isRoutingKind).map(async (kind) => {
      const listing = await client.routing(kind).list({ pageSize: LIST_PAGE_SIZE });
      return Promise.all(
        listing.data.map((entry) =>
          slots.run(async () => {
            const { data } = await client.routing(kind).get(entry.id);
            return { kind, id: entry.id, doc: data };
          }),
        ),
      );
    }),
  );
  return perKind.flat();
}
