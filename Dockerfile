# Faultline: one image, every role. The start command picks the role (ROLE=all|api|ingest|worker).
#   docker build -t faultline .
#   docker run -e DATABASE_URL=... -e REDIS_URL=... -p 8000:8000 faultline
# Stages: build (all dependencies, compile the server, SDK and UI) → deps (production
# dependencies only) → runtime (node:20-bookworm-slim, non-root, built output + migrations).

FROM node:20-bookworm-slim AS build
WORKDIR /app
# Install scripts are skipped: none is needed to build (msgpackr's native part ships prebuilt,
# zstd-napi is built in the deps stage, and the sentry-cli download is for tests only).
COPY package.json package-lock.json ./
COPY client-sdk/package.json client-sdk/package.json
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json vite.config.ts ./
COPY client-sdk client-sdk
COPY server server
COPY ingest ingest
COPY ui ui
RUN npm run build

FROM node:20-bookworm-slim AS deps
WORKDIR /app
# zstd-napi (the stored payloads' codec) is a native addon: its install script fetches a prebuilt
# binary from GitHub or compiles it, so this stage has a compiler. The runtime stage does not.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ \
    && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
COPY client-sdk/package.json client-sdk/package.json
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm rebuild zstd-napi \
    && node -e "require('zstd-napi')" \
    && npm cache clean --force

FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production \
    PORT=8000 \
    ROLE=all
WORKDIR /app
COPY --from=deps --chown=root:root /app/node_modules ./node_modules
COPY --from=build --chown=root:root /app/dist/server ./dist/server
COPY --from=build --chown=root:root /app/dist/ingest ./dist/ingest
COPY --from=build --chown=root:root /app/ui/dist ./ui/dist
COPY --chown=root:root migrations ./migrations
COPY --chown=root:root package.json ./
# The code is owned by root and read-only for the process; it runs as the image's `node` user.
# The one writable directory: ingest's spool for Redis outages (SPOOL_DIR); mount a volume there.
RUN mkdir -p /app/spool && chown node:node /app/spool
USER node
EXPOSE 8000 8001/udp
# Every role serves /healthz (the process runs); /readyz also checks Postgres and Redis.
HEALTHCHECK --interval=15s --timeout=3s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8000)+'/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# SIGTERM drains in-flight work (main.ts); give it more than SHUTDOWN_TIMEOUT_MS (10 s).
STOPSIGNAL SIGTERM
CMD ["node", "dist/server/src/main.js"]
