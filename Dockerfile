# The API server's production image (multi-stage). From the repository root:
#   docker build -t wechat-mp-server .
#   docker run --rm --env-file prod.env wechat-mp-server migrate up      migrations, a command of their own
#   docker run -d -p 3000:3000 --env-file prod.env wechat-mp-server      the server (SIGTERM drains it)
# Configuration comes only from environment variables (apps/server/.env.example lists them); the
# image holds no .env file and no secret. Here, without a registry, deploy/docker/base-image.sh
# builds the base image under its official name first.
ARG NODE_IMAGE=node:24-bookworm-slim

# --- build: the bundle and its compile cache, made by the image's own Node.js -----------------
FROM ${NODE_IMAGE} AS build
WORKDIR /repo
ENV CI=true npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
# The manifests first (every workspace's, as npm ci checks them against the lockfile): this layer
# and the install below are reused until one of them changes.
COPY package.json package-lock.json .npmrc ./
COPY apps/server/package.json apps/server/
COPY apps/miniprogram/package.json apps/miniprogram/
COPY packages/api/package.json packages/api/
COPY packages/shared/package.json packages/shared/
COPY packages/trpc-host/package.json packages/trpc-host/
COPY packages/test-support/package.json packages/test-support/
COPY packages/wechat-mock/package.json packages/wechat-mock/
COPY deploy/package.json deploy/
COPY e2e/package.json e2e/
# Only the server's dependencies (about 300 packages, not the mini-program's toolchain). No
# install scripts: none of them is needed to bundle.
RUN npm ci --workspace @app/server --ignore-scripts
COPY tsconfig.base.json ./
COPY packages/ packages/
COPY apps/server/ apps/server/
# The bundle only: its compile cache is made in the runtime stage, as the user the server runs as.
RUN cd apps/server && node build/bundle.mjs && node build/pack.mjs --out /server

# --- wechat-mock: the dev-only WeChat API stand-in, for compose.yaml's local stack (never deploy) -
FROM build AS wechat-mock
ENV NODE_ENV=development
USER node
EXPOSE 3001
CMD ["node_modules/.bin/tsx", "packages/wechat-mock/src/cli.ts", "--host", "0.0.0.0", "--port", "3001"]

# --- runtime (the default target): the bundle, the few packages it leaves out, nothing else ---
FROM ${NODE_IMAGE}
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 UPLOAD_DIR=/data/uploads
WORKDIR /app
COPY --from=build /server ./
COPY --from=build /repo/apps/server/build/warm-compile-cache.mjs /repo/apps/server/build/compile-cache-file.mjs /repo/apps/server/build/node-flags.mjs /usr/local/lib/compile-cache/
COPY deploy/docker/entrypoint.sh /usr/local/bin/server-entrypoint
# Uploaded avatars: the only place the server writes; mount a volume there (compose.yaml does).
# Node keeps its compile cache per user id (one made as root would be ignored): made here as the
# user the server runs as, then given to root in the same layer, so the server reads it but cannot
# change the code its next start will load (Node's own writes to it at exit then fail, quietly).
RUN mkdir -p /data/uploads dist/.compile-cache && chown node:node /data/uploads dist/.compile-cache \
  && setpriv --reuid=node --regid=node --clear-groups node /usr/local/lib/compile-cache/warm-compile-cache.mjs dist \
  && chown -R root:root dist/.compile-cache && chmod -R a+rX,go-w dist/.compile-cache
USER node
EXPOSE 3000
# Node's fetch, since the slim image has no curl: /healthz answers while the process serves.
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/healthz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["server-entrypoint"]
CMD ["serve"]
