# syntax=docker/dockerfile:1
# One image for every Gavel service: the `gavel` binary and the built dashboard. docker-compose.yml
# runs each service as its own container from it (`gavel run auction-manager`, …).

FROM rust:1.95-bookworm AS builder
WORKDIR /src
# Only what the Rust build reads, so a dashboard or docs edit does not rebuild the binary.
# contracts/artifacts is compiled in (alloy's sol! reads the ABI and bytecode).
COPY Cargo.toml Cargo.lock ./
COPY .cargo .cargo
COPY crates crates
COPY services services
COPY cli cli
COPY contracts/artifacts contracts/artifacts
# Gavel's queries are checked by its tests against a real database, not at compile time, so the
# build needs no database. target/ is a cache mount, so the binary is copied out of it.
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/usr/local/cargo/git \
    --mount=type=cache,target=/src/target \
    cargo build --release --locked --bin gavel \
    && cp target/release/gavel /usr/local/bin/gavel

# amd64 whatever the target: the lock file pins Foundry's linux-amd64 binaries as ordinary
# dependencies, which npm refuses to install on another CPU; the dashboard's build is plain files.
FROM --platform=linux/amd64 node:20-bookworm-slim AS dashboard
WORKDIR /src
COPY package.json package-lock.json ./
# `npm install --no-save` as scripts/setup does, not `npm ci`: the lock file cannot list other
# platforms' optional packages (rollup's and esbuild's native builds), so `npm ci` refuses it;
# `npm install` installs the locked versions and --no-save leaves the lock file alone.
RUN --mount=type=cache,target=/root/.npm \
    npm install --no-save --no-audit --no-fund --loglevel=error
COPY dashboard dashboard
RUN npm run build:dashboard

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home --shell /usr/sbin/nologin gavel
COPY --from=builder /usr/local/bin/gavel /usr/local/bin/gavel
COPY --from=dashboard /src/dashboard/dist /usr/share/gavel/dashboard
ENV GAVEL__HTTP__DASHBOARD_DIR=/usr/share/gavel/dashboard \
    GAVEL__LOG__FORMAT=json
USER gavel
# 8080: admin API, dashboard, overlay; 8081: an event gateway alone; 9464: /health, /ready and
# /metrics of a process with neither.
EXPOSE 8080 8081 9464
ENTRYPOINT ["gavel"]
CMD ["run", "all"]
