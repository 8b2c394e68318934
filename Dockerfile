# migrate-entry images.  See docs/container.md.
#
#   docker build -t migrate-entry .                          the default target: FROM scratch,
#                                                             the static binary and CA certificates
#   docker build --target example-backend -t synapse-demo .  the example backend that
#                                                             docker-compose.container.yml runs
#
# Stage "build" runs `make static` (scripts/build-static.sh: musl, with OpenSSL, libpq, libcurl
# and inih built from Debian bookworm's sources).  The sources are fetched with `apt-get source`.
# The libraries are built in a layer of their own that depends only on the two scripts, so a
# change to the project's sources rebuilds the binary (seconds), not the libraries (minutes).
# Plain Dockerfile syntax: no BuildKit front end to fetch, no RUN --mount; the legacy builder,
# BuildKit, buildah (podman) and docker-compose 1.29 all build it, offline once the base images
# are there.  The binary is reproducible: the same commit gives the same bytes.

FROM debian:bookworm AS build
ARG DEBIAN_FRONTEND=noninteractive
WORKDIR /src
# What `make static` needs and nothing else (musl, dpkg-dev, a deb-src entry); the apt lists
# stay, `apt-get source` reads the deb-src indexes (this stage is thrown away anyway).
COPY scripts/install-deps.sh scripts/
RUN bash scripts/install-deps.sh --static --build-only
# The libraries, into the build cache (~/.cache/migrate-entry-static) of this layer.
COPY scripts/build-static.sh scripts/
RUN bash scripts/build-static.sh --deps-only
COPY . .
RUN make static \
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
# The pattern to copy (docs/container.md): the entrypoint and `--`, the application as CMD, so
# that `docker run IMAGE bash` runs bash (after the bootstrap).  --init keeps migrate-entry as
# PID 1 to forward signals and reap orphans, which an application as PID 1 rarely does.
ENTRYPOINT ["migrate-entry", "--init", "--"]
CMD ["python", "main.py", "--serve", "8000"]

# The default target: nothing but the static binary (two names) and the CA
# certificates that libpq and libcurl use for TLS.  Other images take the
# binary with COPY --from (docs/container.md).
FROM scratch
COPY --from=build /etc/ssl/certs/ca-certificates.crt /etc/ssl/certs/ca-certificates.crt
COPY --from=build /out/ /usr/local/bin/
ENV SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt \
    PATH=/usr/local/bin
ENTRYPOINT ["/usr/local/bin/migrate-entry"]
CMD ["--help"]
