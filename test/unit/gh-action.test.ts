/**
 * The composite action (action.yml, driven by scripts/kzops-action.mjs) and the workflow
 * templates that call it. actionlint reads workflows, not action metadata: action.yml is
 * checked here (and by `npm run lint`) for declared inputs, shells and outputs. The driver runs
 * against a fake kzops that records its arguments, so each rule is seen from outside: one
 * plan run per target, the comment from that same run, outputs, summary and exit codes.
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const REPO = fileURLToPath(new URL('../..', import.meta.url));
const DRIVER = join(REPO, 'scripts', 'kzops-action.mjs');
const LINT = join(REPO, 'scripts', 'lint-workflows.mjs');
const ACTION_TEXT = await readFile(join(REPO, 'action.yml'), 'utf8');

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function node(args: string[], opts: { cwd?: string; env?: Record<string, string> } = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      args,
      { cwd: opts.cwd ?? REPO, env: { PATH: process.env.PATH ?? '', ...opts.env } },
      (err, stdout, stderr) => {
        const code = err === null ? 0 : typeof err.code === 'number' ? err.code : 1;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

/**
 * A kzops that appends its argv (JSON, one line) to $FAKE_LOG. plan: markdown with a
 * fingerprint per target, and the --out file; target `broken` exits 3. drift: target
 * `drifty` exits 2. Everything else exits 0.
 */
const FAKE_KZOPS = `#!/usr/bin/env node
const fs = require('node:fs');
const args = process.argv.slice(2);
fs.appendFileSync(process.env.FAKE_LOG, JSON.stringify(args) + '\\n');
const flag = (name) => args[args.indexOf(name) + 1];
const target = flag('--target');
if (target === 'broken') { process.stderr.write('Error: KZOPS_BROKEN_KEY is not set\\n'); process.exit(3); }
if (args[0] === 'plan') {
  fs.writeFileSync(flag('--out'), JSON.stringify({ version: 1, target }));
  const hex = Buffer.from(target).toString('hex');
  process.stdout.write('**' + target + '**: 0 to create, 1 to update, 0 to replace, 0 to delete\\n\\n' +
    'Plan fingerprint: \`' + hex + '\`\\n<!-- kzops-plan-fingerprint: ' + target + ' ' + hex + ' -->\\n');
} else if (args[0] === 'drift') {
  process.stdout.write(JSON.stringify({ target, findings: [] }));
  if (target === 'drifty') process.exit(2);
} else {
  process.stdout.write(args[0] + ' done\\n');
}
`;

let work: string;
let fake: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'kzops-action-'));
  fake = join(work, 'kzops');
  await writeFile(fake, FAKE_KZOPS);
  await chmod(fake, 0o755);
});

afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

let runs = 0;

/** Runs the driver in a fresh directory; returns its outputs, summary and kzops' argv lists. */
function action(command: string, inputs: Record<string, string>) {
  return actionIn(command, inputs);
}

/** `action`, with files put in the directory first (paths relative to it). */
async function actionIn(
  command: string,
  inputs: Record<string, string>,
  files0: Record<string, string> = {},
) {
  const dir = join(work, `run${++runs}`);
  await mkdir(dir);
  for (const [path, text] of Object.entries(files0)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  const files = { output: join(dir, 'output'), summary: join(dir, 'summary'), log: join(dir, 'log') };
  for (const f of Object.values(files)) await writeFile(f, '');
  const env: Record<string, string> = {
    KZOPS_BIN: fake,
    KZOPS_HOME: REPO,
    FAKE_LOG: files.log,
    GITHUB_OUTPUT: files.output,
    GITHUB_STEP_SUMMARY: files.summary,
    GITHUB_SHA: '0123456789abcdef0123456789abcdef01234567',
  };
  for (const k of ['GITHUB_API_URL', 'GITHUB_REPOSITORY']) {
    const v = process.env[k];
    if (v !== undefined) env[k] = v;
  }
  for (const [k, v] of Object.entries(inputs)) env[`INPUT_${k.toUpperCase().replace(/-/g, '_')}`] = v;
  const run = await node([DRIVER, command], { cwd: dir, env });
  const outputs: Record<string, string> = {};
  const text = await readFile(files.output, 'utf8');
  for (const m of text.matchAll(/^([\w-]+)<<(\S+)\n([\s\S]*?)\n\2$/gm)) outputs[m[1] ?? ''] = m[3] ?? '';
  const calls = (await readFile(files.log, 'utf8'))
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as string[]);
  return { run, dir, outputs, calls, summary: await readFile(files.summary, 'utf8') };
}

describe('action.yml', () => {
  const doc = parse(ACTION_TEXT) as {
    inputs: Record<string, { description: string; default?: string }>;
    outputs: Record<string, { value: string }>;
    runs: { using: string; steps: { run?: string; shell?: string; env?: Record<string, string> }[] };
  };

  it('is a composite action whose every run step has a shell', () => {
    expect(doc.runs.using).toBe('composite');
    const runSteps = doc.runs.steps.filter((s) => s.run !== undefined);
    expect(runSteps.length).toBeGreaterThan(0);
    for (const s of runSteps) expect(s.shell).toBe('bash');
  });

  it('declares every input it uses, and passes the driver each one it reads', async () => {
    const used = [...ACTION_TEXT.matchAll(/\binputs\.([\w-]+)/g)].map((m) => m[1] ?? '');
    for (const name of used) expect(Object.keys(doc.inputs), name).toContain(name);
    // Every input('x') the driver reads arrives as INPUT_X in the run step's env.
    const driver = await readFile(DRIVER, 'utf8');
    const read = new Set([...driver.matchAll(/\binput\('([\w-]+)'/g)].map((m) => m[1] ?? ''));
    expect(read.size).toBeGreaterThan(5);
    const env = doc.runs.steps.find((s) => s.run?.includes('kzops-action.mjs'))?.env ?? {};
    for (const name of read) {
      const key = `INPUT_${name.toUpperCase().replace(/-/g, '_')}`;
      expect(env[key], key).toBe(`\${{ inputs.${name} }}`);
    }
  });

  it('takes every output from the driver step', () => {
    for (const [name, o] of Object.entries(doc.outputs)) {
      expect(o.value, name).toBe(`\${{ steps.run.outputs.${name} }}`);
    }
  });

  it('the lint script passes it and catches an undeclared input, a missing shell, a missing script', async () => {
    expect((await node([LINT, 'action.yml'])).code).toBe(0);
    const broken = ACTION_TEXT.replace('${{ inputs.args }}', '${{ inputs.argz }}')
      .replace('      shell: bash\n      working-directory', '      working-directory')
      .replace('scripts/kzops-action.mjs', 'scripts/gone.mjs');
    const file = join(work, 'action.yml');
    await writeFile(file, broken);
    const run = await node([LINT, file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('inputs.argz is used but not declared under inputs:');
    expect(run.stderr).toContain('step 3 (kzops ${{ inputs.command }}): a run step needs shell:');
    expect(run.stderr).toContain('runs scripts/gone.mjs, which does not exist');
    // Only what was broken: the declared inputs and the outputs are still fine.
    expect(run.stderr.trim().split('\n')).toHaveLength(3);
  });
});

describe('the driver', () => {
  it('plan: one kzops run per target gives both the saved plan and the comment', async () => {
    const { run, dir, outputs, calls, summary } = await action('plan', {
      targets: 'east, west',
      'report-dir': 'out',
    });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const out = join(dir, 'out');
    expect(calls).toEqual(
      ['east', 'west'].map((t) => [
        'plan',
        '--target',
        t,
        '--dir',
        'config',
        '--format',
        'markdown',
        '--max-chars',
        '30000',
        '--out',
        join(out, `${t}.plan.json`),
      ]),
    );
    expect(JSON.parse(await readFile(join(out, 'east.plan.json'), 'utf8'))).toEqual({
      version: 1,
      target: 'east',
    });
    const comment = await readFile(join(out, 'comment.md'), 'utf8');
    expect(comment.startsWith('<!-- kzops-plan -->\n## kzops plan\n\nFor 0123456789ab.')).toBe(true);
    expect(comment).toContain('<!-- kzops-plan-fingerprint: east 65617374 -->');
    expect(comment).toContain('<!-- kzops-plan-fingerprint: west 77657374 -->');
    expect(summary).toBe(comment);
    expect(await readFile(join(out, 'west.comment.md'), 'utf8')).toContain('**west**');
    expect(JSON.parse(outputs.fingerprints ?? '')).toEqual({ east: '65617374', west: '77657374' });
    expect(outputs['exit-code']).toBe('0');
    expect(outputs.fingerprint).toBeUndefined();
  });

  it('plan of one target: its fingerprint as an output; max-chars and args passed on', async () => {
    const { run, outputs, calls } = await action('plan', {
      targets: 'east',
      'max-chars': '5000',
      args: `--concurrency 2 --note "two words" 'it''s' a\\ b`,
    });
    expect(run.code, run.stderr).toBe(0);
    expect(outputs.fingerprint).toBe('65617374');
    const call = calls[0] ?? [];
    expect(call.slice(7, 9)).toEqual(['--max-chars', '5000']);
    expect(call.slice(11)).toEqual(['--concurrency', '2', '--note', 'two words', 'its', 'a b']);
  });

  it('plan: a failed target is in the comment with its error, and fails the step with its exit code', async () => {
    const { run, dir, outputs } = await action('plan', { targets: 'broken east' });
    expect(run.code).toBe(3);
    expect(outputs['exit-code']).toBe('3');
    expect(run.stdout).toContain('::error title=kzops plan broken failed (exit 3)::invalid configuration');
    const comment = await readFile(join(dir, 'kzops-plan', 'comment.md'), 'utf8');
    expect(comment).toContain('### :x: `broken`: kzops plan failed (exit 3)');
    expect(comment).toContain('KZOPS_BROKEN_KEY is not set');
    expect(comment).toContain('**east**');
    expect(JSON.parse(outputs.fingerprints ?? '')).toEqual({ east: '65617374' });
  });

  it('targets: the servers of targets.yaml (not sim), and the comment share of each', async () => {
    const dir = join(work, 'cfg');
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'targets.yaml'),
      'default: local\ntargets:\n  local:\n    url: sim\n  prod:\n    url: https://a.example\n  lab:\n    url: https://b.example\n',
    );
    const { run, outputs, calls } = await action('targets', { 'config-dir': dir });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(outputs.targets ?? '')).toEqual(['prod', 'lab']);
    expect(outputs['max-chars']).toBe('30000');
    expect(calls).toEqual([]);
    // Given targets win over the file, and are checked.
    expect(JSON.parse((await action('targets', { targets: 'a\nb,a' })).outputs.targets ?? '')).toEqual([
      'a',
      'b',
    ]);
    const bad = await action('targets', { targets: 'Prod;rm' });
    expect(bad.run.code).toBe(1);
    expect(bad.run.stdout).toContain('targets: not a target name: "Prod;rm"');
  });

  it('drift: a drifted target warns and passes unless fail-on-drift; a failed one fails', async () => {
    const ok = await action('drift', { targets: 'drifty east', 'report-dir': 'd' });
    expect(ok.run.code).toBe(0);
    expect(ok.run.stdout).toContain('::warning title=kzops drift drifty::drifty has drifted');
    expect(await readFile(join(ok.dir, 'd', 'drifty.exit'), 'utf8')).toBe('2\n');
    expect(JSON.parse(await readFile(join(ok.dir, 'd', 'east.json'), 'utf8'))).toEqual({
      target: 'east',
      findings: [],
    });
    expect(ok.summary).toContain('- `drifty`: **drifted**');
    expect(ok.calls[0]).toEqual(['drift', '--json', '--target', 'drifty', '--dir', 'config']);
    expect((await action('drift', { targets: 'drifty', 'fail-on-drift': 'true' })).run.code).toBe(2);
    expect((await action('drift', { targets: 'broken east' })).run.code).toBe(3);
  });

  it('apply: --yes and the fingerprint given; a fingerprint needs exactly one target', async () => {
    const one = await action('apply', {
      targets: 'east',
      'expect-fingerprint': 'abc123',
      args: '--allow-deletes',
    });
    expect(one.run.code, one.run.stdout).toBe(0);
    expect(one.calls).toEqual([
      [
        'apply',
        '--target',
        'east',
        '--dir',
        'config',
        '--yes',
        '--expect-fingerprint',
        'abc123',
        '--allow-deletes',
      ],
    ]);
    expect(one.summary).toContain('### kzops apply east: exit 0');
    const two = await action('apply', { targets: 'east west', 'expect-fingerprint': 'abc123' });
    expect(two.run.code).toBe(1);
    expect(two.calls).toEqual([]);
    expect(two.run.stdout).toContain('give exactly one target');
    const bad = await action('apply', { targets: 'east', 'expect-fingerprint': 'latest' });
    expect(bad.run.code).toBe(1);
    expect(bad.calls).toEqual([]);
  });

  it('validate: github annotations, and a summary line', async () => {
    const { run, calls, summary } = await action('validate', { 'config-dir': 'cfg' });
    expect(run.code).toBe(0);
    expect(calls).toEqual([['validate', '--format', 'github', '--dir', 'cfg']]);
    expect(summary).toContain('kzops validate: the config is valid');
  });

  it('refuses an unknown command and an unclosed quote in args', async () => {
    const unknown = await action('destroy', {});
    expect(unknown.run.code).toBe(1);
    expect(unknown.run.stdout).toContain(
      'command: one of targets, validate, plan, apply, drift, comment, drift-issue',
    );
    const quote = await action('validate', { args: '--x "open' });
    expect(quote.run.code).toBe(1);
    expect(quote.run.stdout).toContain('args: unclosed " quote');
    expect(quote.calls).toEqual([]);
  });
});

describe('the driver and the GitHub API', () => {
  /** A GitHub API with one pull request (#7, merged from SHA), its comments, paged by 2. */
  const SHA = '0123456789abcdef0123456789abcdef01234567';
  const BOT = 'github-actions[bot]';
  let server: Server;
  let api: string;
  let comments: { id: number; user: { login: string }; body: string }[];
  /** Issues (and a pull request, as the issues API lists them), labels, comments on issues. */
  interface Issue {
    number: number;
    title: string;
    body: string;
    state: string;
    state_reason?: string;
    labels: { name: string }[];
    pull_request?: object;
  }
  let issues: Issue[] = [];
  let labels: { name: string; color: string; description: string }[] = [];
  const issueComments: { issue: number; body: string }[] = [];
  const requests: { method: string; url: string; auth: string; body: string }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', api);
        requests.push({
          method: req.method ?? '',
          url: url.pathname + url.search,
          auth: req.headers.authorization ?? '',
          body,
        });
        const json = (status: number, data: unknown, link?: string) => {
          res.writeHead(status, { 'content-type': 'application/json', ...(link ? { link } : {}) });
          res.end(JSON.stringify(data));
        };
        if (url.pathname === `/repos/o/r/commits/${SHA}/pulls`)
          return json(200, [{ number: 7, merged_at: '2026-01-01T00:00:00Z' }]);
        if (url.pathname === '/repos/o/r/issues/7/comments' && req.method === 'GET') {
          const page = Number(url.searchParams.get('page') ?? '1');
          const next =
            page * 2 < comments.length
              ? `<${api}/repos/o/r/issues/7/comments?per_page=100&page=${page + 1}>; rel="next"`
              : undefined;
          return json(200, comments.slice((page - 1) * 2, page * 2), next);
        }
        if (url.pathname === '/repos/o/r/issues/7/comments' && req.method === 'POST') {
          const c = {
            id: 100 + comments.length,
            user: { login: BOT },
            body: (JSON.parse(body) as { body: string }).body,
          };
          comments.push(c);
          return json(201, c);
        }
        if (url.pathname === '/repos/o/r/issues' && req.method === 'GET') {
          const label = url.searchParams.get('labels') ?? '';
          const state = url.searchParams.get('state') ?? 'open';
          const found = issues.filter(
            (i) => i.state === state && (label === '' || i.labels.some((l) => l.name === label)),
          );
          const page = Number(url.searchParams.get('page') ?? '1');
          const next =
            page * 2 < found.length
              ? `<${api}/repos/o/r/issues?${url.searchParams.toString()}&page=${page + 1}>; rel="next"`
              : undefined;
          return json(200, found.slice((page - 1) * 2, page * 2), next);
        }
        if (url.pathname === '/repos/o/r/issues' && req.method === 'POST') {
          const b = JSON.parse(body) as { title: string; body: string; labels: string[] };
          const issue = {
            number: 20 + issues.length,
            title: b.title,
            body: b.body,
            state: 'open',
            labels: b.labels.map((name) => ({ name })),
          };
          issues.push(issue);
          return json(201, issue);
        }
        const issueUrl = /^\/repos\/o\/r\/issues\/(\d+)(\/comments)?$/.exec(url.pathname);
        if (issueUrl && issueUrl[1] !== '7') {
          const issue = issues.find((i) => i.number === Number(issueUrl[1]));
          if (!issue) return json(404, { message: 'Not Found' });
          if (issueUrl[2] && req.method === 'POST') {
            issueComments.push({ issue: issue.number, body: (JSON.parse(body) as { body: string }).body });
            return json(201, {});
          }
          if (!issueUrl[2] && req.method === 'PATCH') {
            Object.assign(issue, JSON.parse(body));
            return json(200, issue);
          }
        }
        const label = /^\/repos\/o\/r\/labels\/([^/]+)$/.exec(url.pathname);
        if (label && req.method === 'GET') {
          const l = labels.find((x) => x.name === decodeURIComponent(label[1] ?? ''));
          return json(l ? 200 : 404, l ?? { message: 'Not Found' });
        }
        if (url.pathname === '/repos/o/r/labels' && req.method === 'POST') {
          const l = JSON.parse(body) as (typeof labels)[number];
          labels.push(l);
          return json(201, l);
        }
        const patch = /^\/repos\/o\/r\/issues\/comments\/(\d+)$/.exec(url.pathname);
        if (patch && req.method === 'PATCH') {
          const c = comments.find((x) => x.id === Number(patch[1]));
          if (c) c.body = (JSON.parse(body) as { body: string }).body;
          return json(c ? 200 : 404, c ?? {});
        }
        json(404, { message: 'Not Found' });
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = server.address();
    api = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  });

  afterAll(async () => {
    await new Promise((r) => server.close(r));
  });

  const env = () => ({ 'github-token': 'gh-token-x', 'pull-request': '7', sha: SHA });
  const withApi = async (command: string, inputs: Record<string, string>, parts?: Record<string, string>) => {
    process.env.GITHUB_API_URL = api;
    process.env.GITHUB_REPOSITORY = 'o/r';
    try {
      return await actionIn(command, inputs, parts);
    } finally {
      delete process.env.GITHUB_API_URL;
      delete process.env.GITHUB_REPOSITORY;
    }
  };

  it("comment: joins the targets' parts, posts one comment, then edits that one (not a look-alike)", async () => {
    comments = [
      { id: 1, user: { login: 'someone' }, body: '<!-- kzops-plan --> not the bot' },
      { id: 2, user: { login: BOT }, body: 'unrelated' },
      { id: 3, user: { login: 'someone' }, body: 'hi' },
    ];
    const parts = {
      'parts/kzops-plan-west/west.comment.md': '**west**: no changes\n',
      'parts/kzops-plan-east/east.comment.md': '**east**: 1 to create\n',
    };
    const first = await withApi('comment', { ...env(), 'report-dir': 'parts' }, parts);
    expect(first.run.code, first.run.stdout).toBe(0);
    expect(comments).toHaveLength(4);
    const posted = comments[3]?.body ?? '';
    expect(posted.startsWith(`<!-- kzops-plan -->\n## kzops plan\n\nFor ${SHA.slice(0, 12)}.`)).toBe(true);
    expect(posted.indexOf('**east**')).toBeLessThan(posted.indexOf('**west**'));
    expect(requests.every((r) => r.auth === 'Bearer gh-token-x')).toBe(true);
    expect(first.run.stdout).not.toContain('gh-token-x');

    const second = await withApi('comment', {
      ...env(),
      'report-dir': 'none',
      'no-plan-reason': 'the config is invalid',
    });
    expect(second.run.code, second.run.stdout).toBe(0);
    expect(comments).toHaveLength(4);
    expect(comments[3]?.body).toBe(
      `<!-- kzops-plan -->\n## kzops plan\n\n:x: No plan for ${SHA.slice(0, 12)}: the config is invalid.\n`,
    );
    expect(comments[0]?.body).toBe('<!-- kzops-plan --> not the bot');
  });

  it('apply: expect-fingerprint pull-request reads the bot comment of the merged pull request', async () => {
    comments = [
      {
        id: 1,
        user: { login: 'someone' },
        body: '<!-- kzops-plan -->\n<!-- kzops-plan-fingerprint: east 666666 -->',
      },
      {
        id: 2,
        user: { login: BOT },
        body: '<!-- kzops-plan -->\n<!-- kzops-plan-fingerprint: east aaaa -->',
      },
      {
        id: 3,
        user: { login: BOT },
        body: '<!-- kzops-plan -->\n<!-- kzops-plan-fingerprint: east bbbb -->',
      },
    ];
    const ok = await withApi('apply', { ...env(), targets: 'east', 'expect-fingerprint': 'pull-request' });
    expect(ok.run.code, ok.run.stdout).toBe(0);
    expect(ok.calls).toEqual([
      ['apply', '--target', 'east', '--dir', 'config', '--yes', '--expect-fingerprint', 'bbbb'],
    ]);
    expect(ok.run.stdout).toContain('Applying the plan reviewed on #7: fingerprint bbbb');
    // No plan for the target in the comment: nothing is applied.
    const none = await withApi('apply', { ...env(), targets: 'west', 'expect-fingerprint': 'pull-request' });
    expect(none.run.code).toBe(1);
    expect(none.calls).toEqual([]);
    expect(none.run.stdout).toContain('has no plan for west');
  });
  /** A drift report as `kzops drift --json` writes it, and the files the drift job keeps. */
  const DRIFTED = {
    target: 'prod',
    in_sync: false,
    findings: [
      {
        class: 'changed_outside',
        kind: 'media_servers',
        key: 'ny2',
        id: 'abc',
        name: 'NY | 2 <b>@ops</b>',
        fields: [
          { path: 'ip', before: '10.0.0.1', after: '10.0.0.2' },
          { path: 'password', sensitive: true, changes: true, before: 'hunter2', after: 'hunter3' },
        ],
      },
      { class: 'unmanaged', kind: 'carrier_sbcs', id: 'zz9', name: 'stray' },
      { class: 'unknown_baseline', kind: 'clusters', key: 'c1' },
    ],
    summary: {},
  };
  const report = (target: string, exit: number, json: unknown = { target, findings: [] }, err = '') => ({
    [`kzops-drift/${target}.exit`]: `${exit}\n`,
    [`kzops-drift/${target}.json`]: JSON.stringify(json),
    [`kzops-drift/${target}.err`]: err,
  });
  const driftIssue = (targets: string[], files: Record<string, string>) =>
    withApi(
      'drift-issue',
      { 'github-token': 'gh-token-x', targets: JSON.stringify(targets), 'report-dir': 'kzops-drift' },
      files,
    );
  const mine = () => issues.filter((i) => !i.pull_request);

  it('drift-issue: a drift opens the issue (and makes the label), then updates that one', async () => {
    issues = [
      // A pull request with the label: the issues API lists it, it is not the issue.
      {
        number: 5,
        title: 'kzops drift: the live servers differ from config/',
        body: '',
        state: 'open',
        labels: [{ name: 'kzops-drift' }],
        pull_request: {},
      },
    ];
    labels = [];
    issueComments.length = 0;
    const first = await driftIssue(['prod', 'lab'], { ...report('prod', 2, DRIFTED), ...report('lab', 0) });
    expect(first.run.code, first.run.stdout).toBe(0);
    expect(labels).toEqual([
      { name: 'kzops-drift', color: 'd93f0b', description: 'Live servers differ from config/' },
    ]);
    expect(mine()).toHaveLength(1);
    const issue = mine()[0];
    expect(issue?.title).toBe('kzops drift: the live servers differ from config/');
    expect(issue?.labels).toEqual([{ name: 'kzops-drift' }]);
    expect(first.outputs.issue).toBe(String(issue?.number));
    const body = issue?.body ?? '';
    expect(body.startsWith('<!-- kzops-drift -->\nFound by kzops drift at ')).toBe(true);
    expect(body).toContain('### `prod`: 2 finding(s)');
    expect(body).not.toContain('`lab`');
    expect(body).not.toContain('clusters/c1');
    // The cell text cannot break the table, write HTML or mention anyone; a secret shows no value.
    expect(body).toContain(
      '| changed_outside | `media_servers/ny2` | NY \\| 2 &lt;b&gt;@&#8203;ops&lt;/b&gt; | ' +
        'ip: `"10.0.0.1"` → `"10.0.0.2"`<br>password: (sensitive, changes) |',
    );
    expect(body).toContain('| unmanaged | `carrier_sbcs/id:zz9` | stray |  |');
    expect(body).not.toContain('<b>');
    expect(body).not.toContain('hunter');
    expect(first.run.stdout).not.toContain('gh-token-x');

    // The next night, still drifted: the same issue gets the new findings, no second issue.
    const next = { ...DRIFTED, findings: [DRIFTED.findings[1]] };
    const second = await driftIssue(['prod'], report('prod', 2, next));
    expect(second.run.code, second.run.stdout).toBe(0);
    expect(mine()).toHaveLength(1);
    expect(labels).toHaveLength(1);
    expect(mine()[0]?.body).toContain('### `prod`: 1 finding(s)');
    expect(mine()[0]?.body).not.toContain('ny2');
    expect(second.outputs.issue).toBe(first.outputs.issue);
    expect(issueComments).toEqual([]);
  });

  it('drift-issue: a failed target with no drift leaves the issue; one without a report is failed', async () => {
    const before = JSON.stringify(issues);
    const failed = await driftIssue(['prod', 'lab'], {
      ...report('prod', 0),
      ...report('lab', 3, '', 'Error: KZOPS_LAB_API_KEY is not set\n'),
    });
    expect(failed.run.code, failed.run.stdout).toBe(0);
    expect(JSON.stringify(issues)).toBe(before);
    expect(issueComments).toEqual([]);
    expect(failed.outputs.issue).toBe(String(mine()[0]?.number));
    // `gone` wrote no report: its state is unknown, so the issue stays open.
    const missing = await driftIssue(['prod', 'gone'], report('prod', 0));
    expect(missing.run.code, missing.run.stdout).toBe(0);
    expect(JSON.stringify(issues)).toBe(before);
    expect(missing.summary).toContain('0 drifted, 1 failed');
    // With drift too, the failed target is in the issue with its error.
    const both = await driftIssue(['prod', 'lab', 'gone'], {
      ...report('prod', 2, DRIFTED),
      ...report('lab', 3, '', 'Error: KZOPS_LAB_API_KEY is not set\n'),
    });
    expect(both.run.code, both.run.stdout).toBe(0);
    const body = mine()[0]?.body ?? '';
    expect(body).toContain('### :warning: `lab`: kzops drift failed (exit 3)');
    expect(body).toContain('KZOPS_LAB_API_KEY is not set');
    expect(body).toContain('### :warning: `gone`: kzops drift failed (exit ?)');
    expect(mine()).toHaveLength(1);
  });

  it('drift-issue: every target in sync closes the issue with a comment', async () => {
    const number = mine()[0]?.number ?? 0;
    const ok = await driftIssue(['prod', 'lab'], { ...report('prod', 0), ...report('lab', 0) });
    expect(ok.run.code, ok.run.stdout).toBe(0);
    expect(mine()[0]?.state).toBe('closed');
    expect(mine()[0]?.state_reason).toBe('completed');
    expect(issueComments).toEqual([
      {
        issue: number,
        body: expect.stringMatching(
          /^Every target is in sync again \(kzops drift, .* UTC\)\. Closing\.$/,
        ) as string,
      },
    ]);
    expect(ok.outputs.issue).toBe(String(number));
    // No open issue and nothing drifted: nothing to do.
    const again = await driftIssue(['prod'], report('prod', 0));
    expect(again.run.code).toBe(0);
    expect(again.outputs.issue).toBe('');
    expect(issueComments).toHaveLength(1);
    expect(mine()).toHaveLength(1);
  });

  it('drift-issue: the targets are checked, and it needs a token', async () => {
    const bad = await driftIssue(['../x'], {});
    expect(bad.run.code).toBe(1);
    expect(bad.run.stdout).toContain('targets: not a target name: "../x"');
    const noToken = await withApi('drift-issue', { targets: '["prod"]' }, report('prod', 2, DRIFTED));
    expect(noToken.run.code).toBe(1);
    expect(noToken.run.stdout).toContain('github-token is empty');
  });
});

describe('the workflow templates call the action', () => {
  const TEMPLATES = join(REPO, '.github', 'workflow-templates');
  type Job = {
    uses?: string;
    strategy?: { matrix?: { target?: string } };
    concurrency?: { group: string; 'cancel-in-progress': boolean };
    permissions?: Record<string, string>;
    steps?: { uses?: string; run?: string; with?: Record<string, string> }[];
  };
  const load = async (name: string) =>
    parse(await readFile(join(TEMPLATES, name), 'utf8')) as { jobs: Record<string, Job> };
  const actionSteps = (job: Job | undefined) => (job?.steps ?? []).filter((s) => s.uses === 'kzops/kzops@v0');

  it('no template runs kzops itself: every kzops step is the action', async () => {
    for (const name of (await readdir(TEMPLATES)).filter((n) => n.endsWith('.yml'))) {
      const text = await readFile(join(TEMPLATES, name), 'utf8');
      expect(text, name).not.toMatch(/^\s*(run: )?kzops /m);
      expect(text, name).not.toContain('npm install -g');
    }
  });

  it('pr: validate, a plan job per target (one action run each), one comment', async () => {
    const { jobs } = await load('kzops-pr.yml');
    expect(actionSteps(jobs.validate).map((s) => s.with?.command)).toEqual(['validate', 'targets']);
    expect(jobs.plan?.strategy?.matrix?.target).toBe('${{ fromJSON(needs.validate.outputs.targets) }}');
    const plans = actionSteps(jobs.plan);
    expect(plans.map((s) => s.with?.command)).toEqual(['plan']);
    expect(plans[0]?.with?.targets).toBe('${{ matrix.target }}');
    expect(plans[0]?.with?.['max-chars']).toBe('${{ needs.validate.outputs.max-chars }}');
    expect(actionSteps(jobs.comment).map((s) => s.with?.command)).toEqual(['comment']);
  });

  it('apply: a job per target, its own concurrency group, never cancelled; the reviewed fingerprint', async () => {
    const { jobs } = await load('kzops-apply.yml');
    expect(jobs.apply?.strategy?.matrix?.target).toBe('${{ fromJSON(needs.targets.outputs.targets) }}');
    expect(jobs.apply?.concurrency).toEqual({
      group: 'kzops-apply-${{ matrix.target }}',
      'cancel-in-progress': false,
    });
    const [apply] = actionSteps(jobs.apply);
    expect(apply?.with?.command).toBe('apply');
    expect(apply?.with?.['expect-fingerprint']).toContain("'pull-request'");
    expect(apply?.with?.['push-state']).toBe('true');
  });

  it('drift: a job per target on a schedule, then one issue job', async () => {
    const wf = (await load('kzops-drift.yml')) as unknown as {
      on: { schedule: unknown[] };
      jobs: Record<string, Job>;
    };
    expect(wf.on.schedule).toHaveLength(1);
    expect(wf.jobs.drift?.strategy?.matrix?.target).toBe('${{ fromJSON(needs.targets.outputs.targets) }}');
    expect(wf.jobs.drift?.concurrency?.group).toBe('kzops-drift-${{ matrix.target }}');
    expect(actionSteps(wf.jobs.drift).map((s) => s.with?.command)).toEqual(['drift']);
    // The issue job is the action too: no script of its own, and the permission it needs.
    expect(wf.jobs.issue?.steps?.some((s) => s.uses === 'actions/github-script@v7')).toBe(false);
    const [issue] = actionSteps(wf.jobs.issue);
    expect(issue?.with).toEqual({
      command: 'drift-issue',
      'report-dir': 'kzops-drift',
      targets: '${{ needs.targets.outputs.targets }}',
      'github-token': '${{ github.token }}',
    });
    expect(wf.jobs.issue?.permissions).toEqual({ contents: 'read', issues: 'write' });
  });
});
