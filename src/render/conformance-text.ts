/**
 * A conformance report for people: a header naming the target, one row per check (check,
 * result, evidence with the request id the result rests on), and a summary line. Pure: returns
 * a string.
 */
import pc from 'picocolors';
import type { CheckResult, ConformanceReport } from '../core/conformance/catalog.js';

export interface ConformanceTextOptions {
  color: boolean;
  /** How to name the target in the header; default `report.target`. */
  label?: string;
}

export function renderConformanceText(report: ConformanceReport, opts: ConformanceTextOptions): string {
  const c = pc.createColors(opts.color);
  const paint = (result: CheckResult, text: string): string =>
    result === 'pass' ? c.green(text) : result === 'fail' ? c.red(text) : c.yellow(text);
  const mode = report.allowWrites ? 'read and write checks' : 'read-only checks';
  const rows = report.checks.map((check) => ({
    name: check.name,
    result: check.result,
    evidence: check.requestId === undefined ? check.detail : `${check.detail} [request ${check.requestId}]`,
  }));
  const nameWidth = Math.max('CHECK'.length, ...rows.map((r) => r.name.length));
  const resultWidth = 'RESULT'.length;
  const line = (name: string, result: string, shownResult: string, evidence: string): string =>
    `${name.padEnd(nameWidth)}  ${shownResult}${' '.repeat(resultWidth - result.length)}  ${evidence}`.trimEnd();
  const out = [
    `conformance of ${opts.label ?? report.target} (${mode})`,
    '',
    line('CHECK', 'RESULT', 'RESULT', 'EVIDENCE'),
    ...rows.map((r) => line(r.name, r.result, paint(r.result, r.result), r.evidence)),
    '',
    [
      paint('pass', `${report.passed} passed`),
      report.failed > 0 ? paint('fail', `${report.failed} failed`) : `${report.failed} failed`,
      `${report.skipped} skipped`,
    ].join(', '),
  ];
  return `${out.join('\n')}\n`;
}
