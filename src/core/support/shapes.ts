/**
 * Shapes of the support API that both sides of kzops check: the CLI before it sends
 * (src/services/support/input-files.ts, `ports status`), the simulator when it receives
 * (src/sim/routes/devices.ts, ports.ts). One copy, so the two cannot drift apart.
 */
import { MDN_INPUT_PATTERN } from '../mdn.js';

type JsonSchema = Record<string, unknown>;

/**
 * KAZOO's port request states. The reference shows only `completed` and `canceled`; the rest
 * are the states KAZOO's port requests go through, which the server accepts and nothing else.
 */
export const PORT_STATUS_CODES = [
  'unconfirmed',
  'pending',
  'submitted',
  'scheduled',
  'completed',
  'rejected',
  'canceled',
] as const;

export type PortStatusCode = (typeof PORT_STATUS_CODES)[number];

/** Who reports a forced port status (the server's default is `top`). */
export const PORT_STATUS_SOURCES = ['carrier', 'top'] as const;

/** `schema`, or null (a patch removes a field with null). */
export function nullable(schema: JsonSchema): JsonSchema {
  return { ...schema, type: [schema.type as string, 'null'] };
}

/** A blocking cap: bytes, 0 for none. */
export const CAP_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cap'],
  properties: { cap: { type: 'integer', minimum: 0 } },
};

/** A throttling cap: bytes, and the rate (a number with an optional k, m or g). */
export const THROTTLE_SCHEMA: JsonSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['cap', 'rate'],
  properties: {
    cap: { type: 'integer', minimum: 0 },
    rate: { type: 'string', pattern: '^[0-9]+[kKmMgG]?$' },
  },
};

/**
 * A device's data policy in either shape the reference shows: `caps.{blocking,throttling}` or
 * flat. In a patch (`patch`), each part may be null to remove it.
 */
export function dataPolicySchema(patch = false): JsonSchema {
  const maybe = (s: JsonSchema) => (patch ? nullable(s) : s);
  return {
    type: 'object',
    additionalProperties: false,
    properties: {
      caps: maybe({
        type: 'object',
        additionalProperties: false,
        properties: { blocking: maybe(CAP_SCHEMA), throttling: maybe(THROTTLE_SCHEMA) },
      }),
      blocking: maybe(CAP_SCHEMA),
      throttling: maybe(THROTTLE_SCHEMA),
    },
  };
}

/** A device's voice settings (SIP credentials); in a patch, each part may be null. */
export function voiceSchema(patch = false): JsonSchema {
  const maybe = (s: JsonSchema) => (patch ? nullable(s) : s);
  const text = { type: 'string', minLength: 1 };
  return {
    type: 'object',
    properties: {
      protocol: maybe(text),
      sip: maybe({
        type: 'object',
        properties: { realm: maybe(text), username: maybe(text), password: maybe(text) },
      }),
    },
  };
}

/** A phone number as a request may give it (10 digits or E.164, with separators). */
export const MDN_SCHEMA: JsonSchema = { type: 'string', pattern: MDN_INPUT_PATTERN };
