/**
 * The Node.js flags of every production start of the server. The build writes them to
 * dist/node-flags, which each way of starting reads: `npm start`, the image's entrypoint, SCF's
 * scf_bootstrap, the build's own warm-up and acceptance starts, and the benchmarks' cold starts.
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
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const PRODUCTION_NODE_FLAGS = ['--min-semi-space-size=16'];

/** The file in dist/, written by the build; shell scripts read it as `$(cat dist/node-flags)`. */
const NODE_FLAGS_FILE = 'node-flags';

/** Writes the flags to `<distDir>/node-flags`: one line, the flags separated by spaces. */
export function writeNodeFlags(distDir) {
  writeFileSync(join(distDir, NODE_FLAGS_FILE), `${PRODUCTION_NODE_FLAGS.join(' ')}\n`);
}

/** The flags a build in `distDir` starts with (its node-flags file). */
export function readNodeFlags(distDir) {
  return readFileSync(join(distDir, NODE_FLAGS_FILE), 'utf8').split(/\s+/).filter(Boolean);
}
