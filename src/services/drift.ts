/**
 * `kzops drift` as a service: validate the config, read the target's state and live documents,
 * and classify every difference (src/core/plan/drift.ts) under the target's `unmanaged` and
 * `ignore` rules; `only`/`exclude` narrow the report to the findings they name.
 */
import { classifyDrift, driftJson, type DriftJson, type DriftReport } from '../core/plan/drift.js';
import { selectDrift } from '../core/plan/targeting.js';
import { connect } from './connect.js';
import { loadValidConfig } from './load-config.js';
import { makePlan } from './make-plan.js';
import type { ReconcileOptions, TargetingOptions } from './plan.js';
import type { Ui } from './ui.js';

export interface DriftRun {
  /** `changes` when there is drift. */
  outcome: 'ok' | 'changes';
  report: DriftReport;
  /** What the target is, for headers of human output. */
  label: string;
  json: DriftJson;
}

export async function drift(opts: ReconcileOptions & TargetingOptions, ui: Ui): Promise<DriftRun> {
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
    const { rules } = conn.policy;
    const full = classifyDrift({
      plan,
      live,
      state,
      desired: result.resources,
      unmanaged: rules.unmanaged,
      ignore: rules.ignore,
    });
    // The full plan: a ref naming a resource that is in sync is not an error.
    report = selectDrift(full, plan, { only: opts.only, exclude: opts.exclude });
  } finally {
    await conn.close();
  }
  return { outcome: report.inSync ? 'ok' : 'changes', report, label: conn.label, json: driftJson(report) };
}
