/**
 * The Node.js flags of every production start of the server. The build writes them to
 * dist/node-flags, which each way of starting reads: `npm start`, the image's entrypoint, SCF's
 * scf_bootstrap, the build's own warm-up and acceptance starts, and the benchmarks' cold starts.
 *
 * --min-semi-space-size=16: V8's young generation starts at 16 MiB instead of 1 MiB. A start
 * allocates tens of MiB that mostly live on (the compile cache's code, ~250 modules, the app), and
 * with 1 MiB V8 scavenges every megabyte, copying and promoting the survivors each time. Measured
 * paired (alternating 20-round runs of one build): spawn to the first /healthz 0.875-0.920x, to the
 * first user.me on MariaDB 0.938-0.963x; idle RSS unchanged (the reserved pages are not touched
 * until used), and under load V8 grows the young generation to its maximum anyway. Node refuses it
 * in NODE_OPTIONS, so it is a command-line flag. V8 does not count it among the flags a code cache
 * must match: the compile cache is accepted with it (the build checks, starting with these flags).
 */
export const PRODUCTION_NODE_FLAGS = ['--min-semi-space-size=16'];
