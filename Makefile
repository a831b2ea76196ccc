# Everyday tasks. `make test` is what CI runs (through .ci/run, with Postgres required).
GO ?= go

.PHONY: test test-pg bench lint build demo generate

test:
	$(GO) test ./...

# The same, failing instead of skipping when Postgres is not reachable.
test-pg:
	ADVOCATE_REQUIRE_POSTGRES=1 $(GO) test -count=1 ./...

# Benchmarks print their figures (records/s, MB, ...); compare runs with benchstat.
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

build:
	CGO_ENABLED=0 $(GO) build -o bin/advocate ./cmd/advocate

demo:
	$(GO) run ./cmd/advocate demo

# Rewrites the bundled sample data in examples/ from its deterministic generator.
generate:
	$(GO) generate ./examples
