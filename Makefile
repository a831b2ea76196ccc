# Everyday tasks. `make test` is what CI runs (through .ci/run, with Postgres required).
GO ?= go

.PHONY: test test-pg bench lint build demo generate

test:
	$(GO) test ./...

# The same, failing instead of skipping when Postgres is not reachable.
test-pg:
	ADVOCATE_REQUIRE_POSTGRES=1 $(GO) test -count=1 ./...

# Benchmarks print their figures (records/s, MB, ...; compare runs with benchstat) and one
# BENCH line per performance target; the output ends with the table of every target (figure,
# target, reference, ratio, pass/fail). BENCH_COUNT=3 runs each three times: the table then
# shows the best and the median run (figures vary ~40% on a loaded machine).
BENCH_COUNT ?= 1
bench:
	bash -o pipefail -c "$(GO) test -run '^$$' -bench . -benchmem -count $(BENCH_COUNT) -timeout 60m ./... 2>&1 | $(GO) run ./tools/benchtable"

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

# The binary says which build it is (`advocate --version`): version from the nearest tag,
# commit and build date are set with -ldflags (a plain `go build` falls back to the toolchain's
# build info). SOURCE_DATE_EPOCH, when set, fixes the date for reproducible builds.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u $(if $(SOURCE_DATE_EPOCH),-d @$(SOURCE_DATE_EPOCH)) +%Y-%m-%dT%H:%M:%SZ)

# The static binary, built by the same script as the Dockerfile's (deploy/build.sh).
build:
	OUT=bin/advocate VERSION=$(VERSION) COMMIT=$(COMMIT) DATE=$(DATE) sh deploy/build.sh

demo:
	$(GO) run ./cmd/advocate demo

# Rewrites the bundled sample data in examples/ from its deterministic generator.
generate:
	$(GO) generate ./examples ./internal/config
