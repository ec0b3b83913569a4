/**
 * `kzops drift` as a service: validate the config, read the target's state and live documents,
 * and classify every difference (src/core/plan/drift.ts).
 */
import { classifyDrift, driftJson, type DriftJson, type DriftReport } from '../core/plan/drift.js';
import { connect } from './connect.js';
import { loadValidConfig } from './load-config.js';
import { makePlan } from './make-plan.js';
import type { ReconcileOptions } from './plan.js';
import type { Ui } from './ui.js';

export interface DriftRun {
  /** `changes` when there is drift. */
  outcome: 'ok' | 'changes';
  report: DriftReport;
  /** What the target is, for headers of human output. */
  label: string;
  json: DriftJson;
}

export async function drift(opts: ReconcileOptions, ui: Ui): Promise<DriftRun> {
  const dir = opts.dir ?? 'config';
  const env = opts.env === undefined ? {} : { env: opts.env };
  const { result } = await loadValidConfig(dir, ui, { json: opts.json === true });
  const conn = await connect({ dir: opts.dir, target: opts.target, concurrency: opts.concurrency, ...env });
  let report: DriftReport;
  try {
    const {
      plan,
      live,
      prior: state,
    } = await makePlan(conn, result.resources, {
      concurrency: opts.concurrency,
      ...env,
    });
    report = classifyDrift({ plan, live, state, desired: result.resources });
  } finally {
    await conn.close();
  }
  return { outcome: report.inSync ? 'ok' : 'changes', report, label: conn.label, json: driftJson(report) };
}
