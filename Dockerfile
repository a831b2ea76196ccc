# syntax=docker/dockerfile:1
# Advocate: a static binary on distroless (CA certificates, tzdata, a non-root user, no shell).
#
#   docker build -t advocate:v1.2.3 --build-arg VERSION=v1.2.3 \
#     --build-arg COMMIT=$(git rev-parse HEAD) --build-arg DATE=$(date -u +%Y-%m-%dT%H:%M:%SZ) .
ARG GO_VERSION=1.26

FROM golang:${GO_VERSION} AS build
WORKDIR /src
# Dependencies first: this layer is reused until go.mod or go.sum change.
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION
ARG COMMIT
ARG DATE
# The same command CI runs (deploy/deploy_test.go): CGO_ENABLED=0, -trimpath, -ldflags -X.
RUN OUT=/out/advocate VERSION="${VERSION}" COMMIT="${COMMIT}" DATE="${DATE}" sh deploy/build.sh

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/advocate /usr/local/bin/advocate
# nonroot is uid/gid 65532; the config is mounted read-only, the database is Postgres (or an
# SQLite file on a volume the user can write, e.g. --db /var/lib/advocate/advocate.db).
USER 65532:65532
ENV ADVOCATE_CONFIG=/etc/advocate/advocate.yaml
EXPOSE 8080
# distroless has no curl: the binary probes its own /healthz (server.listen's port).
HEALTHCHECK --interval=30s --timeout=6s --start-period=30s --retries=3 \
  CMD ["/usr/local/bin/advocate", "healthcheck"]
ENTRYPOINT ["/usr/local/bin/advocate"]
CMD ["serve"]
