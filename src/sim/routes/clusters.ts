/**
 * Cluster documents (super_master): `PUT` and `DELETE /v2/support/clusters/{id}` are all the
 * reference documents, so there is no GET or listing (a GET on a cluster path is 405, the
 * collection path is 404).
 *
 * `api_key` is encrypted on create and only the ciphertext is stored or returned, as the
 * reference's note says. The master cluster (`pvt_master: true`) cannot be deleted.
 */
import { SimError, fieldError, forbidden, notFound } from '../errors.js';
import {
  nextRev,
  publicView,
  toGregorianSeconds,
  withoutPrivate,
  type Doc,
  type SimContext,
} from '../model.js';
import type { RouteDef, SimRequest, SimResult } from '../route.js';
import { HEX32, clusterSchema } from '../routing-schemas.js';
import { encryptSecret } from '../secrets.js';
import { compileValidator, requireData } from '../validate.js';

const validateCluster = compileValidator(clusterSchema);
const CLUSTER_ID = new RegExp(HEX32);

function clusterId(req: SimRequest): string {
  const id = req.params.id ?? '';
  if (!CLUSTER_ID.test(id)) {
    throw fieldError('id', 'pattern', 'Cluster id must be 32 lowercase hex characters', id);
  }
  return id;
}

function createCluster(ctx: SimContext, req: SimRequest): SimResult {
  const id = clusterId(req);
  const fields = withoutPrivate(requireData(req));
  validateCluster(fields);
  if (Object.hasOwn(ctx.state.clusters, id)) {
    throw new SimError(409, 'datastore_conflict', { message: 'conflicting documents', cause: id });
  }
  const now = toGregorianSeconds(ctx.now());
  const doc: Doc = {
    ...fields,
    api_key: encryptSecret(fields.api_key as string, ctx.state.encryption_key),
    _id: id,
    _rev: nextRev(),
    pvt_type: 'cluster',
    pvt_created: now,
    pvt_modified: now,
  };
  ctx.state.clusters[id] = doc;
  return { status: 201, data: publicView(doc), revision: doc._rev, mutated: true };
}

function deleteCluster(ctx: SimContext, req: SimRequest): SimResult {
  const id = req.params.id ?? '';
  const doc = Object.hasOwn(ctx.state.clusters, id) ? ctx.state.clusters[id] : undefined;
  if (!doc) throw notFound(id);
  if (doc.pvt_master === true)
    throw forbidden(`the master cluster cannot be deleted (${id} is the master cluster)`);
  delete ctx.state.clusters[id];
  return { data: publicView(doc), revision: nextRev(doc._rev), mutated: true };
}

export const clusterRoutes: RouteDef[] = [
  { method: 'PUT', path: '/v2/support/clusters/:id', level: 'super_master', handler: createCluster },
  { method: 'DELETE', path: '/v2/support/clusters/:id', level: 'super_master', handler: deleteCluster },
];
