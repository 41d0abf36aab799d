// Builds the Go/Gin reference (bench/gin/main.go) with Debian's Go packages, in GOPATH mode: no
// module is downloaded, the libraries are those apt installed under /usr/share/gocode. The binary
// is keyed by a hash of the source and the Go version, so an unchanged reference is built once.
// Go is optional: without it the bench skips the reference and says how to get it.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { OUT_DIR } from './lib.mjs';

const sourceDir = fileURLToPath(new URL('gin/', import.meta.url));

const GO_PACKAGES = [
  'golang-go',
  'golang-github-gin-gonic-gin-dev',
  'golang-github-go-sql-driver-mysql-dev',
  'golang-github-golang-jwt-jwt-dev',
];
export const GO_HINT = `the Go reference needs Go and three libraries from Debian: apt-get install -y ${GO_PACKAGES.join(' ')}`;

function goVersion() {
  try {
    return execFileSync('go', ['version'], { stdio: ['ignore', 'pipe', 'ignore'] })
      .toString()
      .trim();
  } catch {
    return null;
  }
}

/**
 * `{ binary, reused }` when Go is there (reused: built before from the same source by the same Go),
 * else `{ skipped }` with the reason and how to install it. A build that fails is an error.
 */
export function buildGoReference() {
  const version = goVersion();
  if (version === null) return { skipped: `go is not installed: ${GO_HINT}` };
  if (!existsSync('/usr/share/gocode/src/github.com/gin-gonic/gin')) return { skipped: `Gin's Debian package is missing: ${GO_HINT}` };
  const hash = createHash('sha256')
    .update(version)
    .update(readFileSync(`${sourceDir}main.go`))
    .digest('hex')
    .slice(0, 16);
  const binary = join(OUT_DIR, `gin-reference-${hash}`);
  if (existsSync(binary)) return { binary, reused: true, goVersion: version };
  mkdirSync(join(OUT_DIR, 'gopath'), { recursive: true });
  execFileSync('go', ['build', '-o', binary, '.'], {
    cwd: sourceDir,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      GO111MODULE: 'off',
      GOPATH: `${join(OUT_DIR, 'gopath')}:/usr/share/gocode`,
      GOCACHE: join(OUT_DIR, 'go-cache'),
      GOFLAGS: '',
    },
  });
  return { binary, reused: false, goVersion: version };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--help')) {
    console.log(`Usage: node bench/go-reference.mjs   (builds bench/gin into bench/out; ${GO_HINT})`);
    process.exit(0);
  }
  const built = buildGoReference();
  console.log(built.skipped ? `skipped: ${built.skipped}` : `${built.reused ? 'reused' : 'built'} ${built.binary} (${built.goVersion})`);
}
