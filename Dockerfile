# Builds the `gavel` binary (every Gavel service in one executable) into a small Debian image.

FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY . .
# No database is reachable while the image builds: sqlx's query macros, where used, read the
# committed .sqlx/ directory instead.
ENV SQLX_OFFLINE=true
RUN cargo build --release --locked --bin gavel

FROM debian:bookworm-slim
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --no-create-home --shell /usr/sbin/nologin gavel
COPY --from=builder /src/target/release/gavel /usr/local/bin/gavel
USER gavel
EXPOSE 8080
CMD ["gavel", "run", "all"]
