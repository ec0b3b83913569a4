/**
 * The routing kinds as the command line names them (the kinds table's CLI aliases), how each
 * is read (the client's per-kind operations) and the columns of its table.
 */
import type { KazooClient } from '../../api/client.js';
import {
  KIND_TABLE,
  RESOURCE_KINDS,
  isRoutingKind,
  type RoutingKind as KindName,
} from '../../core/model/kinds.js';
import type { Column } from '../../render/table.js';

/** Every routing kind's alias, e.g. `carrier-sbcs`, in the order the folders are listed. */
export const ROUTING_KINDS = RESOURCE_KINDS.filter(isRoutingKind).map((kind) => KIND_TABLE[kind].alias);
export type RoutingKind = (typeof KIND_TABLE)[KindName]['alias'];

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

/** The columns of each kind's `routing list` table. */
const COLUMNS: Record<KindName, Column<Row>[]> = {
  customer_clusters: [idCol, nameCol, { header: 'owner', get: (r) => text(field(r, 'owner')) }],
  carrier_sbcs: [
    idCol,
    nameCol,
    { header: 'carrier', get: (r) => text(field(r, 'carrier')) },
    { header: 'zone', get: zone },
    { header: 'location', get: location },
    { header: 'media server', get: (r) => text(field(r, 'mobile_media_server')) },
  ],
  media_servers: [
    idCol,
    nameCol,
    { header: 'zone', get: zone },
    { header: 'location', get: location },
    { header: 'sbc priority', get: priorities },
  ],
};

function reader(kind: KindName): KindReader {
  return {
    list: async (c) => (await c.routing(kind).list()).data,
    get: async (c, id) => (await c.routing(kind).get(id)).data,
    columns: COLUMNS[kind],
  };
}

/** How each kind, by its alias, is read and shown. */
export const KIND_READERS = Object.fromEntries(
  RESOURCE_KINDS.filter(isRoutingKind).map((kind) => [KIND_TABLE[kind].alias, reader(kind)]),
) as Record<RoutingKind, KindReader>;
