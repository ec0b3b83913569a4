/**
 * Request schemas (JSON Schema 2020-12) for the routing documents and cluster documents.
 *
 * Documents are open at the top level, as KAZOO documents are: unknown fields are stored and
 * returned, but a known field of the wrong type or format is a 400. Nested objects whose keys
 * are a fixed vocabulary (directions, zones) are closed, so a typo such as `ips.outbond` is
 * reported instead of silently stored.
 */
import type { Schema } from 'ajv/dist/2020.js';

const ZONES = ['east', 'central', 'west'];
const DIRECTIONS = ['from_mobile_device', 'from_pstn', 'to_mobile_device'];

/** A KAZOO document id: 32 lowercase hex characters. */
export const HEX32 = '^[0-9a-f]{32}$';

const hexId = { type: 'string', pattern: HEX32 };
const ipv4 = { type: 'string', format: 'ipv4' };
/** IPv4 or IPv6, with the error naming the family the value looks like it meant. */
const ip = { type: 'string', if: { pattern: ':' }, then: { format: 'ipv6' }, else: { format: 'ipv4' } };
const stringMap = { type: 'object', additionalProperties: { type: 'string' } };

function closedObject(keys: string[], value: object): object {
  return {
    type: 'object',
    properties: Object.fromEntries(keys.map((k) => [k, value])),
    additionalProperties: false,
  };
}

const location = {
  type: 'object',
  properties: {
    zone: { type: 'string', enum: ZONES },
    state: { type: 'string' },
    city: { type: 'string' },
  },
};

const zoneIps = closedObject(ZONES, { type: 'array', items: ipv4 });

export const customerClusterSchema: Schema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    owner: { type: 'string' },
    ips: closedObject(['inbound', 'outbound'], zoneIps),
    randomize_routing: { type: 'boolean' },
  },
};

const rewrite = {
  type: 'object',
  required: ['pattern', 'replace'],
  properties: { pattern: { type: 'string' }, replace: { type: 'string' } },
};

export const carrierSbcSchema: Schema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    // Optional: the listing shows `carrier`, but the reference's own create example omits it.
    carrier: { type: 'string' },
    location,
    ips: { type: 'array', items: ip },
    mobile_media_server: hexId,
    call_directions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['direction'],
        properties: { direction: { type: 'string', enum: DIRECTIONS }, headers: stringMap },
      },
    },
    number_formatting: closedObject(DIRECTIONS, closedObject(['to_number', 'from_number'], rewrite)),
  },
};

export const mediaServerSchema: Schema = {
  type: 'object',
  required: ['name'],
  properties: {
    name: { type: 'string' },
    location,
    interfaces: {
      type: 'object',
      properties: {
        carrier_mpls: stringMap,
        authenticated_connection: { type: 'string' },
        unauthenticated_connection: { type: 'string' },
      },
    },
    carrier_sbc_priority: { type: 'object', additionalProperties: { type: 'array', items: hexId } },
    top_ips: { type: 'array', items: ipv4 },
  },
};

/** `PUT /v2/support/clusters/{id}`: every documented field is a required string. */
export const clusterSchema: Schema = {
  type: 'object',
  required: ['mvno_id', 'api_url', 'api_key', 'hosted_billing_account_id'],
  properties: {
    mvno_id: { type: 'string', minLength: 1 },
    api_url: { type: 'string', format: 'uri' },
    api_key: { type: 'string', minLength: 1 },
    hosted_billing_account_id: hexId,
  },
};
