/**
 * The kinds table agrees with what it describes: the schema files, the secret fields they
 * hold, the references between kinds, the dependency order, and the client's routes.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ROUTES, routingRouteNames } from '../../src/api/routes.js';
import { SCHEMA_KINDS } from '../../src/config/schemas.js';
import {
  KINDS,
  KIND_TABLE,
  RESOURCE_KINDS,
  ROUTING_KINDS,
  isRoutingKind,
  referenceAt,
  referencesIn,
  type ResourceKind,
} from '../../src/core/model/kinds.js';
import { isSecretField } from '../../src/core/validate/secrets.js';

const ALL = Object.keys(KIND_TABLE).sort();

function schemaOf(kind: ResourceKind): { properties: Record<string, unknown> } {
  const file = new URL(`../../schemas/${KIND_TABLE[kind].schema}.schema.json`, import.meta.url);
  return JSON.parse(readFileSync(file, 'utf8')) as { properties: Record<string, unknown> };
}

describe('the kinds table', () => {
  it('lists every kind once in the folder order and in the dependency order', () => {
    expect([...RESOURCE_KINDS].sort()).toEqual(ALL);
    expect([...KINDS].sort()).toEqual(ALL);
    for (const kind of RESOURCE_KINDS) expect(KIND_TABLE[kind].name).toBe(kind);
  });

  it('orders each kind after the kinds it refers to, but for the one cycle the schedule links later', () => {
    // SBCs name their media server; media servers list SBCs. The media server comes first and
    // its priority lists are linked once the SBCs exist (core/plan/schedule.ts).
    const linkedLater = ['media_servers → carrier_sbcs'];
    for (const kind of KINDS) {
      for (const ref of KIND_TABLE[kind].references) {
        const edge = `${kind} → ${ref.to}`;
        if (linkedLater.includes(edge))
          expect(KINDS.indexOf(ref.to), edge).toBeGreaterThan(KINDS.indexOf(kind));
        else expect(KINDS.indexOf(ref.to), edge).toBeLessThan(KINDS.indexOf(kind));
      }
    }
  });

  it('names a shipped schema per kind, whose top-level secret fields are the secretFields', () => {
    for (const kind of RESOURCE_KINDS) {
      expect(SCHEMA_KINDS).toContain(KIND_TABLE[kind].schema);
      const secrets = Object.keys(schemaOf(kind).properties).filter(isSecretField);
      expect(secrets, kind).toEqual([...KIND_TABLE[kind].secretFields]);
    }
  });

  it('names references by fields the schema has', () => {
    for (const kind of RESOURCE_KINDS) {
      for (const ref of KIND_TABLE[kind].references) {
        expect(Object.keys(schemaOf(kind).properties), kind).toContain(ref.path[0]);
      }
    }
  });

  it('finds references where the table says, and only there', () => {
    const ms = { name: 'm', carrier_sbc_priority: { sprint: ['a', 'b'], att: 'not-a-list' }, top_ips: ['x'] };
    expect(referencesIn('media_servers', ms)).toEqual([
      { path: ['carrier_sbc_priority', 'sprint', 0], value: 'a', to: 'carrier_sbcs' },
      { path: ['carrier_sbc_priority', 'sprint', 1], value: 'b', to: 'carrier_sbcs' },
    ]);
    expect(referencesIn('carrier_sbcs', { mobile_media_server: 'm1', name: 'x' })).toEqual([
      { path: ['mobile_media_server'], value: 'm1', to: 'media_servers' },
    ]);
    expect(referencesIn('customer_clusters', { name: 'c' })).toEqual([]);
    expect(referenceAt('media_servers', ['carrier_sbc_priority', 'sprint', 2])).toBe('carrier_sbcs');
    expect(referenceAt('media_servers', ['carrier_sbc_priority', 'sprint', 'x'])).toBeUndefined();
    expect(referenceAt('carrier_sbcs', ['mobile_media_server'])).toBe('media_servers');
    expect(referenceAt('carrier_sbcs', ['name'])).toBeUndefined();
  });

  it('gives every routing kind its six routes, creates idempotent only when the client picks the id', () => {
    expect(ROUTING_KINDS).toEqual(KINDS.filter(isRoutingKind));
    for (const kind of ROUTING_KINDS) {
      const { path, ids } = KIND_TABLE[kind];
      const names = routingRouteNames(kind);
      expect(ROUTES[names.list]).toEqual({ method: 'GET', path, idempotent: true });
      expect(ROUTES[names.get]).toEqual({ method: 'GET', path: `${path}/:id`, idempotent: true });
      expect(ROUTES[names.create]).toEqual(
        ids === 'client'
          ? { method: 'PUT', path: `${path}/:id`, idempotent: true }
          : { method: 'PUT', path, idempotent: false },
      );
      expect(ROUTES[names.update]).toEqual({ method: 'POST', path: `${path}/:id`, idempotent: true });
      expect(ROUTES[names.patch]).toEqual({ method: 'PATCH', path: `${path}/:id`, idempotent: true });
      expect(ROUTES[names.delete]).toEqual({ method: 'DELETE', path: `${path}/:id`, idempotent: true });
    }
  });
});
