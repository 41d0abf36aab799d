#!/usr/bin/env bash
# A Docker engine for the image test. `start` uses the engine DOCKER_HOST (or the default socket)
# reaches when one answers; otherwise it installs Debian's docker.io if needed and starts a
# daemon of its own, as these CI machines allow (vfs storage, no iptables, no bridge: containers
# use --network host), and prints the DOCKER_HOST to use. `stop` stops that daemon and only that
# one, by the pid it wrote. Its data root persists, so a later run reuses the images built before.
#
# Usage: eval "$(deploy/docker/dockerd.sh start)"   ...   deploy/docker/dockerd.sh stop
set -euo pipefail

state="${WMF_DOCKER_STATE:-/var/lib/wmf-docker}"
run="/run/wmf-docker"
socket="unix://$run/docker.sock"
pidfile="$run/dockerd.pid"

case "${1:-}" in
  start)
    if docker info > /dev/null 2>&1; then
      echo "echo '[dockerd] using the Docker engine that is already running' >&2"
      exit 0
    fi
    if DOCKER_HOST="$socket" docker info > /dev/null 2>&1; then
      echo "echo '[dockerd] using the daemon a previous run left at $socket' >&2; export DOCKER_HOST=$socket"
      exit 0
    fi
    if ! command -v dockerd > /dev/null; then
      echo "[dockerd] installing Debian's docker.io" >&2
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q docker.io > /dev/null
    fi
    mkdir -p "$state" "$run"
    nohup dockerd --storage-driver=vfs --iptables=false --bridge=none --data-root="$state" \
      --exec-root="$run/exec" -H "$socket" --pidfile "$pidfile" > "$run/dockerd.log" 2>&1 &
    for _ in $(seq 1 100); do
      if DOCKER_HOST="$socket" docker info > /dev/null 2>&1; then
        echo "echo '[dockerd] started a Docker engine at $socket (data in $state)' >&2; export DOCKER_HOST=$socket"
        exit 0
      fi
      sleep 0.2
    done
    echo "[dockerd] the daemon did not answer within 20 s; its log:" >&2
    tail -n 20 "$run/dockerd.log" >&2
    exit 1
    ;;
  stop)
    if [[ -f "$pidfile" ]]; then
      pid="$(cat "$pidfile")"
      kill "$pid" 2> /dev/null || true
      for _ in $(seq 1 100); do kill -0 "$pid" 2> /dev/null || break; sleep 0.2; done
      echo "[dockerd] stopped the daemon this script started (pid $pid)" >&2
    fi
    ;;
  *)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    [[ "${1:-}" == "--help" ]] && exit 0
    exit 2
    ;;
esac
