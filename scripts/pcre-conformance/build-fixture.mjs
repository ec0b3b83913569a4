#!/usr/bin/env node
// `npm run pcre:fixture`: compiles the PCRE conformance corpus with Erlang's re and writes
// test/fixtures/pcre-erlang.json, which the unit tests compare kzops's pattern check with.
// Needs Erlang (`erl` and `escript` on PATH; on Debian: apt-get install erlang-base).
import { Buffer } from 'node:buffer';
import { spawnSync } from 'node:child_process';
import console from 'node:console';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import process from 'node:process';
import { fileURLToPath, URL } from 'node:url';
import { generatedPatterns } from './generate.mjs';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const FIXTURE = fileURLToPath(new URL('../../test/fixtures/pcre-erlang.json', import.meta.url));
const SEED = 14;

/** The hand-written corpus: one pattern a line, ⟦U+XXXX⟧ for characters a line cannot hold. */
export function handwrittenPatterns(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    if (line === '⟦EMPTY⟧') {
      out.push('');
      continue;
    }
    out.push(line.replace(/⟦U\+([0-9A-F]{4,6})⟧/g, (_, hex) => String.fromCodePoint(parseInt(hex, 16))));
  }
  return out;
}

function fail(message) {
  console.error(`pcre:fixture: ${message}`);
  process.exit(1);
}

function main() {
  const probe = spawnSync('escript', ['-h'], { encoding: 'utf8' });
  if (probe.error)
    fail(
      "Erlang's escript was not found on PATH, so the fixture cannot be rebuilt here. Install Erlang " +
        '(Debian/Ubuntu: apt-get install erlang-base) and run npm run pcre:fixture again; the tests keep ' +
        'using the checked-in test/fixtures/pcre-erlang.json.',
    );

  const hand = handwrittenPatterns(readFileSync(join(HERE, 'corpus.txt'), 'utf8'));
  const seen = new Set();
  const entries = [];
  for (const [source, list] of [
    ['hand', hand],
    ['generated', generatedPatterns(SEED)],
  ]) {
    for (const pattern of list) {
      if (seen.has(pattern)) continue;
      seen.add(pattern);
      entries.push({ pattern, source });
    }
  }

  const dir = mkdtempSync(join(tmpdir(), 'kzops-pcre-'));
  try {
    const input = join(dir, 'corpus.hex');
    const output = join(dir, 'results.txt');
    writeFileSync(
      input,
      entries.map((e) => Buffer.from(e.pattern, 'utf8').toString('hex')).join('\n') + '\n',
    );
    const run = spawnSync('escript', [join(HERE, 'compile.escript'), input, output], { encoding: 'utf8' });
    if (run.status !== 0)
      fail(`compile.escript failed (${run.status ?? run.signal}):\n${run.stderr}${run.stdout}`);
    const lines = readFileSync(output, 'utf8').trimEnd().split('\n');
    const facts = {};
    while (lines.length > 0 && /^(otp|pcre) /.test(lines[0])) {
      const [key, ...rest] = lines.shift().split(' ');
      facts[key] = rest.join(' ');
    }
    if (lines.length !== entries.length) fail(`expected ${entries.length} results, got ${lines.length}`);
    const patterns = entries.map((e, k) => {
      const [verdict, a, b] = lines[k].split(' ');
      if (verdict === 'ok') return { ...e, ok: true, captures: Number(a), length: Number(b) };
      return { ...e, ok: false, error: Buffer.from(b ?? '', 'hex').toString('latin1'), offset: Number(a) };
    });
    const fixture = {
      otp: facts.otp,
      pcre: facts.pcre,
      generated_at: new Date().toISOString(),
      how: 're:compile(Pattern) with no options, Pattern being the UTF-8 bytes of the text between the slashes',
      corpus: {
        handwritten: patterns.filter((p) => p.source === 'hand').length,
        generated: patterns.filter((p) => p.source === 'generated').length,
        seed: SEED,
      },
      patterns,
    };
    // One pattern a line keeps the file diffable.
    const body = patterns.map((p) => '    ' + JSON.stringify(p)).join(',\n');
    const head = JSON.stringify({ ...fixture, patterns: [] }, null, 2).replace(/"patterns": \[\]\n\}$/, '');
    writeFileSync(FIXTURE, `${head}"patterns": [\n${body}\n  ]\n}\n`);
    const accepted = patterns.filter((p) => p.ok).length;
    console.log(
      `pcre:fixture: ${patterns.length} patterns (${fixture.corpus.handwritten} hand-written, ` +
        `${fixture.corpus.generated} generated), ${accepted} accepted by Erlang/OTP ${facts.otp} ` +
        `(PCRE ${facts.pcre}); wrote ${FIXTURE}`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
