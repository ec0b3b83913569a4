/**
 * The sandbox checks (`--allow-writes`): create, conflict, replace, the three PATCH rules and
 * delete, on throwaway documents named `kzops-conformance-<run>-*`. Every document a request
 * may have created is remembered at once, and `cleanup` removes whatever is left in a
 * `finally`, also looking the run's names up in the listings (a create whose answer lacked an
 * id still leaves a document behind).
 *
 * The PATCH checks each start from a known document (a POST of `replacedBody`), so one broken rule
 * does not make the others fail.
 */
import { isDeepStrictEqual } from 'node:util';
import { type CheckName, type CheckOutcome, fail, pass, skip } from '../../core/conformance/catalog.js';
import { NEEDS_LOGIN, ROUTING, type RoutingKind, ok } from './checks.js';
import { type Exchange, type JsonObject, type Probe, compact, randomHex, said } from './probe.js';
import { isRecord } from '../../core/json.js';

/** Documentation addresses (TEST-NET-1, RFC 5737): never routed. */
const net = (n: number): string => `192.0.2.${n}`;

export const WRITE_CHECKS = [
  'write.create-server-id',
  'write.create-client-id',
  'write.put-conflict',
  'write.post-replace',
  'write.patch-deep-merge',
  'write.patch-null',
  'write.patch-empty-object',
  'write.delete',
  'write.cleanup',
] as const satisfies readonly CheckName[];

type WriteCheck = (typeof WRITE_CHECKS)[number];

interface Created {
  kind: RoutingKind;
  id: string;
}

const CC = `${ROUTING}/customer_clusters`;
const SBC = `${ROUTING}/carrier_sbcs`;

/** What a check saw after a write: the document read back, or why it could not be. */
type ReadBack = { doc: JsonObject; exchange: Exchange } | { error: CheckOutcome };

export async function runWriteChecks(
  probe: Probe,
  record: (name: WriteCheck, run: () => Promise<CheckOutcome>) => Promise<CheckOutcome>,
): Promise<void> {
  if (probe.token === undefined) {
    for (const name of WRITE_CHECKS) await record(name, () => Promise.resolve(skip(NEEDS_LOGIN)));
    return;
  }
  const prefix = `kzops-conformance-${probe.runId}`;
  const clusterName = `${prefix}-cluster`;
  const sbcName = `${prefix}-sbc`;
  const clusterId = randomHex(16);
  const created: Created[] = [];
  let sbcId: string | undefined;
  let clusterCreated = false;

  const createBody: JsonObject = {
    name: clusterName,
    owner: 'kzops-conformance',
    ips: { inbound: { west: [net(240)] } },
    randomize_routing: false,
  };
  const replacedBody: JsonObject = {
    name: clusterName,
    owner: 'kzops-conformance',
    ips: {
      inbound: { east: [net(241), net(242)], central: [net(243)] },
      outbound: { east: [net(244)], west: [net(246)] },
    },
  };

  const readBack = async (kind: RoutingKind, id: string): Promise<ReadBack> => {
    const ex = await probe.send({ method: 'GET', path: `${ROUTING}/${kind}/${id}` });
    const data = ex.envelope?.data;
    if (ex.status !== 200 || !isRecord(data)) return { error: fail(`read back: ${said(ex)}`, ex.requestId) };
    return { doc: data, exchange: ex };
  };

  /** POST `replacedBody`: the known starting point of each PATCH check. */
  const reset = async (): Promise<CheckOutcome | undefined> => {
    const ex = await probe.send({ method: 'POST', path: `${CC}/${clusterId}`, body: { data: replacedBody } });
    return ok(ex) ? undefined : fail(`reset with POST first: ${said(ex)}`, ex.requestId);
  };

  /** PATCH `changes` onto `replacedBody`, then read the document back and judge it. */
  const patchCheck = async (
    changes: JsonObject,
    judge: (doc: JsonObject) => string[],
    what: string,
  ): Promise<CheckOutcome> => {
    if (!clusterCreated)
      return skip('not run: the customer cluster was not created (see write.create-client-id)');
    const failedReset = await reset();
    if (failedReset) return failedReset;
    const ex = await probe.send({ method: 'PATCH', path: `${CC}/${clusterId}`, body: { data: changes } });
    const sent = `${said(ex)} with ${compact(changes, 100)}`;
    if (!ok(ex)) return fail(`${sent}: expected 200`, ex.requestId);
    const back = await readBack('customer_clusters', clusterId);
    if ('error' in back) return back.error;
    const problems = judge(back.doc);
    return problems.length === 0
      ? pass(`${sent}: ${what}`, ex.requestId)
      : fail(`${sent}: ${problems.join('; ')} (read back: ips ${compact(back.doc.ips, 160)})`, ex.requestId);
  };

  try {
    await record('write.create-server-id', async () => {
      const body = {
        data: {
          name: sbcName,
          carrier: 'kzops-conformance',
          location: { zone: 'east', city: 'Conformance' },
        },
      };
      const ex = await probe.send({ method: 'PUT', path: SBC, body });
      const data = ex.envelope?.data;
      const id = isRecord(data) ? data.id : undefined;
      if (typeof id === 'string' && id !== '') {
        sbcId = id;
        created.push({ kind: 'carrier_sbcs', id });
      }
      if (ex.status !== 201 || sbcId === undefined) {
        const why = ex.status === 201 ? 'no data.id in the answer' : 'expected 201 with data.id';
        return fail(`${said(ex)} (${sbcName}): ${why}`, ex.requestId);
      }
      const back = await readBack('carrier_sbcs', sbcId);
      if ('error' in back) return back.error;
      if (back.doc.name !== sbcName)
        return fail(`${said(back.exchange)}: name ${compact(back.doc.name)}`, ex.requestId);
      return pass(`${said(ex)} (${sbcName}), data.id ${sbcId}; GET finds it`, ex.requestId);
    });

    await record('write.create-client-id', async () => {
      created.push({ kind: 'customer_clusters', id: clusterId });
      const ex = await probe.send({ method: 'PUT', path: `${CC}/${clusterId}`, body: { data: createBody } });
      const data = ex.envelope?.data;
      const id = isRecord(data) ? data.id : undefined;
      clusterCreated = ok(ex);
      if (ex.status !== 201) return fail(`${said(ex)} (${clusterName}): expected 201`, ex.requestId);
      if (id !== clusterId)
        return fail(`${said(ex)}: data.id ${compact(id)}, expected ${clusterId}`, ex.requestId);
      return pass(`${said(ex)} (${clusterName}), data.id is the id asked for`, ex.requestId);
    });

    await record('write.put-conflict', async () => {
      if (!clusterCreated)
        return skip('not run: the customer cluster was not created (see write.create-client-id)');
      const ex = await probe.send({ method: 'PUT', path: `${CC}/${clusterId}`, body: { data: createBody } });
      return ex.status === 409
        ? pass(`second ${said(ex)}`, ex.requestId)
        : fail(`second ${said(ex)}: expected 409`, ex.requestId);
    });

    await record('write.post-replace', async () => {
      if (!clusterCreated)
        return skip('not run: the customer cluster was not created (see write.create-client-id)');
      const ex = await probe.send({
        method: 'POST',
        path: `${CC}/${clusterId}`,
        body: { data: replacedBody },
      });
      if (!ok(ex)) return fail(`${said(ex)}: expected 200`, ex.requestId);
      const back = await readBack('customer_clusters', clusterId);
      if ('error' in back) return back.error;
      const problems: string[] = [];
      if ('randomize_routing' in back.doc) problems.push('randomize_routing (left out) is still there');
      for (const [key, value] of Object.entries(replacedBody)) {
        if (!isDeepStrictEqual(back.doc[key], value))
          problems.push(`${key} is ${compact(back.doc[key], 100)}`);
      }
      return problems.length === 0
        ? pass(
            `${said(ex)}: the document is exactly the new fields (randomize_routing, ips.inbound.west gone)`,
            ex.requestId,
          )
        : fail(`${said(ex)}: ${problems.join('; ')}`, ex.requestId);
    });

    const ips = (doc: JsonObject): { inbound: JsonObject; outbound: unknown } => {
      const all = isRecord(doc.ips) ? doc.ips : {};
      return { inbound: isRecord(all.inbound) ? all.inbound : {}, outbound: all.outbound };
    };
    const base = replacedBody.ips as { inbound: JsonObject; outbound: JsonObject };

    await record('write.patch-deep-merge', () =>
      patchCheck(
        { ips: { inbound: { east: [net(245)] } } },
        (doc) => {
          const { inbound, outbound } = ips(doc);
          const problems: string[] = [];
          if (!isDeepStrictEqual(inbound.east, [net(245)])) {
            problems.push(`ips.inbound.east is ${compact(inbound.east)}, expected the new array whole`);
          }
          if (!isDeepStrictEqual(inbound.central, base.inbound.central))
            problems.push('ips.inbound.central (a sibling) was lost');
          if (!isDeepStrictEqual(outbound, base.outbound)) problems.push('ips.outbound (untouched) changed');
          if (doc.owner !== replacedBody.owner) problems.push('owner (untouched) changed');
          return problems;
        },
        'ips.inbound.east replaced whole, ips.inbound.central, ips.outbound and owner kept',
      ),
    );

    await record('write.patch-null', () =>
      patchCheck(
        { owner: null, ips: { inbound: { central: null } } },
        (doc) => {
          const { inbound, outbound } = ips(doc);
          const problems: string[] = [];
          if ('owner' in doc) problems.push(`owner is ${compact(doc.owner)}, expected it removed`);
          if ('central' in inbound)
            problems.push(`ips.inbound.central is ${compact(inbound.central)}, expected it removed`);
          if (!isDeepStrictEqual(inbound.east, base.inbound.east))
            problems.push('ips.inbound.east (a sibling) changed');
          if (!isDeepStrictEqual(outbound, base.outbound)) problems.push('ips.outbound (untouched) changed');
          return problems;
        },
        'owner and ips.inbound.central removed, ips.inbound.east and ips.outbound kept',
      ),
    );

    await record('write.patch-empty-object', () =>
      patchCheck(
        { ips: { outbound: {} } },
        (doc) => {
          const { inbound, outbound } = ips(doc);
          const problems: string[] = [];
          if (outbound !== undefined && !isDeepStrictEqual(outbound, {})) {
            problems.push(`ips.outbound is ${compact(outbound)}, expected {} (cleared)`);
          }
          if (!isDeepStrictEqual(inbound, base.inbound)) problems.push('ips.inbound (a sibling) changed');
          return problems;
        },
        'ips.outbound cleared, ips.inbound kept',
      ),
    );

    await record('write.delete', async () => {
      const targets: Created[] = [];
      if (clusterCreated) targets.push({ kind: 'customer_clusters', id: clusterId });
      if (sbcId !== undefined) targets.push({ kind: 'carrier_sbcs', id: sbcId });
      if (targets.length === 0) return skip('not run: nothing was created');
      const parts: string[] = [];
      let failed: Exchange | undefined;
      let last: Exchange | undefined;
      for (const { kind, id } of targets) {
        const del = await probe.send({ method: 'DELETE', path: `${ROUTING}/${kind}/${id}` });
        const get = await probe.send({ method: 'GET', path: `${ROUTING}/${kind}/${id}` });
        last = del;
        parts.push(`${said(del)}, then ${said(get)}`);
        if (!ok(del)) failed ??= del;
        else if (get.status !== 404) failed ??= get;
      }
      const detail = parts.join('; ');
      return failed
        ? fail(`${detail}: expected 2xx, then 404`, failed.requestId)
        : pass(detail, last?.requestId);
    });
  } finally {
    await record('write.cleanup', () => cleanup(probe, created, prefix));
  }
}

/**
 * Removes every document of this run: the ones remembered, and any listed under the run's name
 * prefix. Passes when nothing of the run is left; fails naming what is.
 */
async function cleanup(probe: Probe, created: Created[], prefix: string): Promise<CheckOutcome> {
  const candidates = new Map<string, Created>(created.map((c) => [`${c.kind}/${c.id}`, c]));
  let listed: Exchange | undefined;
  for (const kind of ['customer_clusters', 'carrier_sbcs'] as const) {
    const ex = await probe.send({ method: 'GET', path: `${ROUTING}/${kind}?paginate=false` });
    listed ??= ex;
    const data = ex.envelope?.data;
    if (!Array.isArray(data)) continue;
    for (const entry of data) {
      if (
        isRecord(entry) &&
        typeof entry.id === 'string' &&
        typeof entry.name === 'string' &&
        entry.name.startsWith(prefix)
      ) {
        candidates.set(`${kind}/${entry.id}`, { kind, id: entry.id });
      }
    }
  }
  const removed: string[] = [];
  const left: string[] = [];
  let evidence: Exchange | undefined;
  for (const [where, { kind, id }] of candidates) {
    const path = `${ROUTING}/${kind}/${id}`;
    const before = await probe.send({ method: 'GET', path });
    if (before.status === 404) continue;
    const del = await probe.send({ method: 'DELETE', path });
    const after = await probe.send({ method: 'GET', path });
    evidence ??= del;
    if (after.status === 404) removed.push(where);
    else {
      left.push(`${where} (${said(del)}, then ${said(after)})`);
      evidence = after;
    }
  }
  if (left.length > 0) {
    return fail(`left behind, remove by hand: ${left.join('; ')}`, evidence?.requestId);
  }
  const what = removed.length === 0 ? 'nothing was left to remove' : `removed ${removed.join(', ')}`;
  return pass(`${what}; no ${prefix}-* document is listed`, (evidence ?? listed)?.requestId);
}
