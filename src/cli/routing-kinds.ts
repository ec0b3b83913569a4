/** The three routing kinds as the command line names them, and how each is read. */
import type { KazooClient } from '../api/client.js';
import type { Column } from '../render/table.js';

export const ROUTING_KINDS = ['customer-clusters', 'carrier-sbcs', 'media-servers'] as const;
export type RoutingKind = (typeof ROUTING_KINDS)[number];

/** A routing document as read from the API; the typed shapes are in src/api/types.ts. */
type Row = object;

function field(row: object, key: string): unknown {
  return (row as Record<string, unknown>)[key];
}

function text(v: unknown): string {
  if (v === undefined || v === null) return '';
  return typeof v === 'string' ? v : JSON.stringify(v);
}

function location(row: Row): string {
  const loc = (field(row, 'location') ?? {}) as Record<string, unknown>;
  return [loc.city, loc.state].filter((x) => typeof x === 'string' && x !== '').join(', ');
}

function zone(row: Row): string {
  return text(((field(row, 'location') ?? {}) as Record<string, unknown>).zone);
}

function priorities(row: Row): string {
  const prio = (field(row, 'carrier_sbc_priority') ?? {}) as Record<string, unknown>;
  return Object.entries(prio)
    .map(([carrier, ids]) => `${carrier}: ${Array.isArray(ids) ? ids.length : 0} SBCs`)
    .join('; ');
}

export interface KindReader {
  list(client: KazooClient): Promise<Row[]>;
  get(client: KazooClient, id: string): Promise<Row>;
  columns: Column<Row>[];
}

const idCol: Column<Row> = { header: 'id', get: (r) => text(field(r, 'id')) };
const nameCol: Column<Row> = { header: 'name', get: (r) => text(field(r, 'name')) };

export const KIND_READERS: Record<RoutingKind, KindReader> = {
  'customer-clusters': {
    list: async (c) => (await c.listCustomerClusters()).data,
    get: async (c, id) => (await c.getCustomerCluster(id)).data,
    columns: [idCol, nameCol, { header: 'owner', get: (r) => text(field(r, 'owner')) }],
  },
  'carrier-sbcs': {
    list: async (c) => (await c.listCarrierSbcs()).data,
    get: async (c, id) => (await c.getCarrierSbc(id)).data,
    columns: [
      idCol,
      nameCol,
      { header: 'carrier', get: (r) => text(field(r, 'carrier')) },
      { header: 'zone', get: zone },
      { header: 'location', get: location },
      { header: 'media server', get: (r) => text(field(r, 'mobile_media_server')) },
    ],
  },
  'media-servers': {
    list: async (c) => (await c.listMediaServers()).data,
    get: async (c, id) => (await c.getMediaServer(id)).data,
    columns: [
      idCol,
      nameCol,
      { header: 'zone', get: zone },
      { header: 'location', get: location },
      { header: 'sbc priority', get: priorities },
    ],
  },
};
