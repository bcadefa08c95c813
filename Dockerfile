# syntax=docker/dockerfile:1
# One image for all five services; the service to run is chosen by SERVICE (build arg, overridable
# at run time): intake, workflow, sla or reporting.
#
#   docker build --build-arg SERVICE=intake -t tthc-intake .
#   docker run -e SERVICE=intake -e KAFKA_BROKERS=… tthc-intake

ARG NODE_IMAGE=node:20-bookworm-slim

# --- manifests: only package.json files and the lock ------------------------------------------
# Copying just these into the build stage keeps the install layer cached until a dependency
# changes, instead of reinstalling on every source edit.
FROM ${NODE_IMAGE} AS manifests
WORKDIR /src
COPY . .
RUN mkdir /out \
 && cp package.json package-lock.json /out/ \
 && find packages services -name package.json -not -path '*/node_modules/*' -exec cp --parents {} /out/ \;

# --- build: install, compile every workspace with turbo, then drop dev dependencies -----------
FROM ${NODE_IMAGE} AS build
WORKDIR /app
ENV TURBO_TELEMETRY_DISABLED=1 \
    npm_config_update_notifier=false \
    npm_config_fund=false \
    npm_config_audit=false
COPY --from=manifests /out/ ./
# npm 11 omits other platforms' optional binaries from the lock and `npm ci` then refuses it.
RUN npm install --no-save --no-audit --no-fund
COPY . .
RUN npx turbo run build --output-logs=errors-only \
 && npm prune --omit=dev

# --- runtime -----------------------------------------------------------------------------------
FROM ${NODE_IMAGE} AS runtime
ARG SERVICE=""
ENV NODE_ENV=production \
    SERVICE=${SERVICE}
WORKDIR /app
COPY --from=build --chown=node:node /app ./
USER node
# Services bind HOST (default 127.0.0.1, which is unreachable from outside a container) and PORT.
ENV HOST=0.0.0.0
# `exec` makes node the process that receives SIGTERM (run with an init, e.g. compose `init: true`).
# The service's own Node options (`nodeOptions` in its package.json) come before its script, as
# every launcher of the project passes them.
CMD ["sh", "-c", ": \"${SERVICE:?set SERVICE to intake, workflow, sla, reporting or notifier}\"; exec node $(node -p \"(require('./services/${SERVICE}/package.json').nodeOptions || []).join(' ')\") \"services/${SERVICE}/dist/main.js\""]
