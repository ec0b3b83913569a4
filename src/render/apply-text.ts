/**
 * Apply's progress and result for people: one line per step as it ends, then the fields that
 * did not read back as written, then one summary line. Pure: returns strings.
 */
import pc from 'picocolors';
import type { Divergence, StepReport } from '../core/plan/apply-types.js';
import { compactValue } from './plan-text.js';

export function renderStep(report: StepReport, color: boolean): string {
  const c = pc.createColors(color);
  const what = `${report.op} ${report.kind}/${report.key}${report.id === undefined ? '' : ` (id ${report.id})`}`;
  switch (report.status) {
    case 'done':
      return `  ${c.green('✓')} ${what}${report.note ? c.dim(`: ${report.note}`) : ''}\n`;
    case 'failed':
      return `  ${c.red('✗')} ${what}: ${report.reason ?? 'failed'}\n`;
    case 'skipped':
      return `  ${c.yellow('-')} ${what} skipped: ${report.reason ?? ''}\n`;
  }
}

export function renderDivergences(divergences: readonly Divergence[], color: boolean): string {
  if (divergences.length === 0) return '';
  const c = pc.createColors(color);
  const lines = [
    '',
    c.red('Did not read back as written (the server normalised or ignored these fields):'),
    ...divergences.map(
      (d) =>
        `  ${d.kind}/${d.key} (id ${d.id}) ${d.path}: wrote ${compactValue(d.written)}, read ${compactValue(d.read)}`,
    ),
  ];
  return `${lines.join('\n')}\n`;
}

export function applySummary(reports: readonly StepReport[]): {
  done: number;
  failed: number;
  skipped: number;
} {
  return {
    done: reports.filter((r) => r.status === 'done').length,
    failed: reports.filter((r) => r.status === 'failed').length,
    skipped: reports.filter((r) => r.status === 'skipped').length,
  };
}

export function renderApplySummary(
  reports: readonly StepReport[],
  divergent: number,
  color: boolean,
): string {
  const c = pc.createColors(color);
  const s = applySummary(reports);
  const line = `Apply: ${s.done} done, ${s.failed} failed, ${s.skipped} skipped.`;
  const ok = s.failed === 0 && s.skipped === 0 && divergent === 0;
  const tail = ok ? '' : ' Run kzops apply again once the cause is fixed: it plans only what is left.';
  return `\n${ok ? c.green(line) : c.red(line)}${tail}\n`;
}
