# syntax=docker/dockerfile:1
#
# migrate-entry images.  See docs/container.md.
#
#   docker build -t migrate-entry .                          the default target: FROM scratch,
#                                                             the static binary and CA certificates
#   docker build --target example-backend -t synapse-demo .  the example backend that
#                                                             docker-compose.container.yml runs
#
# Stage "build" runs `make static` (scripts/build-static.sh: musl, with OpenSSL, libpq, libcurl
# and inih built from Debian bookworm's sources).  The sources are fetched with `apt-get source`
# on the first build; a BuildKit cache mount keeps the built libraries between builds.

FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# The dependency list is the project's own (--static adds musl, dpkg-dev and a deb-src entry).
COPY scripts/install-deps.sh scripts/
# The apt lists stay: `make static` fetches sources with `apt-get source`, which needs the
# deb-src indexes (this stage is thrown away anyway).
RUN bash scripts/install-deps.sh --static
COPY . .
RUN --mount=type=cache,target=/root/.cache/migrate-entry-static \
    make static \
 && mkdir -p /out \
 && cp build/static/migrate-entry /out/migrate-entry \
 && ln -s migrate-entry /out/migrate \
 && /out/migrate-entry --version

# The Synapse DT example: the demo application as main.py, the example's
# migrate.ini, init scripts and revisions, and migrate-entry as the entrypoint.
FROM debian:bookworm-slim AS example-backend
ARG DEBIAN_FRONTEND=noninteractive
RUN apt-get update \
 && apt-get install -y --no-install-recommends python3 python3-psycopg2 python-is-python3 \
 && rm -rf /var/lib/apt/lists/*
COPY --from=build /out/ /usr/local/bin/
WORKDIR /app
COPY migrate.ini ./
COPY sql/ sql/
COPY migrations/ migrations/
COPY demo/app.py main.py
EXPOSE 8000
ENTRYPOINT ["migrate-entry", "--", "python", "main.py"]
CMD ["--serve", "8000"]

# The default target: nothing but the static binary (two names) and the CA
# certificates that libpq and libcurl use for TLS.  Other images take the
# binary with COPY --from (docs/container.md).
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/ /usr/local/bin/
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    PATH=/usr/local/bin
WORKDIR /work
ENTRYPOINT ["/usr/local/bin/migrate-entry"]
CMD ["--help"]
