#!/usr/bin/env bash
# `npm run test:image`: builds the server image and runs deploy/test/image.test.ts against it
# (migrations, /readyz, a sign-in through the WeChat mock, SIGTERM). Brings up a Docker engine
# when none runs (dockerd.sh) and stops it afterwards; builds the base image when it is missing
# (base-image.sh). Says what it reused: the base image, the build's cached steps.
set -euo pipefail
cd "$(dirname "$0")/../.."
started=$(date +%s)
image="${TEST_SERVER_IMAGE:-wechat-mp-server:test}"

started_daemon=false
if ! docker info > /dev/null 2>&1; then
  eval "$(deploy/docker/dockerd.sh start)"
  [[ -f /run/wmf-docker/dockerd.pid ]] && started_daemon=true
fi
stop_daemon() { if $started_daemon; then deploy/docker/dockerd.sh stop; fi; }
trap stop_daemon EXIT

deploy/docker/base-image.sh

# The classic builder unless BuildKit's buildx is there: Debian's engine has no buildx, and the
# Dockerfile needs nothing BuildKit-only. --network host: these machines have no bridge.
if ! docker buildx version > /dev/null 2>&1; then export DOCKER_BUILDKIT=0; fi
log="$(mktemp)"
build_started=$(date +%s)
if ! docker build --network host -t "$image" . > "$log" 2>&1; then
  tail -n 40 "$log"
  exit 1
fi
steps=$(grep -c '^Step ' "$log" || true)
cached=$(grep -c 'Using cache' "$log" || true)
size=$(docker image inspect --format '{{.Size}}' "$image")
echo "[image] built $image in $(($(date +%s) - build_started)) s: $((size / 1024 / 1024)) MiB; ${cached} of ${steps} build steps reused from the cache"
rm -f "$log"

TEST_SERVER_IMAGE="$image" npx vitest run --config deploy/vitest.image.config.ts
echo "[image] done in $(($(date +%s) - started)) s"
