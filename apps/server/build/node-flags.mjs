/**
 * How every production start runs Node.js: its command-line flags and the C library's allocator
 * settings. The build writes them to dist/node-flags and dist/glibc-tunables, which each way of
 * starting reads: `npm start`, the image's entrypoint, SCF's scf_bootstrap, the build's own warm-up
 * and acceptance starts, and the benchmarks' cold starts.
 *
 * --min-semi-space-size=16: V8's young generation starts at 16 MiB instead of 1 MiB. A start
 * allocates tens of MiB that mostly live on (the compile cache's code, ~250 modules, the app), and
 * with 1 MiB V8 scavenges every megabyte, copying and promoting the survivors each time. Measured
 * paired on Node 24.21 (alternating 20-round runs of one build): spawn to the first /healthz
 * 0.875-0.920x, to the first user.me on MariaDB 0.938-0.963x; idle RSS and user.me under load
 * unchanged. It must be set before V8 sets up its heap, and Node refuses it in NODE_OPTIONS, so it
 * is a command-line flag. Node 24.21 accepts the compile cache with it (observed: the same cache
 * folder, the cache accepted; --semi-space-growth-factor set from JavaScript made Node refuse it).
 * The build checks that Node accepts the compile cache when started with these flags; a Node
 * whose hash counted one would refuse it, and the build says so with a WARNING (then drop the flag
 * here for that Node).
 *
 * GLIBC_TUNABLES (glibc 2.35+; other C libraries ignore it): a start reads the bundle and its
 * compile cache into C memory (1 and 1.7 MB) and allocates a few more MB there, in blocks glibc
 * maps one by one and gives back when freed, so every block is fresh memory and each 4 KiB page of
 * it a page fault. Faults can be dear: ~10 us each on the AMD EPYC virtual machine of 2026-12-04,
 * where a start took ~9,400 of them against a bare node:http server's ~5,200.
 * mmap_threshold=4194304 serves blocks up to 4 MiB from glibc's heap, where freed memory is used
 * again; hugetlb=1 asks the kernel for transparent huge pages there, a fault per 2 MiB (honoured
 * in the kernel's THP mode `madvise`, as there; `always` gives them anyway, `never` none);
 * arena_max=2 keeps the threads' allocations in two arenas (without it, the threads' own arenas
 * in huge pages cost 16 MiB of RSS under load). Measured there (bench/README.md, "What keeps the
 * cold start short"): ~2,900 fewer faults a start; spawn to the first /healthz 0.941x (21
 * alternating rounds, quicker in 20), to the first user.me on MariaDB 0.936x (quicker in 17 of
 * 21); under load user.me 0.982x and auth.login 0.989x the CPU per request; RSS after 60 s of load
 * 208.2 MiB against 207.2. A GLIBC_TUNABLES already in the environment is used as it is (empty:
 * glibc's defaults). bench/start-faults.mjs measures what the settings do on another machine.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PRODUCTION_NODE_FLAGS = ['--min-semi-space-size=16'];

export const PRODUCTION_GLIBC_TUNABLES = 'glibc.malloc.hugetlb=1:glibc.malloc.mmap_threshold=4194304:glibc.malloc.arena_max=2';

/** The files in dist/, written by the build; shell scripts read them as `$(cat dist/node-flags)`. */
const NODE_FLAGS_FILE = 'node-flags';
const GLIBC_TUNABLES_FILE = 'glibc-tunables';

/** Writes `<distDir>/node-flags` (one line, the flags separated by spaces) and `<distDir>/glibc-tunables`. */
export function writeNodeFlags(distDir) {
  writeFileSync(join(distDir, NODE_FLAGS_FILE), `${PRODUCTION_NODE_FLAGS.join(' ')}\n`);
  writeFileSync(join(distDir, GLIBC_TUNABLES_FILE), `${PRODUCTION_GLIBC_TUNABLES}\n`);
}

/** Whether `distDir` holds the files writeNodeFlags writes (both or neither: a bench-server build has none). */
export const hasNodeFlags = (distDir) => existsSync(join(distDir, NODE_FLAGS_FILE));

/** The flags a build in `distDir` starts with (its node-flags file). */
export function readNodeFlags(distDir) {
  return readFileSync(join(distDir, NODE_FLAGS_FILE), 'utf8').split(/\s+/).filter(Boolean);
}

/**
 * The variables a production start of the build in `distDir` adds to `env`, as the start scripts
 * do: its glibc-tunables, unless `env` has a GLIBC_TUNABLES of its own.
 * @param {string} distDir
 * @param {Record<string, string | undefined>} env
 * @returns {Record<string, string>}
 */
export function productionStartEnv(distDir, env) {
  if (env.GLIBC_TUNABLES !== undefined) return {};
  return { GLIBC_TUNABLES: readFileSync(join(distDir, GLIBC_TUNABLES_FILE), 'utf8').trim() };
}
