# syntax=docker/dockerfile:1
# Multi-stage build: compile with dev dependencies, ship production ones only.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json prisma.config.ts ./
COPY prisma ./prisma
COPY scripts ./scripts
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
RUN npm run build && npm prune --omit=dev

FROM node:20-bookworm-slim
ENV NODE_ENV=production PORT=3000
WORKDIR /app
# Production dependencies, the compiled service (with its generated Prisma
# client) and the migrations it applies at start.
COPY --from=build --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/dist ./dist
COPY --from=build --chown=node:node /app/prisma ./prisma
COPY --chown=node:node package.json openapi.yaml ./
USER node
EXPOSE 3000
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD node -e "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/readyz').then(r=>process.exit(r.ok?0:1)).catch(()=>process.exit(1))"
# SIGTERM: the worker stops claiming, finishes or releases its operations
# (SHUTDOWN_TIMEOUT_MS), then the database closes. Node runs as PID 1 here and
# handles the signal itself (main.ts), so no init shim is needed.
STOPSIGNAL SIGTERM
# Migrations are applied at start (serialised across replicas by an advisory lock).
CMD ["node", "dist/src/main.js"]
