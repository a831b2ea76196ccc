#!/bin/sh
# Builds the static advocate binary — the one build command, run by the Dockerfile and by
# deploy/deploy_test.go (so CI checks the binary the image ships).
#
#   OUT=bin/advocate VERSION=v1.2.3 COMMIT=$(git rev-parse HEAD) DATE=$(date -u +%FT%TZ) deploy/build.sh
#
# CGO_ENABLED=0: pure Go (the SQLite driver is modernc.org/sqlite), so the binary has no
# dynamic loader and runs on scratch/distroless. -trimpath: no build paths in the binary.
# VERSION/COMMIT/DATE, when set, are linked into internal/version; unset, the binary falls back
# to what the Go toolchain recorded (module version, VCS revision and time).
set -eu
cd "$(dirname "$0")/.."
pkg=github.com/advocate-hq/advocate/internal/version
ldflags="-s -w"
[ -n "${VERSION:-}" ] && ldflags="$ldflags -X $pkg.Version=$VERSION"
[ -n "${COMMIT:-}" ] && ldflags="$ldflags -X $pkg.Commit=$COMMIT"
[ -n "${DATE:-}" ] && ldflags="$ldflags -X $pkg.Date=$DATE"
CGO_ENABLED=0 exec go build -trimpath -ldflags "$ldflags" -o "${OUT:-bin/advocate}" ./cmd/advocate
