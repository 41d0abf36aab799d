#!/bin/sh
# The image's entry point:
#   serve (the default)        the server: node dist/main.mjs (exec'd, so SIGTERM reaches Node)
#   migrate up|down|status     the migrations: node dist/migrate.mjs
#   seed                       the demo catalog, into an empty products table (demos, compose)
#   anything else              run as given (e.g. `sh` to look around)
set -e
command="${1:-serve}"
[ "$#" -gt 0 ] && shift
case "$command" in
  serve) exec node /app/dist/main.mjs "$@" ;;
  migrate) exec node /app/dist/migrate.mjs "$@" ;;
  seed) exec node /app/dist/seed.mjs "$@" ;;
  *) exec "$command" "$@" ;;
esac
