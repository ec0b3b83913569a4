#!/usr/bin/env node
// The composite action's driver (action.yml at the repository root runs it): resolves the
// targets, runs kzops once per target, keeps each run's output in a report directory, writes
// the job summary and the step outputs, and for a plan builds the pull-request comment from
// the same run (`kzops plan --format markdown --max-chars N --out T.plan.json`: the trimmed
// comment on stdout, the full saved plan in the file; one run per target, not two).
//
// `node kzops-action.mjs <command>`, the inputs in INPUT_* environment variables (see
// action.yml). Commands: targets, validate, plan, apply, drift, comment, drift-issue. No
// dependency but node itself and, to read targets.yaml, the `yaml` package of the kzops it
// runs (KZOPS_HOME).
// Pure helpers are exported for the unit tests (test/unit/gh-action.test.ts).
import { spawn } from 'node:child_process';
import { appendFile, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

export const COMMANDS = ['targets', 'validate', 'plan', 'apply', 'drift', 'comment', 'drift-issue'];
export const TARGET_NAME = /^[a-z0-9][a-z0-9_-]*$/;
/** The drift tracking issue: its label, title and the marker its body starts with. */
export const DRIFT_LABEL = 'kzops-drift';
export const DRIFT_TITLE = 'kzops drift: the live servers differ from config/';
export const DRIFT_MARKER = '<!-- kzops-drift -->';
/** The marker the plan comment starts with; the apply looks for it (and for the fingerprints). */
export const COMMENT_MARKER = '<!-- kzops-plan -->';
/** GitHub caps a comment at 65536 characters; the header and the target headings fit in the rest. */
export const COMMENT_BUDGET = 60000;

export class ActionError extends Error {}

// -------------------------------------------------------------------------------------------
// Pure helpers

/**
 * `args`, split as a shell splits words, but with nothing expanded: whitespace separates,
 * '…' and "…" quote (a backslash escapes " and \ inside "…", and any character outside).
 */
export function splitArgs(text) {
  const out = [];
  let word = '';
  let inWord = false;
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quote === "'") {
      if (c === "'") quote = '';
      else word += c;
    } else if (quote === '"') {
      if (c === '"') quote = '';
      else if (c === '\\' && (text[i + 1] === '"' || text[i + 1] === '\\')) word += text[++i];
      else word += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (c === '\\' && i + 1 < text.length) {
      word += text[++i];
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) out.push(word);
      word = '';
      inWord = false;
    } else {
      word += c;
      inWord = true;
    }
  }
  if (quote !== '') throw new ActionError(`args: unclosed ${quote} quote in: ${text}`);
  if (inWord) out.push(word);
  return out;
}

/**
 * The `targets` input: names separated by spaces, commas or lines, or a JSON array of names
 * (the `targets` output of the `targets` command), each checked.
 */
export function parseTargetList(text) {
  const names = text.trim().startsWith('[')
    ? parseJsonList(text)
    : text.split(/[\s,]+/).filter((t) => t !== '');
  for (const name of names) {
    if (!TARGET_NAME.test(name)) {
      throw new ActionError(
        `targets: not a target name: ${JSON.stringify(name)} (lower-case letters, digits, - and _)`,
      );
    }
  }
  return [...new Set(names)];
}

function parseJsonList(text) {
  let list;
  try {
    list = JSON.parse(text);
  } catch (err) {
    throw new ActionError(`targets: not a JSON array: ${err.message}`);
  }
  if (!Array.isArray(list) || list.some((t) => typeof t !== 'string')) {
    throw new ActionError(`targets: not a JSON array of names: ${text.trim()}`);
  }
  return list;
}

/** Every target of a parsed targets.yaml whose url is not `sim`, in file order. */
export function serverTargets(doc, file) {
  const targets = doc?.targets;
  if (targets === null || typeof targets !== 'object' || Array.isArray(targets)) {
    throw new ActionError(`${file}: no "targets" mapping`);
  }
  return Object.entries(targets)
    .filter(([, t]) => !(t !== null && typeof t === 'object' && t.url === 'sim'))
    .map(([name]) => name);
}

/** The fingerprint `kzops plan --format markdown` writes for `target`, or undefined. */
export function fingerprintOf(markdown, target) {
  const re = /<!-- kzops-plan-fingerprint: ([a-z0-9_-]+) ([0-9a-f]+) -->/g;
  let found;
  for (const m of markdown.matchAll(re)) if (m[1] === target) found = m[2];
  return found;
}

/** What each exit code of kzops means, for the error annotation. */
export function exitMeaning(command, code) {
  switch (code) {
    case 1:
      return 'a request failed or the server answered an error; see the log';
    case 2:
      return command === 'drift' ? 'the target has drifted' : 'there are changes';
    case 3:
      return 'invalid configuration, or an unset secret variable (check the env of the step); nothing was sent';
    case 4:
      return 'partial failure: some changes were made and some failed; the state file holds what was done';
    case 5:
      return 'refused by a safety rule, nothing was done: a plan that differs from the reviewed one (plan again), a delete without --allow-deletes, a protected resource, max_change_percent, a freeze or change window, or another apply holding the lock';
    case 64:
      return 'bad flags or arguments (an unknown target, or a kzops too old for a flag?)';
    default:
      return 'unexpected exit code';
  }
}

/** A fenced block no line of `text` can close. */
export function fence(lang, text) {
  const longest = Math.max(0, ...(text.match(/`{3,}/g) ?? []).map((r) => r.length));
  const f = '`'.repeat(Math.max(3, longest + 1));
  return `${f}${lang}\n${text.replace(/\n$/, '')}\n${f}`;
}

/** One target's part of the plan comment: its plan, or why there is none. */
export function planSection(target, code, markdown, err) {
  if (code === 0) return markdown.replace(/\n+$/, '') + '\n';
  const tail = err.split('\n').slice(-40).join('\n');
  return `### :x: \`${target}\`: kzops plan failed (exit ${code})\n\n${fence('text', tail)}\n`;
}

/** The whole comment: the marker, a heading, where the full plans are, the parts in order. */
export function planComment({ sha, runUrl, sections }) {
  const head = [
    COMMENT_MARKER,
    '## kzops plan',
    '',
    `For ${sha ? sha.slice(0, 12) : 'this commit'}.${runUrl ? ` Full plans: the artifacts of [this run](${runUrl}).` : ''}`,
  ];
  const body = sections.length === 0 ? ['No target to plan: add a server to config/targets.yaml.'] : sections;
  return [...head, ...body.map((s) => `\n${s.replace(/\n+$/, '')}`)].join('\n') + '\n';
}

// Values as plan shows them; a sensitive field only says whether it changes.
const showValue = (v) =>
  v === undefined ? '(absent)' : `\`${JSON.stringify(v).slice(0, 200).replace(/`/g, "'")}\``;
const showField = (f) =>
  f.sensitive
    ? `${f.path}: (sensitive, ${f.changes ? 'changes' : 'unchanged'})`
    : `${f.path}: ${showValue(f.before)} → ${showValue(f.after)}`;
/** Text from documents in a table cell: no table break, no HTML, no @mention. */
export function issueCell(s) {
  return String(s)
    .replace(/\|/g, '\\|')
    .replace(/\n/g, ' ')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/@/g, '@&#8203;');
}

/**
 * The drift issue's sections from each target's report files (`files[target]`: the `exit`,
 * `json` and `err` texts, '' when missing), and how many targets drifted or failed. A target
 * whose job wrote no report counts as failed: its state is unknown.
 */
export function driftSections(targets, files) {
  const sections = [];
  let drifted = 0;
  let errors = 0;
  const failed = (target, why, text) => {
    errors++;
    const tail = text.split('\n').slice(-20).join('\n');
    sections.push(`### :warning: \`${target}\`: kzops drift failed (${why})\n\n${fence('text', tail)}`);
  };
  for (const target of targets) {
    const { exit: exitText = '', json = '', err = '' } = files[target] ?? {};
    const exit = exitText.trim();
    if (exit === '0') continue;
    if (exit !== '2') {
      failed(target, `exit ${exit || '?'}`, err);
      continue;
    }
    let report;
    try {
      report = JSON.parse(json);
    } catch {
      failed(target, 'exit 2, but its report is not JSON', err);
      continue;
    }
    drifted++;
    const rows = (report?.findings ?? [])
      .filter((f) => f.class !== 'unknown_baseline' && f.class !== 'not_verifiable')
      .map((f) => {
        const what = f.kind + '/' + (f.key ?? `id:${f.id}`);
        // Each part escaped, then joined: the <br> between them stays a line break.
        const detail = [f.note, ...(f.fields ?? []).map(showField)]
          .filter(Boolean)
          .map(issueCell)
          .join('<br>');
        return `| ${f.class} | \`${what}\` | ${issueCell(f.name ?? '')} | ${detail} |`;
      });
    sections.push(
      [
        `### \`${target}\`: ${rows.length} finding(s)`,
        '',
        '| class | resource | name | details |',
        '|---|---|---|---|',
        ...rows,
      ].join('\n'),
    );
  }
  return { sections, drifted, errors };
}

/** The drift issue's body. */
export function driftIssueBody({ runUrl, when, sections }) {
  const by = runUrl ? `[kzops drift](${runUrl})` : 'kzops drift';
  return [
    DRIFT_MARKER,
    `Found by ${by} at ${when} UTC. Either bring config/ in line`,
    '(a pull request: `kzops export` writes the live documents as config files) or run',
    '`kzops apply` to put the server back. This issue closes itself when every target is in sync.',
    '',
    sections.join('\n\n'),
    '',
    'Classes: changed_outside (live differs from what kzops last applied), missing_live, unmanaged',
    '(live, in neither config/ nor the state), pending (config/ differs and apply has not run).',
  ].join('\n');
}

/** The comment's share for one target when `count` targets share it. */
export function maxCharsFor(count) {
  return Math.max(1000, Math.floor(COMMENT_BUDGET / Math.max(1, count)));
}

// -------------------------------------------------------------------------------------------
// The environment

function input(name, fallback = '') {
  const v = process.env[`INPUT_${name.toUpperCase().replace(/-/g, '_')}`];
  return v === undefined || v.trim() === '' ? fallback : v.trim();
}

async function setOutput(name, value) {
  const file = process.env.GITHUB_OUTPUT;
  const text = String(value);
  if (!file) return void console.log(`output ${name}=${text}`);
  const delim = `kzops_${Math.random().toString(36).slice(2)}`;
  await appendFile(file, `${name}<<${delim}\n${text}\n${delim}\n`);
}

async function summary(text) {
  const file = process.env.GITHUB_STEP_SUMMARY;
  if (file) await appendFile(file, text.endsWith('\n') ? text : text + '\n');
}

/** Runs kzops with `args`; stdout and stderr both kept and echoed to the log. */
function run(args, { echoStdout = true } = {}) {
  const bin = process.env.KZOPS_BIN || 'kzops';
  console.log(`::group::kzops ${args.join(' ')}`);
  return new Promise((resolvePromise) => {
    const child = spawn(bin, args, {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
      if (echoStdout) process.stdout.write(d);
    });
    child.stderr.on('data', (d) => {
      stderr += d;
      process.stdout.write(d);
    });
    child.on('error', (err) => {
      stderr += `could not run ${bin}: ${err.message}\n`;
    });
    child.on('close', (code) => {
      console.log('::endgroup::');
      resolvePromise({ code: code ?? 1, stdout, stderr });
    });
  });
}

function annotate(level, title, text) {
  // Annotation text: newlines and % are encoded, as the workflow command format requires.
  const enc = (s) => s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
  console.log(`::${level} title=${enc(title).replace(/[:,]/g, ' ')}::${enc(text)}`);
}

async function readTargetsFile(dir) {
  for (const name of ['targets.yaml', 'targets.yml']) {
    const file = join(dir, name);
    let text;
    try {
      text = await readFile(file, 'utf8');
    } catch (err) {
      if (err.code === 'ENOENT') continue;
      throw err;
    }
    const home = process.env.KZOPS_HOME;
    if (!home) throw new ActionError('KZOPS_HOME is not set: the install step sets it');
    const { parse } = createRequire(join(home, 'package.json'))('yaml');
    let doc;
    try {
      doc = parse(text);
    } catch (err) {
      throw new ActionError(`${file}: not YAML: ${err.message}`);
    }
    return serverTargets(doc, file);
  }
  throw new ActionError(`no targets.yaml in ${dir} (the config-dir input)`);
}

async function resolveTargets(dir) {
  const given = input('targets');
  return given === '' ? readTargetsFile(dir) : parseTargetList(given);
}

// -------------------------------------------------------------------------------------------
// GitHub's API, for the comment and the reviewed fingerprint

async function github(path, { method = 'GET', body } = {}) {
  const token = input('github-token');
  if (token === '')
    throw new ActionError(
      'github-token is empty: the comment, the reviewed plan and the drift issue need it',
    );
  const api = process.env.GITHUB_API_URL || 'https://api.github.com';
  const url = path.startsWith('http') ? path : `${api}${path}`;
  const res = await fetch(url, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      accept: 'application/vnd.github+json',
      'x-github-api-version': '2022-11-28',
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  if (!res.ok) throw new ActionError(`GitHub API ${method} ${path}: ${res.status} ${res.statusText}`);
  const next = /<([^>]+)>;\s*rel="next"/.exec(res.headers.get('link') ?? '')?.[1];
  return { data: await res.json(), next };
}

async function paginate(path) {
  const all = [];
  for (let url = path; url !== undefined;) {
    const { data, next } = await github(url);
    all.push(...data);
    url = next;
  }
  return all;
}

const BOT = 'github-actions[bot]';

/** The fingerprint of `target` in the plan comment of the pull request `sha` was merged from. */
async function reviewedFingerprint(target) {
  const repo = process.env.GITHUB_REPOSITORY;
  const sha = process.env.GITHUB_SHA;
  const { data: pulls } = await github(`/repos/${repo}/commits/${sha}/pulls`);
  const pr = pulls.find((p) => p.merged_at !== null)?.number;
  if (pr === undefined) {
    throw new ActionError(
      `${sha} came from no merged pull request, so there is no reviewed plan to compare with: merge through pull requests, or give expect-fingerprint, or set it to "none"`,
    );
  }
  const comments = await paginate(`/repos/${repo}/issues/${pr}/comments?per_page=100`);
  let found;
  for (const c of comments) {
    // Only this workflow's own comment: anyone can write the marker in theirs.
    if (c.user?.login !== BOT || !(c.body ?? '').includes(COMMENT_MARKER)) continue;
    found = fingerprintOf(c.body, target) ?? found;
  }
  if (found === undefined) {
    throw new ActionError(
      `the kzops plan comment of pull request #${pr} has no plan for ${target} (the plan failed or did not run for its last push): re-run the plan, or give expect-fingerprint`,
    );
  }
  console.log(`Applying the plan reviewed on #${pr}: fingerprint ${found}`);
  return found;
}

// -------------------------------------------------------------------------------------------
// Commands

async function targetsCommand(dir) {
  const targets = await resolveTargets(dir);
  await setOutput('targets', JSON.stringify(targets));
  await setOutput('max-chars', maxCharsFor(targets.length));
  if (targets.length === 0)
    annotate('notice', 'kzops', `No target: ${dir}/targets.yaml has no server (a url other than sim).`);
  return 0;
}

async function validateCommand(dir, extra) {
  const r = await run(['validate', '--format', 'github', '--dir', dir, ...extra]);
  await summary(
    r.code === 0
      ? '### kzops validate: the config is valid\n'
      : `### :x: kzops validate failed (exit ${r.code})\n\nThe problems are annotations on the files (see the log).\n`,
  );
  return r.code;
}

async function planCommand(dir, extra, out, targets) {
  const maxChars = Number(input('max-chars', String(maxCharsFor(targets.length))));
  if (!Number.isInteger(maxChars) || maxChars < 1000)
    throw new ActionError(`max-chars: not a whole number of at least 1000: ${input('max-chars')}`);
  const sections = [];
  const fingerprints = {};
  let worst = 0;
  for (const target of targets) {
    const r = await run([
      'plan',
      '--target',
      target,
      '--dir',
      dir,
      '--format',
      'markdown',
      '--max-chars',
      String(maxChars),
      '--out',
      join(out, `${target}.plan.json`),
      ...extra,
    ]);
    await writeFile(join(out, `${target}.md`), r.stdout);
    await writeFile(join(out, `${target}.err`), r.stderr);
    await writeFile(join(out, `${target}.exit`), `${r.code}\n`);
    const section = planSection(target, r.code, r.stdout, r.stderr);
    // The part of the comment for this target, for a later `comment` over every target.
    await writeFile(join(out, `${target}.comment.md`), section);
    sections.push(section);
    if (r.code === 0) {
      const fp = fingerprintOf(r.stdout, target);
      if (fp !== undefined) fingerprints[target] = fp;
    } else {
      worst ||= r.code;
      annotate('error', `kzops plan ${target} failed (exit ${r.code})`, exitMeaning('plan', r.code));
    }
  }
  const comment = planComment({
    sha: input('sha', process.env.GITHUB_SHA ?? ''),
    runUrl: runUrl(),
    sections,
  });
  await writeFile(join(out, 'comment.md'), comment);
  await summary(comment);
  await setOutput('comment-file', join(out, 'comment.md'));
  await setOutput('fingerprints', JSON.stringify(fingerprints));
  if (targets.length === 1) await setOutput('fingerprint', fingerprints[targets[0]] ?? '');
  return worst;
}

function runUrl() {
  const { GITHUB_SERVER_URL: server, GITHUB_REPOSITORY: repo, GITHUB_RUN_ID: id } = process.env;
  return server && repo && id ? `${server}/${repo}/actions/runs/${id}` : '';
}

async function driftCommand(dir, extra, out, targets) {
  let worst = 0;
  const lines = [];
  for (const target of targets) {
    const r = await run(['drift', '--json', '--target', target, '--dir', dir, ...extra], {
      echoStdout: false,
    });
    await writeFile(join(out, `${target}.json`), r.stdout);
    await writeFile(join(out, `${target}.err`), r.stderr);
    await writeFile(join(out, `${target}.exit`), `${r.code}\n`);
    if (r.code === 0) lines.push(`- \`${target}\`: in sync`);
    else if (r.code === 2) {
      lines.push(`- \`${target}\`: **drifted** (the report is in the artifact)`);
      annotate('warning', `kzops drift ${target}`, `${target} has drifted`);
      if (input('fail-on-drift', 'false') === 'true') worst ||= 2;
    } else {
      lines.push(`- \`${target}\`: :x: kzops drift failed (exit ${r.code})`);
      annotate('error', `kzops drift ${target} failed (exit ${r.code})`, exitMeaning('drift', r.code));
      worst ||= r.code;
    }
  }
  await writeFile(join(out, 'targets.txt'), targets.map((t) => `${t}\n`).join(''));
  await summary(['### kzops drift', '', ...lines].join('\n'));
  return worst;
}

async function applyCommand(dir, extra, targets) {
  const expect = input('expect-fingerprint', 'none');
  if (expect !== 'none' && expect !== 'pull-request' && !/^[0-9a-f]+$/.test(expect)) {
    throw new ActionError(
      `expect-fingerprint: "none", "pull-request" or a hex fingerprint, not ${JSON.stringify(expect)}`,
    );
  }
  if (/^[0-9a-f]+$/.test(expect) && targets.length !== 1) {
    throw new ActionError(
      'expect-fingerprint is the fingerprint of one target plan: give exactly one target',
    );
  }
  let worst = 0;
  for (const target of targets) {
    const args = ['apply', '--target', target, '--dir', dir, '--yes'];
    if (expect === 'pull-request') args.push('--expect-fingerprint', await reviewedFingerprint(target));
    else if (expect !== 'none') args.push('--expect-fingerprint', expect);
    const push = input('push-state', 'false') === 'true';
    const start = push ? await git(['rev-parse', 'HEAD']) : '';
    const r = await run([...args, ...(push ? ['--commit'] : []), ...extra]);
    await summary(`### kzops apply ${target}: exit ${r.code}\n\n${fence('text', r.stdout + r.stderr)}\n`);
    if (push) await pushState(dir, target, r.code, start);
    if (r.code !== 0) {
      worst ||= r.code;
      annotate('error', `kzops apply ${target} failed (exit ${r.code})`, exitMeaning('apply', r.code));
    }
  }
  return worst;
}

function git(args) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('git', args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0
        ? resolvePromise(stdout.trim())
        : reject(new ActionError(`git ${args.join(' ')}: exit ${code}`)),
    );
  });
}

/**
 * After `kzops apply --commit`: a failed run still wrote what it did (ids, fingerprints) to
 * the state file without committing it, so commit it, and the next run builds on it; then
 * push, rebasing over the state commits other targets pushed meanwhile.
 */
async function pushState(dir, target, code, start) {
  const state = join(dir, 'state', `${target}.json`);
  if (code !== 0 && (await git(['status', '--porcelain', '--', state])) !== '') {
    await git(['add', '--', state]);
    await git([
      'commit',
      '-m',
      `kzops apply ${target}: state after a failed run (exit ${code})`,
      '--',
      state,
    ]);
  }
  if ((await git(['rev-parse', 'HEAD'])) === start) return;
  const ref = process.env.GITHUB_REF;
  for (let attempt = 1; ; attempt++) {
    try {
      await git(['push', 'origin', `HEAD:${ref}`]);
      return;
    } catch (err) {
      if (attempt === 5)
        throw new ActionError(
          `could not push the state commit of ${target} (the apply itself is done): ${err.message}`,
        );
      await new Promise((r) => setTimeout(r, attempt * 2000));
      await git(['pull', '--rebase', 'origin', ref]);
    }
  }
}

/** Joins the per-target parts found in `out` (downloaded artifacts) and posts or updates the comment. */
async function commentCommand(out) {
  const names = (await readdir(out, { recursive: true })).filter((n) => n.endsWith('.comment.md')).sort();
  const sections = [];
  for (const n of names) sections.push(await readFile(join(out, n), 'utf8'));
  const body =
    names.length > 0 || input('no-plan-reason') === ''
      ? planComment({ sha: input('sha', process.env.GITHUB_SHA ?? ''), runUrl: runUrl(), sections })
      : `${COMMENT_MARKER}\n## kzops plan\n\n:x: No plan for ${input('sha', process.env.GITHUB_SHA ?? '').slice(0, 12)}: ${input('no-plan-reason')}.\n`;
  await writeFile(join(out, 'comment.md'), body);
  await setOutput('comment-file', join(out, 'comment.md'));
  const pr = input('pull-request');
  if (pr === '') throw new ActionError('pull-request is empty: comment runs on pull requests');
  const repo = process.env.GITHUB_REPOSITORY;
  const comments = await paginate(`/repos/${repo}/issues/${pr}/comments?per_page=100`);
  const mine = comments.filter((c) => c.user?.login === BOT && (c.body ?? '').includes(COMMENT_MARKER));
  const last = mine.at(-1);
  if (last) await github(`/repos/${repo}/issues/comments/${last.id}`, { method: 'PATCH', body: { body } });
  else await github(`/repos/${repo}/issues/${pr}/comments`, { method: 'POST', body: { body } });
  return 0;
}

async function readOr(file, fallback) {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if (err.code === 'ENOENT') return fallback;
    throw err;
  }
}

/**
 * Opens, updates or closes the drift tracking issue from the reports `drift` wrote to `out`
 * (downloaded artifacts): `<target>.exit`, `.json`, `.err` for each of the `targets` input.
 * Any drift: the open issue labelled kzops-drift gets the findings (or one is opened, and the
 * label made). Every target in sync: a comment, and it is closed. Errors and no drift: the
 * state is unknown, the issue is left as it is.
 */
async function driftIssueCommand(out) {
  const targets = parseTargetList(input('targets'));
  await setOutput('targets', JSON.stringify(targets));
  const files = {};
  for (const t of targets) {
    const [exit, json, err] = await Promise.all(
      ['exit', 'json', 'err'].map((ext) => readOr(join(out, `${t}.${ext}`), '')),
    );
    files[t] = { exit, json, err };
  }
  const { sections, drifted, errors } = driftSections(targets, files);
  const repo = process.env.GITHUB_REPOSITORY;
  const open = await paginate(
    `/repos/${repo}/issues?state=open&labels=${encodeURIComponent(DRIFT_LABEL)}&per_page=100`,
  );
  // The issues API lists pull requests too.
  const issues = open.filter((i) => !i.pull_request);
  let issue = issues.find((i) => i.title === DRIFT_TITLE) ?? issues[0];
  const when = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const by = runUrl() ? `[kzops drift](${runUrl()})` : 'kzops drift';
  let what;
  if (drifted > 0) {
    const body = driftIssueBody({ runUrl: runUrl(), when, sections });
    if (issue) {
      await github(`/repos/${repo}/issues/${issue.number}`, { method: 'PATCH', body: { body } });
      what = `updated #${issue.number}`;
    } else {
      try {
        await github(`/repos/${repo}/labels/${encodeURIComponent(DRIFT_LABEL)}`);
      } catch (err) {
        if (!(err instanceof ActionError)) throw err;
        await github(`/repos/${repo}/labels`, {
          method: 'POST',
          body: { name: DRIFT_LABEL, color: 'd93f0b', description: 'Live servers differ from config/' },
        });
      }
      ({ data: issue } = await github(`/repos/${repo}/issues`, {
        method: 'POST',
        body: { title: DRIFT_TITLE, body, labels: [DRIFT_LABEL] },
      }));
      what = `opened #${issue.number}`;
    }
  } else if (errors === 0 && issue) {
    await github(`/repos/${repo}/issues/${issue.number}/comments`, {
      method: 'POST',
      body: { body: `Every target is in sync again (${by}, ${when} UTC). Closing.` },
    });
    await github(`/repos/${repo}/issues/${issue.number}`, {
      method: 'PATCH',
      body: { state: 'closed', state_reason: 'completed' },
    });
    what = `closed #${issue.number}: every target is in sync`;
  } else if (errors === 0) {
    what = 'every target is in sync, no open issue';
  } else {
    // With errors and no drift the state is unknown: the issue is left as it is.
    what = `${errors} target(s) failed and none drifted: ${issue ? `#${issue.number} left as it is` : 'no issue opened'}`;
  }
  console.log(`kzops drift issue: ${what}`);
  await summary(`### kzops drift issue\n\n${drifted} drifted, ${errors} failed: ${what}.\n`);
  await setOutput('issue', issue?.number ?? '');
  return 0;
}

export async function main(command) {
  if (!COMMANDS.includes(command)) {
    throw new ActionError(`command: one of ${COMMANDS.join(', ')}, not ${JSON.stringify(command)}`);
  }
  const dir = input('config-dir', 'config');
  const extra = splitArgs(input('args'));
  // drift-issue reads what drift wrote.
  const out = resolve(input('report-dir', command === 'drift-issue' ? 'kzops-drift' : `kzops-${command}`));
  await mkdir(out, { recursive: true });
  await setOutput('report-dir', out);
  if (command === 'targets') return targetsCommand(dir);
  if (command === 'validate') return validateCommand(dir, extra);
  if (command === 'comment') return commentCommand(out);
  if (command === 'drift-issue') return driftIssueCommand(out);
  const targets = await resolveTargets(dir);
  await setOutput('targets', JSON.stringify(targets));
  if (targets.length === 0) {
    annotate(
      'notice',
      'kzops',
      `No target to ${command}: ${dir}/targets.yaml has no server (a url other than sim).`,
    );
  }
  if (command === 'plan') return planCommand(dir, extra, out, targets);
  if (command === 'drift') return driftCommand(dir, extra, out, targets);
  return applyCommand(dir, extra, targets);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  let code;
  try {
    code = await main(process.argv[2] ?? '');
  } catch (err) {
    if (!(err instanceof ActionError)) throw err;
    annotate('error', 'kzops action', err.message);
    code = 1;
  }
  await setOutput('exit-code', code);
  process.exitCode = code;
}
