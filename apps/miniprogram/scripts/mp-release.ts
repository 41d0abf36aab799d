/**
 * npm run mp:preview -- --mode <mode> [options]
 * npm run mp:upload -- --mode <mode> --version <x.y.z> [--desc "<text>"] [options]
 *
 * Builds the weapp of a mode, checks it offline with WeChat's own compiler (miniprogram-ci: the
 * compile, the 2048 KiB package cap, the package analysis), then previews it (the QR code written
 * to a file) or uploads it as a development version, signed with the code upload key
 * (MP_PRIVATE_KEY_PATH) as the mode's robot. Everything that can be refused is refused before the
 * build starts. --dry-run does all of it but contacting WeChat.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { BuildEnvError, domainProblems, loadBuildEnv } from '../config/build-env';
import { buildProcessEnv } from '../config/build-process';
import { builtAppId, withMiniprogramCi, type CiSession } from '../config/miniprogram-ci';
import { kib } from '../config/size-report';
import {
  IP_ALLOW_LIST_STEPS,
  readUploadKey,
  UPLOAD_KEY_STEPS,
  UPLOAD_KEY_VARIABLE,
  uploadKeyPathFromEnvironment,
} from '../config/upload-key';
import {
  checkRobot,
  checkVersion,
  envFileModes,
  hasEnvFile,
  defaultDescription,
  ROBOTS,
  weappBuild,
  weappOutputRoot,
  type WeappBuild,
} from '../config/weapp-release';
import { checkWithWeChat, displayPath, formatCheckReport, isDevelopmentBuild, missingBuildMessage } from '../config/wechat-check';
import { MAIN_PACKAGE } from '../config/wechat-package-size';

const appRoot = path.join(__dirname, '..');
/** Paths are shown relative to where the command was started (miniprogram-ci runs elsewhere). */
const startedIn = process.cwd();
const shown = (file: string) => displayPath(file, startedIn);

const HELP = `Usage: npm run mp:preview -- --mode <mode> [options]
       npm run mp:upload -- --mode <mode> --version <x.y.z> [--desc "<text>"] [options]

Builds the weapp of a mode, checks it offline with WeChat's own compiler (miniprogram-ci: the
compile, each package within the 2048 KiB cap, every reference between files resolving), then
  mp:preview  sends it to WeChat for a preview and writes the QR code to scan to a file;
  mp:upload   uploads it as a development version (开发版) with a version number and a note.
Everything that can be refused (flags, key, appid, domains) is refused before the build starts.

Modes: the robot that signs, the build and its folder (in apps/miniprogram)
(WeChat lists each robot as an uploader, ci机器人N, and keeps each one's latest upload as a 开发版):
  development   robot ${ROBOTS.development}  the dev build as npm run dev writes it (not minified) → dist/weapp
  production    robot ${ROBOTS.production}  taro build --type weapp, the release build → dist/weapp
                         It refuses placeholder domains: put your registered domains in
                         apps/miniprogram/.env.production.local (in CI, write it from secrets).
  check, <m>    robot ${ROBOTS.other}  taro build --type weapp --mode <m> (.env.<m>) → dist/weapp-<m>
                         check builds from the placeholder domains: fine to try the flow,
                         useless on a phone.
Both standard modes build into dist/weapp: stop npm run dev first. A development build reaches
http://127.0.0.1 unless .env.development.local points at your machine's LAN address; on the phone,
the preview's ··· menu → 开发调试 lifts the domain check for plain http.

Options:
  --mode <mode>       The build mode (required): development, production, or one with a .env.<mode>.
  --version <x.y.z>   mp:upload: the version WeChat shows in 版本管理 (required).
  --desc <text>       The note WeChat shows beside it (default: the last commit's subject).
  --robot <1-30>      Sign as this robot instead of the mode's.
  --qr <file>         mp:preview: where to write the QR code (default dist/preview-qr-<mode>.jpg).
  --skip-build        Use the mode's folder as it is (built earlier, say by a CI step).
  --dir <folder>      Use this built weapp folder (implies --skip-build).
  --dry-run           Everything but contacting WeChat: validate, build, compile offline and check
                      the sizes; says so at the end. Needs the key and the appid all the same.
  --verbose           Print miniprogram-ci's own log lines.
  --help              Show this help.
Relative paths (--qr, --dir, ${UPLOAD_KEY_VARIABLE}) start from apps/miniprogram, where npm runs it.

Environment:
  ${UPLOAD_KEY_VARIABLE}   The code upload key file (private.<appid>.key); required, --dry-run too.
  TARO_APP_ID           The app's appid (wx + 16 hex: 开发管理 → 开发设置 → AppID), in the environment
                        or apps/miniprogram/.env.<mode>.local; the tourist appid can neither preview
                        nor upload.

Once, in the admin console (mp.weixin.qq.com, signed in as the app's administrator):
  1. ${UPLOAD_KEY_STEPS}: download the key file (private.<appid>.key).
     WeChat keeps no copy (a lost key must be reset there, which voids the old one); keep it out
     of the repository (a secret in CI) and point ${UPLOAD_KEY_VARIABLE} at it.
  2. ${IP_ALLOW_LIST_STEPS}: add the public IP address of every machine
     that runs this, the CI runner included; WeChat refuses others ("invalid ip"). Turning the
     allow-list off works, but then the key alone is enough to upload.
  3. Preview QR codes open only for the app's members with developer rights (成员管理). After
     mp:upload the version is in 版本管理 → 开发版本: make it the 体验版 or 提交审核 there.

Exit status: 0 when done (or dry run passed), 1 when refused or failed (the message says whether
anything reached WeChat).`;

type Command = 'preview' | 'upload';

/** What differs between the two commands: a preview writes a QR code, an upload names a version. */
type ReleaseTarget =
  | {
      command: 'preview';
      /** Where the QR code goes (absolute). */
      qr: string;
    }
  | {
      command: 'upload';
      /** x.y.z. */
      version: string;
    };

type Release = ReleaseTarget & {
  mode: string;
  robot: number;
  desc: string;
  appId: string;
  keyPath: string;
  /** The built folder (absolute). */
  dir: string;
  /** How to build it; null when it is used as it is. */
  build: WeappBuild | null;
  dryRun: boolean;
};

const OPTIONS = {
  mode: { type: 'string' },
  version: { type: 'string' },
  desc: { type: 'string' },
  robot: { type: 'string' },
  qr: { type: 'string' },
  'skip-build': { type: 'boolean', default: false },
  dir: { type: 'string' },
  'dry-run': { type: 'boolean', default: false },
  verbose: { type: 'boolean', default: false },
  help: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

/** The release the flags and the environment ask for, or one line per thing to fix. Starts nothing. */
function planRelease(command: Command, values: Values): { ok: true; release: Release } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const script = `npm run mp:${command}`;
  const mode = values.mode;
  if (mode === undefined) {
    return { ok: false, problems: [`--mode is required: ${script} -- --mode <${envFileModes(appRoot).join('|')}>.`] };
  }
  if (mode !== 'development' && mode !== 'production' && !hasEnvFile(appRoot, mode)) {
    const modes = envFileModes(appRoot).join(', ');
    return {
      ok: false,
      problems: [`--mode ${mode}: no .env.${mode} in apps/miniprogram; the modes here are ${modes} (a new mode needs its .env.<mode>).`],
    };
  }

  let version: string | undefined;
  if (command === 'upload') {
    const checked = checkVersion(values.version);
    if (checked.ok) version = checked.value;
    else problems.push(checked.message);
  } else if (values.version !== undefined) {
    problems.push('--version is for mp:upload: a preview has no version (WeChat numbers previews itself).');
  }
  if (command === 'upload' && values.qr !== undefined) {
    problems.push('--qr is for mp:preview: an upload has no QR code (版本管理 has the 体验版 one).');
  }
  const robot = checkRobot(values.robot, mode);
  if (!robot.ok) problems.push(robot.message);
  const desc = values.desc ?? defaultDescription(appRoot) ?? (command === 'preview' ? `preview of mode ${mode}` : null);
  if (desc === null) {
    problems.push('--desc is required: the note WeChat shows beside the version (there is no git history to take it from).');
  } else if (desc.trim() === '') {
    problems.push('--desc is empty: give the note WeChat shows beside the version.');
  }

  // The appid and the domains, as the build would read them (env files, then the environment).
  const production = mode !== 'development';
  const skipBuild = values['skip-build'] || values.dir !== undefined;
  let appId: string | null = null;
  try {
    const buildEnv = loadBuildEnv(appRoot, mode, production);
    appId = buildEnv.appId;
    if (appId === null) {
      problems.push(
        `TARO_APP_ID is not set: the tourist appid can neither preview nor upload; set it to your appid (wx + 16 hex, 开发管理 → 开发设置 → AppID) in the environment or apps/miniprogram/.env.${mode}.local.`,
      );
    }
    const domains = production && !skipBuild ? domainProblems(buildEnv.env, mode) : [];
    if (domains.length > 0) {
      const where =
        mode === 'production'
          ? 'mode production builds the release, which refuses placeholder and unregistered domains: put your registered domains in apps/miniprogram/.env.production.local (ignored by git; in CI, write that file from your secrets)'
          : `mode ${mode} refuses them: put registered domains in apps/miniprogram/.env.${mode}.local`;
      problems.push(`Domains WeChat would refuse (npm run check:domains -- --mode ${mode}): ${where}.\n${domains.join('\n')}`);
    }
  } catch (error) {
    if (!(error instanceof BuildEnvError)) throw error;
    problems.push(error.message);
  }

  const key = readUploadKey(uploadKeyPathFromEnvironment(), { cwd: process.cwd(), appId });
  if (!key.ok) problems.push(key.message);

  // An upload without a version has its problem listed above.
  const target: ReleaseTarget | undefined =
    command === 'preview'
      ? { command, qr: path.resolve(values.qr ?? path.join(appRoot, `dist/preview-qr-${mode}.jpg`)) }
      : version === undefined
        ? undefined
        : { command, version };
  if (problems.length > 0 || !key.ok || appId === null || desc === null || !robot.ok || target === undefined)
    return { ok: false, problems };
  return {
    ok: true,
    release: {
      ...target,
      mode,
      robot: robot.value,
      desc,
      appId,
      keyPath: key.path,
      dir: path.resolve(values.dir ?? path.join(appRoot, weappOutputRoot(mode))),
      build: skipBuild ? null : weappBuild(mode),
      dryRun: values['dry-run'],
    },
  };
}

/** Runs the mode's build with its output shown; resolves to its exit code. */
function runBuild(build: WeappBuild): Promise<number> {
  const child = spawn(process.execPath, build.args, { cwd: appRoot, env: buildProcessEnv({ NODE_ENV: build.nodeEnv }), stdio: 'inherit' });
  return new Promise((resolve) => {
    child.on('error', () => resolve(1));
    child.on('exit', (code) => resolve(code ?? 1));
  });
}

/** Why the built folder is not the one to send, or null. */
function builtFolderProblem(release: Release): string | null {
  const rebuild = release.build
    ? `its build (${release.build.command})`
    : `it (${weappBuild(release.mode).command}, or drop --skip-build/--dir)`;
  const missing = missingBuildMessage(release.dir, release.build?.command ?? weappBuild(release.mode).command);
  if (missing) return missing;
  if (release.mode !== 'development' && isDevelopmentBuild(release.dir)) {
    return `${shown(release.dir)} is a development build (source maps beside its code), not a build of mode ${release.mode}: rebuild ${rebuild}.`;
  }
  const built = builtAppId(release.dir);
  if (built !== release.appId) {
    return `${shown(release.dir)} was built for appid ${built}, but TARO_APP_ID is ${release.appId}: rebuild ${rebuild}.`;
  }
  return null;
}

/** A failure of WeChat's servers or of the way there, with what usually fixes it. */
function explainWeChatError(error: unknown): string {
  const text = error instanceof Error ? error.message : typeof error === 'string' ? error : JSON.stringify(error);
  if (/invalid ip/i.test(text)) {
    return `${text}\nAdd this machine's public IP address to the allow-list: ${IP_ALLOW_LIST_STEPS}.`;
  }
  if (/ENOTFOUND|EAI_AGAIN|ECONNREFUSED|ECONNRESET|ETIMEDOUT|getaddrinfo/.test(text)) {
    return `${text}\nCould not reach WeChat's servers (servicewechat.com): this machine needs internet access (--dry-run works without).`;
  }
  if (/private ?key|signature/i.test(text)) {
    return `${text}\nThe upload key does not match the appid, or was reset: download a new one (${UPLOAD_KEY_STEPS}).`;
  }
  return text;
}

const packageName = (name: string) => (name === MAIN_PACKAGE ? 'main package' : name === '__FULL__' ? 'whole app' : `subpackage ${name}`);

/** Sends the checked folder to WeChat; resolves to the exit code. */
async function contactWeChat(session: CiSession, release: Release): Promise<number> {
  const { ci, print, printError } = session;
  const project = session.onlineProject(release.dir, release.appId, release.keyPath);
  const onProgressUpdate = (task: string | { message: string; status: string }) => {
    const message = typeof task === 'string' ? task : task.status === 'doing' ? '' : task.message;
    if (message.trim() !== '') print(`  [WeChat] ${message}`);
  };
  const common = { project, desc: release.desc, robot: release.robot, setting: { useProjectConfig: true }, onProgressUpdate };
  const started = performance.now();
  try {
    let info: Array<{ name: string; size: number }> | undefined;
    if (release.command === 'preview') {
      const { qr } = release;
      mkdirSync(path.dirname(qr), { recursive: true });
      rmSync(qr, { force: true });
      print(`Sending the preview to WeChat as robot ${release.robot}...`);
      // `version` is required by the options' type; a preview ignores it.
      ({ subPackageInfo: info } = await ci.preview({ ...common, version: '0.0.1', qrcodeFormat: 'image', qrcodeOutputDest: qr }));
      print(`Preview ready (${seconds(started)}): scan the QR code in ${shown(qr)} with WeChat (app members with developer rights).`);
    } else {
      print(`Uploading version ${release.version} to WeChat as robot ${release.robot}...`);
      ({ subPackageInfo: info } = await ci.upload({ ...common, version: release.version }));
      print(
        `Uploaded version ${release.version} (${seconds(started)}): 版本管理 → 开发版本 (ci机器人${release.robot}); make it the 体验版 or 提交审核 there.`,
      );
    }
    for (const entry of info ?? []) {
      print(`  ${packageName(entry.name).padEnd(24)} ${kib(entry.size).padStart(12)}  (as WeChat received it)`);
    }
    return 0;
  } catch (error) {
    printError(`WeChat refused the ${release.command} or could not be reached (${seconds(started)}):\n${explainWeChatError(error)}`);
    return 1;
  }
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true });
  } catch (error) {
    // Node's advice on positionals that start with '-' is beside the point here.
    console.error(`${(error as Error).message.replace(/\. To specify a positional .*$/s, '')}: see npm run mp:preview -- --help.`);
    return 1;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const [command, ...extra] = positionals;
  if ((command !== 'preview' && command !== 'upload') || extra.length > 0) {
    console.error(`Usage: tsx scripts/mp-release.ts <preview|upload> --mode <mode> [options] (npm run mp:preview -- --help).`);
    return 1;
  }

  const plan = planRelease(command, values);
  if (!plan.ok) {
    plan.problems.forEach((problem) => console.error(problem));
    console.error(`Refused: nothing was built or sent to WeChat (npm run mp:${command} -- --help).`);
    return 1;
  }
  const { release } = plan;
  const started = performance.now();
  const what = release.command === 'upload' ? `upload of version ${release.version}` : 'preview';
  console.log(
    `mp:${release.command}${release.dryRun ? ' (dry run)' : ''}: ${what} of mode ${release.mode} (${release.appId}, robot ${release.robot}), note "${release.desc}"`,
  );
  console.log(`  upload key: ${release.keyPath}`);

  if (release.build) {
    console.log(`Building mode ${release.mode} into ${shown(release.dir)}: ${release.build.command}`);
    const buildStarted = performance.now();
    const code = await runBuild(release.build);
    if (code !== 0) {
      console.error(`The build of mode ${release.mode} failed (exit code ${code}, output above): nothing was sent to WeChat.`);
      return 1;
    }
    console.log(`Built mode ${release.mode} (${seconds(buildStarted)}).`);
  } else {
    console.log(`Using ${shown(release.dir)} as built (no build).`);
  }
  const folderProblem = builtFolderProblem(release);
  if (folderProblem) {
    console.error(`${folderProblem}\nNothing was sent to WeChat.`);
    return 1;
  }

  console.log(`Compiling ${shown(release.dir)} with WeChat's compiler (miniprogram-ci, offline) to check it before sending...`);
  const log: string[] = [];
  try {
    return await withMiniprogramCi(log, async (session) => {
      const report = await checkWithWeChat(session, release.dir, { sizeOnly: true, appId: release.appId, privateKeyPath: release.keyPath });
      formatCheckReport(report).forEach((line) => session.print(line));
      if (report.failures.length > 0) {
        session.printError(
          `\nWeChat would refuse this build:\n${report.failures.map((line) => `  ${line}`).join('\n')}\nNothing was sent to WeChat.`,
        );
        return 1;
      }
      if (release.dryRun) {
        const would =
          release.command === 'preview'
            ? `send a preview as robot ${release.robot} and write the QR code to ${shown(release.qr)}`
            : `upload version ${release.version} as robot ${release.robot}`;
        session.print(`\nDry run: nothing was sent to WeChat (${seconds(started)}). Without --dry-run this would ${would}.`);
        return 0;
      }
      return await contactWeChat(session, release);
    });
  } finally {
    if (values.verbose) console.log(log.map((line) => `  [miniprogram-ci] ${line}`).join('\n'));
  }
}

// miniprogram-ci leaves a file watcher and its compiler process running: leave explicitly.
main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
