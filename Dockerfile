# syntax=docker/dockerfile:1
# Lanyard: multi-stage build on Node 22 LTS. The runtime image holds only production
# dependencies and the compiled dist/, runs as an unprivileged user, and keeps its data in a volume.
# The health check counts an uninitialised server as healthy (uninitcode=200) so that
# `docker exec … lanyard operator init` can run against a container that is already up; it asks
# the port of LANYARD_LISTEN (set -e LANYARD_LISTEN=0.0.0.0:9000 and the check follows).

FROM node:22-bookworm-slim AS build
WORKDIR /src
# better-sqlite3 compiles from source when no prebuilt binary can be fetched.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY server ./server
COPY storage ./storage
COPY keys ./keys
COPY cli ./cli
COPY verifier ./verifier
COPY bench ./bench
# The benchmarks compile with the rest but need dev dependencies: not part of the image.
RUN npm run build && rm -rf dist/bench && npm prune --omit=dev

FROM node:22-bookworm-slim AS runtime
ENV NODE_ENV=production \
    LANYARD_LISTEN=0.0.0.0:8200 \
    LANYARD_DATA_DIR=/var/lib/lanyard \
    LANYARD_LOG_FORMAT=json
RUN groupadd --system --gid 10001 lanyard \
 && useradd --system --uid 10001 --gid lanyard --home-dir /var/lib/lanyard --shell /usr/sbin/nologin lanyard \
 && mkdir -p /var/lib/lanyard && chown lanyard:lanyard /var/lib/lanyard && chmod 700 /var/lib/lanyard
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
RUN ln -s /app/dist/cli/main.js /usr/local/bin/lanyard && chmod +x /app/dist/cli/main.js
USER lanyard:lanyard
VOLUME ["/var/lib/lanyard"]
EXPOSE 8200
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD node -e "const l=process.env.LANYARD_LISTEN||'127.0.0.1:8200',i=l.lastIndexOf(':'),h=l.slice(0,i).replace(/^(0\.0\.0\.0|\[::\]|)$/,'127.0.0.1');fetch('http://'+h+':'+l.slice(i+1)+'/v1/sys/health?uninitcode=200').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["server"]
