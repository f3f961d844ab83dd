# One image for the api, the workers and the one-shot migration; docker-compose.yml picks the
# command. TypeScript runs through tsx at start-up; the one build step is the console's static
# files (Vite), which the api serves at `/`.
FROM node:20.20-bookworm-slim

ENV NPM_CONFIG_UPDATE_NOTIFIER=false NPM_CONFIG_FUND=false NPM_CONFIG_AUDIT=false
WORKDIR /app

# Dependencies first, from the manifests and the lock file alone, so editing source reuses this layer.
COPY package.json package-lock.json ./
COPY packages/domain/package.json packages/domain/
COPY apps/api/package.json apps/api/
COPY apps/worker/package.json apps/worker/
COPY apps/console/package.json apps/console/
# --include=dev: tsx, which runs the code, is a devDependency.
RUN npm ci --include=dev && npm cache clean --force

COPY . .
# .dockerignore keeps any local apps/console/dist out, so the image always holds a build of this source.
RUN npm run build:console

ENV NODE_ENV=production
USER node
EXPOSE 3000
# `node --import tsx` rather than `npm run start:api`: npm and its `sh -c` do not pass SIGTERM on to
# the app, and the tsx CLI SIGKILLs a child that is slow to acknowledge one, so either would cost
# the graceful shutdown that `docker compose stop` relies on.
CMD ["node", "--max-old-space-size=176", "--heap-growing-percent=300", "--import", "tsx", "apps/api/src/main.ts"]
