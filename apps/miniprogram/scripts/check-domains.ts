/**
 * npm run check:domains [-- --mode <mode>]
 *
 * Checks every API domain a build mode can reach against WeChat's rules (https, no IP, no
 * localhost, no placeholder, no port unless registered) and prints the entries to paste into the
 * admin console.
 * Exits 1 on any violation; `taro build --type weapp` runs the same check for production builds.
 */
import path from 'node:path';
import { parseArgs } from 'node:util';
import { clientEnvVariables, domainReport, reachableEnvVersions } from '@app/shared';
import { BuildEnvError, CHECK_MODE, loadBuildEnv, refusedViolations } from '../config/build-env';

const HELP = `Usage: npm run check:domains -- [--mode <mode>] [--dir <app folder>]

  --mode   Taro build mode whose env files to read (.env.<mode>, .env.<mode>.local).
           Default: production. Every mode but "development" is a production build
           (taro build without --watch), where a build under review is served by release.
           Placeholder domains (api.example.com) are refused in every mode but "check",
           the build the size and syntax checks inspect, which never ships.
  --dir    The mini-program folder (default: this app).
  --help   Show this help.

Exit status: 0 when every domain passes, 1 on a violation or a bad config.`;

function main(): number {
  const { values } = parseArgs({
    options: { mode: { type: 'string', default: 'production' }, dir: { type: 'string' }, help: { type: 'boolean', default: false } },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  const mode = values.mode;
  const production = mode !== 'development';
  const appRoot = path.resolve(values.dir ?? path.join(__dirname, '..'));

  let env;
  try {
    ({ env } = loadBuildEnv(appRoot, mode, production));
  } catch (error) {
    if (error instanceof BuildEnvError) {
      console.error(error.message);
      return 1;
    }
    throw error;
  }

  const report = domainReport(env);
  const reachable = reachableEnvVersions(env).join(', ');
  console.log(
    `Build mode "${mode}" (${production ? 'production build: develop is served by release' : 'development build'}); checking ${reachable}:`,
  );
  let refused = 0;
  for (const entry of report.entries) {
    const refusedHere = refusedViolations(entry.violations, mode);
    refused += refusedHere.length > 0 ? 1 : 0;
    const mark = refusedHere.length === 0 ? 'ok  ' : 'FAIL';
    console.log(`  ${mark} ${entry.envVersion.padEnd(8)} ${entry.url}  (${clientEnvVariables[entry.envVersion]})`);
    for (const violation of entry.violations) {
      const allowed = !refusedHere.includes(violation) ? ` (allowed in mode "${CHECK_MODE}", which never ships)` : '';
      console.log(`         ${violation.rule}: ${violation.message}${allowed}`);
    }
  }
  console.log('\nAdmin console (开发管理 → 开发设置 → 服务器域名), the entries for each field:');
  console.log(`  request 合法域名:      ${report.consoleDomains.request.join(' ')}`);
  console.log(`  uploadFile 合法域名:   ${report.consoleDomains.upload.join(' ')}`);
  console.log(`  downloadFile 合法域名: ${report.consoleDomains.download.join(' ')}`);
  if (refused > 0) console.error(`\n${refused} domain(s) WeChat would refuse.`);
  return refused === 0 ? 0 : 1;
}

process.exitCode = main();
