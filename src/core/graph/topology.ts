/**
 * The routing topology the config describes, as plain data for `kzops graph` and for the
 * picture in the pull-request plan: customer clusters and the zones they have addresses in,
 * carrier SBCs by carrier and zone with the media server each one sends its calls to, and
 * media servers by zone with the order in which they try each carrier's SBCs.
 *
 * Pure: built from validated config resources (and a plan, for the part a plan touches); the
 * renderers in src/render/graph.ts lay it out. Every list is sorted, so equal configs give
 * equal topologies whatever order the files were read in.
 */
import type { Plan } from '../plan/types.js';
import type { LoadedResource } from '../validate/types.js';
import { isRecord } from '../json.js';
import { isRoutingKind, type RoutingKind } from '../model/kinds.js';

/** How a plan touches a resource; absent on a resource shown only as a neighbour. */
export type Mark = 'created' | 'changed' | 'deleted';

export type { RoutingKind };

/** `<kind>/<key>`; a resource kzops does not manage has the key `id:<32 hex>`. */
export type NodeRef = `${RoutingKind}/${string}`;

export interface ZoneAddresses {
  zone: string;
  inbound: string[];
  outbound: string[];
}

export interface CustomerClusterNode {
  key: string;
  name?: string;
  /** The zones the cluster has addresses in (inbound or outbound), in zone order. */
  zones: ZoneAddresses[];
  mark?: Mark;
}

export interface CarrierSbcNode {
  key: string;
  name?: string;
  /** Unknown for a deleted SBC (its file is gone) and for one kzops does not manage. */
  carrier?: string;
  zone?: string;
  /** The media server it sends calls to: a key, or `id:<hex>`. */
  mediaServer?: string;
  /** Not in config: referred to as `id:<hex>`. */
  external?: true;
  mark?: Mark;
}

export interface CarrierPriority {
  carrier: string;
  /** SBC keys (or `id:<hex>`), most preferred first. */
  sbcs: string[];
}

export interface MediaServerNode {
  key: string;
  name?: string;
  zone?: string;
  /** Per carrier, in carrier order. */
  priority: CarrierPriority[];
  external?: true;
  mark?: Mark;
}

export interface Topology {
  customerClusters: CustomerClusterNode[];
  carrierSbcs: CarrierSbcNode[];
  mediaServers: MediaServerNode[];
}

export interface TopologyEdge {
  /** `media_server`: an SBC sends its calls to a media server; `priority`: a media server tries an SBC. */
  kind: 'media_server' | 'priority';
  from: NodeRef;
  to: NodeRef;
  /** Priority edges: the carrier and the 1-based rank in its list. */
  carrier?: string;
  rank?: number;
}

/** The zones the schemas allow, in the order people read them (east to west). */
export const ZONES: readonly string[] = ['east', 'central', 'west'];

/** Code-unit order: output must not depend on the machine's locale. */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Known zones east to west, then any other text in code-unit order. */
export function byZone(a: string, b: string): number {
  const ia = ZONES.indexOf(a);
  const ib = ZONES.indexOf(b);
  if (ia >= 0 || ib >= 0) return (ia < 0 ? ZONES.length : ia) - (ib < 0 ? ZONES.length : ib);
  return byText(a, b);
}

const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

const strings = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];

function zoneOf(doc: Record<string, unknown>): string | undefined {
  return isRecord(doc.location) ? text(doc.location.zone) : undefined;
}

/** Optional members only when set: the model is compared and printed as JSON. */
function defined(extra: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) out[k] = v;
  return out;
}

function customerCluster(r: LoadedResource): CustomerClusterNode {
  const ips = isRecord(r.doc.ips) ? r.doc.ips : {};
  const inbound = isRecord(ips.inbound) ? ips.inbound : {};
  const outbound = isRecord(ips.outbound) ? ips.outbound : {};
  const zones = [...new Set([...Object.keys(inbound), ...Object.keys(outbound)])]
    .map((zone) => ({ zone, inbound: strings(inbound[zone]), outbound: strings(outbound[zone]) }))
    // A zone written with no address has no presence to draw.
    .filter((z) => z.inbound.length + z.outbound.length > 0)
    .sort((a, b) => byZone(a.zone, b.zone));
  return { key: r.key, ...defined({ name: text(r.doc.name) }), zones };
}

function carrierSbc(r: LoadedResource): CarrierSbcNode {
  return {
    key: r.key,
    ...defined({
      name: text(r.doc.name),
      carrier: text(r.doc.carrier),
      zone: zoneOf(r.doc),
      mediaServer: text(r.doc.mobile_media_server),
    }),
  };
}

function mediaServer(r: LoadedResource): MediaServerNode {
  const lists = isRecord(r.doc.carrier_sbc_priority) ? r.doc.carrier_sbc_priority : {};
  const priority = Object.keys(lists)
    .sort(byText)
    .map((carrier) => ({ carrier, sbcs: strings(lists[carrier]) }));
  return { key: r.key, ...defined({ name: text(r.doc.name), zone: zoneOf(r.doc) }), priority };
}

const byKey = (a: { key: string }, b: { key: string }) => byText(a.key, b.key);

/**
 * The whole topology of a config. References written `id:<hex>` (resources kzops does not
 * manage) become nodes marked `external`, so every edge has both ends; an external SBC gets
 * the carrier of the first list (by carrier) that names it.
 */
export function topologyFromConfig(resources: readonly LoadedResource[]): Topology {
  const customerClusters = resources.filter((r) => r.kind === 'customer_clusters').map(customerCluster);
  const carrierSbcs = resources.filter((r) => r.kind === 'carrier_sbcs').map(carrierSbc);
  const mediaServers = resources.filter((r) => r.kind === 'media_servers').map(mediaServer);

  const sbcKeys = new Set(carrierSbcs.map((s) => s.key));
  const msKeys = new Set(mediaServers.map((m) => m.key));
  const externalSbcs = new Map<string, CarrierSbcNode>();
  const externalMs = new Map<string, MediaServerNode>();
  for (const ms of [...mediaServers].sort(byKey)) {
    for (const { carrier, sbcs } of ms.priority) {
      for (const key of sbcs) {
        if (sbcKeys.has(key) || externalSbcs.has(key)) continue;
        externalSbcs.set(key, { key, carrier, external: true });
      }
    }
  }
  for (const sbc of carrierSbcs) {
    const key = sbc.mediaServer;
    if (key === undefined || msKeys.has(key) || externalMs.has(key)) continue;
    externalMs.set(key, { key, priority: [], external: true });
  }
  return {
    customerClusters: customerClusters.sort(byKey),
    carrierSbcs: [...carrierSbcs, ...externalSbcs.values()].sort(byKey),
    mediaServers: [...mediaServers, ...externalMs.values()].sort(byKey),
  };
}

/**
 * Every edge between nodes the topology has: an SBC to its media server, then each media
 * server to the SBCs it tries, ranked from 1 per carrier. A reference to a node left out (by
 * `topologyForPlan`) draws nothing.
 */
export function topologyEdges(t: Topology): TopologyEdge[] {
  const sbcs = new Set(t.carrierSbcs.map((s) => s.key));
  const servers = new Set(t.mediaServers.map((m) => m.key));
  const edges: TopologyEdge[] = [];
  for (const sbc of t.carrierSbcs) {
    if (sbc.mediaServer === undefined || !servers.has(sbc.mediaServer)) continue;
    edges.push({
      kind: 'media_server',
      from: `carrier_sbcs/${sbc.key}`,
      to: `media_servers/${sbc.mediaServer}`,
    });
  }
  for (const ms of t.mediaServers) {
    for (const { carrier, sbcs: list } of ms.priority) {
      list.forEach((key, i) => {
        if (!sbcs.has(key)) return;
        edges.push({
          kind: 'priority',
          from: `media_servers/${ms.key}`,
          to: `carrier_sbcs/${key}`,
          carrier,
          rank: i + 1,
        });
      });
    }
  }
  return edges;
}

const MARKS: Record<'create' | 'update' | 'replace' | 'delete', Mark> = {
  create: 'created',
  update: 'changed',
  replace: 'changed',
  delete: 'deleted',
};

/**
 * The part of the topology a plan touches: every routing resource it creates, changes or
 * deletes, with a mark, and the resources drawn next to them (an SBC's media server, a media
 * server's SBCs, both ways), unmarked. Cluster documents are not routing: they are left out.
 *
 * A deleted resource's file is gone, so it comes from the plan alone: its key and nothing
 * else (no carrier, zone or references). The documents that referred to it are in the plan
 * as updates of their own when they let go of it.
 */
export function topologyForPlan(resources: readonly LoadedResource[], plan: Plan): Topology {
  const full = topologyFromConfig(resources);
  const marks = new Map<NodeRef, Mark>();
  const deleted: { kind: RoutingKind; key: string }[] = [];
  for (const change of plan.changes) {
    if (change.action === 'noop' || !isRoutingKind(change.kind)) continue;
    marks.set(`${change.kind}/${change.key}`, MARKS[change.action]);
    if (change.action === 'delete') deleted.push({ kind: change.kind, key: change.key });
  }

  const keep = new Set<NodeRef>(marks.keys());
  for (const edge of topologyEdges(full)) {
    if (marks.has(edge.from)) keep.add(edge.to);
    if (marks.has(edge.to)) keep.add(edge.from);
  }
  const pick = <T extends { key: string; mark?: Mark }>(
    kind: RoutingKind,
    nodes: T[],
    gone: (key: string) => T,
  ): T[] => {
    const out: T[] = [];
    for (const node of nodes) {
      const ref: NodeRef = `${kind}/${node.key}`;
      if (!keep.has(ref)) continue;
      const mark = marks.get(ref);
      out.push(mark === undefined ? node : { ...node, mark });
    }
    // A deleted resource is in the plan, not in config (a state entry whose file is gone).
    const present = new Set(nodes.map((n) => n.key));
    for (const d of deleted) {
      if (d.kind === kind && !present.has(d.key)) out.push({ ...gone(d.key), mark: 'deleted' });
    }
    return out.sort(byKey);
  };
  return {
    customerClusters: pick('customer_clusters', full.customerClusters, (key) => ({ key, zones: [] })),
    carrierSbcs: pick('carrier_sbcs', full.carrierSbcs, (key) => ({ key })),
    mediaServers: pick('media_servers', full.mediaServers, (key) => ({ key, priority: [] })),
  };
}

/** Whether a topology has nothing to draw. */
export function isEmptyTopology(t: Topology): boolean {
  return t.customerClusters.length + t.carrierSbcs.length + t.mediaServers.length === 0;
}
