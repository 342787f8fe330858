# Builds the `gavel` binary (every Gavel service in one executable) into a small Debian image.

FROM rust:1.95-bookworm AS builder
WORKDIR /src
COPY . .
# Gavel's queries are checked by its tests against a real database, not at compile time, so
# the build needs no database.
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
