#!/bin/sh
# The image's entry point:
#   serve (the default)        the server: node <dist/node-flags> dist/main.mjs (exec'd, so SIGTERM
#                              reaches Node; the flags and GLIBC_TUNABLES, dist/glibc-tunables, are the
#                              build's, apps/server/build/node-flags.mjs; a GLIBC_TUNABLES given to the
#                              container, even empty, is used instead)
#   migrate up|down|status     the migrations: node dist/migrate.mjs
#   seed                       the demo catalog, into an empty products table (demos, compose)
#   anything else              run as given (e.g. `sh` to look around)
set -e
command="${1:-serve}"
[ "$#" -gt 0 ] && shift
case "$command" in
  serve)
    flags="$(cat /app/dist/node-flags)" # its own command, so that set -e stops on a missing file
    tunables="$(cat /app/dist/glibc-tunables)"
    export GLIBC_TUNABLES="${GLIBC_TUNABLES-$tunables}"
    # shellcheck disable=SC2086 # one line of flags, split into words on purpose
    exec node $flags /app/dist/main.mjs "$@" ;;
  migrate) exec node /app/dist/migrate.mjs "$@" ;;
  seed) exec node /app/dist/seed.mjs "$@" ;;
  *) exec "$command" "$@" ;;
esac
