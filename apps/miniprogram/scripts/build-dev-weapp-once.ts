/**
 * npm run build:weapp:dev-once
 *
 * The development weapp exactly as `npm run dev:weapp` writes it to dist/weapp, built once: the
 * watch build, stopped when its first compilation is done. Taro has no one-shot development
 * build: without --watch it builds in webpack's production mode (minified, no prebundle), which
 * is not what developers preview on their phones. Used by `npm run check:wechat:dev`.
 */
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { buildProcessEnv } from '../config/build-process';

const appRoot = path.join(__dirname, '..');

const HELP = `Usage: npm run build:weapp:dev-once [-- --timeout <seconds>]

Runs the development watch build (taro build --type weapp --watch, NODE_ENV=development) into
dist/weapp and stops it once the first compilation is written and the watcher is idle.
Do not run it while \`npm run dev\` is running: both write dist/weapp.

  --timeout  Give up after this many seconds (default 300).
  --help     Show this help.

Exit status: 0 when the build compiled, 1 when it failed or timed out.`;

/** Taro's watch reporter prints this after every compilation, failed or not. */
const COMPILATION_DONE = /→ Watching\.\.\./;
const COMPILATION_FAILED = /✖ Errors:/;
const COMPILATION_STARTED = /Compiling/;
/**
 * When its cache is stale, the prebundle's own compilation (the dependencies) prints the same
 * line just before the app's starts: the build is done once no compilation has started for this
 * long and the app's files are newer than the build.
 */
const IDLE_MS = 3000;

function main(): Promise<number> {
  const { values } = parseArgs({ options: { timeout: { type: 'string', default: '300' }, help: { type: 'boolean', default: false } } });
  if (values.help) {
    console.log(HELP);
    return Promise.resolve(0);
  }
  const timeoutMs = Number(values.timeout) * 1000;
  const started = performance.now();
  console.log('Building the development weapp into dist/weapp (the watch build, stopped after its first compilation)...');

  const taro = spawn(process.execPath, [require.resolve('@tarojs/cli/bin/taro'), 'build', '--type', 'weapp', '--watch'], {
    cwd: appRoot,
    env: buildProcessEnv({ NODE_ENV: 'development' }),
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so that stopping it stops whatever it started.
    detached: true,
  });

  const startedAt = Date.now();
  const writtenSinceStart = () => {
    try {
      return statSync(path.join(appRoot, 'dist/weapp/app.js')).mtimeMs >= startedAt;
    } catch {
      return false;
    }
  };

  return new Promise((resolve) => {
    let failed = false;
    let idleTimer: NodeJS.Timeout | undefined;
    const finish = (code: number, message: string) => {
      clearTimeout(idleTimer);
      clearTimeout(deadline);
      taro.removeAllListeners('exit');
      if (taro.pid !== undefined && taro.exitCode === null) process.kill(-taro.pid, 'SIGTERM');
      (code === 0 ? console.log : console.error)(`${message} (${((performance.now() - started) / 1000).toFixed(1)} s)`);
      resolve(code);
    };
    const deadline = setTimeout(() => finish(1, `No finished compilation within ${values.timeout} s: stopped`), timeoutMs);

    const onLine = (line: string) => {
      if (COMPILATION_FAILED.test(line)) failed = true;
      if (COMPILATION_STARTED.test(line)) clearTimeout(idleTimer);
      if (COMPILATION_DONE.test(line)) {
        clearTimeout(idleTimer);
        idleTimer = setTimeout(() => {
          if (failed) finish(1, 'The development build failed (errors above)');
          // Otherwise only the prebundle's compilation is done, and the app's is yet to come.
          else if (writtenSinceStart()) finish(0, 'Development weapp built into dist/weapp');
        }, IDLE_MS);
      }
    };
    let partialLine = '';
    const onOutput = (chunk: Buffer) => {
      process.stdout.write(chunk);
      const lines = (partialLine + chunk.toString()).split('\n');
      partialLine = lines.pop() ?? '';
      lines.forEach(onLine);
    };
    taro.stdout.on('data', onOutput);
    taro.stderr.on('data', onOutput);
    taro.on('exit', (code) => finish(1, `The build stopped before compiling (exit code ${code ?? 'none'})`));
  });
}

void main().then((code) => process.exit(code));
