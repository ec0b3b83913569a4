/**
 * Conformance of the offline pattern check with Erlang's own re:compile (PCRE 8.44 in
 * Erlang/OTP 25), the engine KAZOO runs number-formatting patterns with.
 *
 * test/fixtures/pcre-erlang.json records, for every pattern of the corpus under
 * scripts/pcre-conformance/ (hand-written and generated), whether Erlang compiled it and
 * with how many capture groups; `npm run pcre:fixture` rebuilds it where Erlang is
 * installed. This test needs no Erlang: it checks that kzops agrees with the fixture.
 *
 * The rules:
 * - no pattern Erlang refuses may pass (a false accept would reach production and break);
 * - a pattern Erlang accepts may be refused only for one of the deliberate reasons below,
 *   and every error kzops reports for it must say that reason;
 * - for a pattern both accept, the capture-group count must equal Erlang's (replace is
 *   checked against it), and the compiled-size estimate must equal PCRE's own.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { analyzePattern, type PatternAnalysis } from '../../src/core/validate/pcre.js';

interface Entry {
  pattern: string;
  source: 'hand' | 'generated';
  ok: boolean;
  captures?: number;
  length?: number;
  error?: string;
  offset?: number;
}
interface Fixture {
  otp: string;
  pcre: string;
  corpus: { handwritten: number; generated: number; seed: number };
  patterns: Entry[];
}

const fixture = JSON.parse(
  readFileSync(new URL('../fixtures/pcre-erlang.json', import.meta.url), 'utf8'),
) as Fixture;

/**
 * Refusals of patterns Erlang/OTP 25 accepts, on purpose. Each error message kzops gives for
 * such a pattern must match one of these.
 */
const DELIBERATE: { kind: string; why: string; message: RegExp }[] = [
  {
    kind: 'PCRE releases disagree',
    why:
      'the pattern means something else, or is an error, on the PCRE 8.33 of older Erlang/OTP releases ' +
      '(\\8 and \\9 are back references there); the message names the releases',
    message: /PCRE 8\.33 .*PCRE 8\.40 to 8\.44/,
  },
  {
    kind: 'NUL in the pattern',
    why: 'Erlang stops reading a pattern at a NUL character, so whatever follows it would be silently dropped',
    message: /NUL character.*stops reading/,
  },
];

const errorsOf = (a: PatternAnalysis) => a.issues.filter((i) => i.severity === 'error');
const deliberateKind = (message: string) => DELIBERATE.find((d) => d.message.test(message))?.kind;

interface Outcome {
  entry: Entry;
  analysis: PatternAnalysis;
  kzOk: boolean;
}

const outcomes: Outcome[] = fixture.patterns.map((entry) => {
  const analysis = analyzePattern(`/${entry.pattern}/`);
  return { entry, analysis, kzOk: errorsOf(analysis).length === 0 };
});

const show = (o: Outcome) =>
  `${JSON.stringify(o.entry.pattern.length > 120 ? o.entry.pattern.slice(0, 120) + '…' : o.entry.pattern)} ` +
  `Erlang: ${o.entry.ok ? `ok, ${o.entry.captures} groups, length ${o.entry.length}` : `${o.entry.error} at ${o.entry.offset}`}; ` +
  `kzops: ${
    o.kzOk
      ? `ok, ${o.analysis.groups} groups, length ${o.analysis.compiledLength}`
      : errorsOf(o.analysis)
          .map((i) => i.message)
          .join(' | ')
  }`;

const falseAccepts = outcomes.filter((o) => !o.entry.ok && o.kzOk);
const falseRefusals = outcomes.filter((o) => o.entry.ok && !o.kzOk);
const undeliberate = falseRefusals.filter((o) =>
  errorsOf(o.analysis).some((i) => deliberateKind(i.message) === undefined),
);
const bothAccept = outcomes.filter((o) => o.entry.ok && o.kzOk);
const captureMismatches = bothAccept.filter((o) => o.analysis.groups !== o.entry.captures);
/**
 * In UTF mode a caseless class also lists the other cases of its characters above U+00FF
 * (k also matches U+212A KELVIN SIGN); kzops does not carry Unicode's case tables, so it
 * estimates those classes' length. Only such patterns may differ, and only by a little.
 */
const estimated = (p: string) => /^\(\*UTF8?\)/.test(p) && /\(\?[a-zA-Z]*i/.test(p) && p.includes('[');
const exactLength = bothAccept.filter((o) => o.analysis.compiledLength === o.entry.length).length;
const lengthMismatches = bothAccept.filter(
  (o) =>
    o.analysis.compiledLength !== o.entry.length &&
    !(estimated(o.entry.pattern) && Math.abs((o.analysis.compiledLength ?? 0) - (o.entry.length ?? 0)) <= 16),
);

describe(`agreement with Erlang/OTP ${fixture.otp} re:compile (PCRE ${fixture.pcre})`, () => {
  it('prints the agreement figures', () => {
    const byKind = new Map<string, number>();
    for (const o of falseRefusals) {
      const kind = deliberateKind(errorsOf(o.analysis)[0]?.message ?? '') ?? 'NOT DELIBERATE';
      byKind.set(kind, (byKind.get(kind) ?? 0) + 1);
    }
    const agree = outcomes.length - falseAccepts.length - falseRefusals.length;
    console.log(
      [
        `PCRE conformance: ${outcomes.length} patterns (${fixture.corpus.handwritten} hand-written, ` +
          `${fixture.corpus.generated} generated; Erlang accepts ${outcomes.filter((o) => o.entry.ok).length})`,
        `  same verdict: ${agree}; false accepts: ${falseAccepts.length}; false refusals: ${falseRefusals.length}` +
          (byKind.size > 0 ? ` (${[...byKind].map(([k, n]) => `${k}: ${n}`).join(', ')})` : ''),
        `  capture counts equal on ${bothAccept.length - captureMismatches.length} of ${bothAccept.length}; ` +
          `compiled length equal on ${exactLength} of ${bothAccept.length}` +
          ` (${bothAccept.length - exactLength - lengthMismatches.length} estimated within 16 bytes)`,
      ].join('\n'),
    );
    expect(outcomes.length).toBeGreaterThanOrEqual(1000);
  });

  it('accepts no pattern that Erlang refuses', () => {
    expect(falseAccepts.map(show)).toEqual([]);
  });

  it('refuses a pattern Erlang accepts only for a deliberate, explained reason', () => {
    expect(undeliberate.map(show)).toEqual([]);
  });

  it("counts capture groups as Erlang does (replace's $N is checked against it)", () => {
    expect(captureMismatches.map(show)).toEqual([]);
  });

  it("computes PCRE's compiled length, which decides 'regular expression is too large'", () => {
    expect(lengthMismatches.map(show)).toEqual([]);
  });

  it('covers every deliberate refusal kind at least once', () => {
    for (const d of DELIBERATE) {
      expect(
        falseRefusals.some((o) => errorsOf(o.analysis).some((i) => d.message.test(i.message))),
        d.kind,
      ).toBe(true);
    }
  });
});
