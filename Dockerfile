# Ad-hoc Help: one image for both processes.
#   web:    node dist/src/main.js    (the default CMD; HTTP on $PORT, 3000 by default)
#   worker: node dist/src/worker.js  (BullMQ jobs; see docker-compose.yml)
#
# npm in node:20 images is v10, which ignores package.json's `allowScripts` (npm 11's gate
# for install scripts) and runs install scripts as usual; nothing to configure here.

# ---- builder: all dependencies, compile TypeScript ----
FROM node:20-bookworm-slim AS builder
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY src ./src
COPY scripts ./scripts
# tsc -p tsconfig.build.json → dist/src/main.js, dist/src/worker.js
RUN npm run build

# ---- runtime: production dependencies and compiled output only ----
FROM node:20-bookworm-slim AS runtime
ENV NODE_ENV=production
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
COPY --from=builder /app/dist ./dist
# The image's built-in unprivileged user; the app needs no write access to /app.
USER node
EXPOSE 3000
CMD ["node", "dist/src/main.js"]
