# The widget is built first (web/app.wasm), then the server that serves it.

GO        ?= go
BIN       := .bin/useradmin
WASM      := web/app.wasm
ADDR      ?= 127.0.0.1:8000
BENCH_USERS ?= 1000000
BENCH_DB  ?= data/bench-$(BENCH_USERS).db
# Root installs directly; anyone else goes through sudo.
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build wasm server generate run test test-deps fuzz bench bench-smoke bench-figures size clean

all: build

build: wasm server

# web/app.wasm is replaced only when the build changed it, so that the compressed forms
# (brotli -q 11 takes about half a minute) are made again only then.
#
# -gcflags=all=-l turns inlining off: the wasm grows 2.5% raw but compresses 13% smaller
# (2.45 -> 2.12 MB brotli), since calls repeat where inlined bodies did not.
# -tags nethttpomithttp2 leaves net/http's HTTP/2 out: in the browser every request goes
# through fetch, which speaks HTTP/2 itself (-0.78 MB raw). server/wasmpack then joins the
# data segments that Go's linker splits at each run of zeros (same memory at start).
# binaryen's wasm-opt -Oz was measured too: 7% smaller raw but 2% larger in brotli, so the
# build does not use it. Nor -gcflags=all=-B (32 kB smaller in brotli, but no bounds checks)
# or GOEXPERIMENT=nogreenteagc (13 kB larger).
#
# Most of what is left is not the widget's to drop: crypto/tls, crypto/x509 and the rest of
# the crypto they need (about 290 kB of the brotli figure in code, with an 88 kB P-256 table
# that does not compress) come with net/http, whose browser RoundTrip keeps its own
# Transport as the fallback when fetch is missing. regexp's parser and the Unicode tables
# stay without any regexp of the widget's: go-app matches routes with regexp, and that keeps
# (*regexp.Regexp).UnmarshalText, which compiles. The widget's own code is about 160 kB.
# Brotli -q 11 moves by up to 15 kB when a single function changes, so a change counts
# only when it gains clearly more.
wasm:
	GOOS=js GOARCH=wasm $(GO) build -tags nethttpomithttp2 -trimpath -ldflags="-s -w" -gcflags=all=-l -o $(WASM).tmp .
	$(GO) run ./server/wasmpack $(WASM).tmp
	@if cmp -s $(WASM).tmp $(WASM); then rm $(WASM).tmp; else mv $(WASM).tmp $(WASM); fi
	@$(MAKE) --no-print-directory $(WASM).gz $(WASM).br

# The server sends these precompressed forms to browsers that accept them; brotli is
# smaller, gzip is always there.
# Each compressed form is written under a temporary name and renamed, so that a running
# server never sends a half-written one.
$(WASM).gz: $(WASM)
	gzip -9 -c $(WASM) > $(WASM).gz.tmp && mv $(WASM).gz.tmp $(WASM).gz

# A 16 MiB window (-w 24, the most browsers accept) sees all of app.wasm at once: 1% smaller.
$(WASM).br: $(WASM)
	@if command -v brotli >/dev/null 2>&1; then echo "brotli -q 11 -w 24 $(WASM)"; brotli -q 11 -w 24 -c $(WASM) > $(WASM).br.tmp && mv $(WASM).br.tmp $(WASM).br; \
	else rm -f $(WASM).br; echo "(brotli not installed: serving gzip only; apt-get install brotli)"; fi

server:
	$(GO) build -trimpath -o $(BIN) .

## generate: write server/graphql's generated executor (generated.go, models_gen.go) from
## schema.graphql with gqlgen, as gqlgen.yml says; the generated files are committed.
generate:
	$(GO) generate ./server/graphql

## run: build everything and start on the built-in directory under ./data/, with the
## example admin portal that embeds the widget on its own origin.
run: build
	$(BIN) -addr $(ADDR) -portal-addr 127.0.0.1:8001 -allowed-origins http://127.0.0.1:8001

# The end-to-end tests that the second run, on PostgreSQL, leaves out: those of the pages'
# markup (axe-core on pages whose content is the same on both stores), of frames and
# origins (no store in them), the kill -9 of SQLite's file (TestInstances_Kill9OneInstance
# is PostgreSQL's), and the tests of several instances, which run on PostgreSQL in the
# first run already. Every other test runs on both stores, new ones too.
E2E_STORE_FREE := ^(TestAccessibility|TestAccessibility_ListLoading|TestAccessibility_Export|TestAccessibility_Import|TestAccessibility_Paradime|TestCrossSite|TestEmbed|TestEmbed_PathPrefix|TestDurability_Kill9|TestInstances_.*)$$

## test: install what the tests need if it is missing, build, run every test; the store
## tests and the end-to-end security, load and widget tests run once per store (SQLite,
## then PostgreSQL on a throwaway cluster that the tests start and remove themselves).
test: test-deps build
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/...
	$(GO) test -count=1 -timeout 20m ./...
	E2E_STORE=postgres $(GO) test -count=1 -timeout 20m ./server/e2e/ -skip '$(E2E_STORE_FREE)'
	$(MAKE) --no-print-directory fuzz
	$(MAKE) --no-print-directory bench-smoke

## fuzz: a short run of each fuzz target (FUZZTIME each); the seed corpus also runs in `go test`.
FUZZTIME ?= 20s
fuzz:
	$(GO) test ./server/graphql -run '^$$' -fuzz '^FuzzHandler$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 10x
	$(GO) test ./server/graphql -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime $(FUZZTIME)

# The browser tests drive Debian's chromium and check every page with axe-core (from the
# npm registry, pinned), the build compresses with brotli, and the PostgreSQL store's
# tests start Debian's postgresql server (its cluster of its own, not the package's);
# install them when they are not there.
AXE_VERSION := 4.14.1
AXE         := .bin/npm/node_modules/axe-core/axe.min.js
test-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v brotli >/dev/null 2>&1 || missing="$$missing brotli"; \
	ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || command -v pg_ctl >/dev/null 2>&1 || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian's$$missing for the tests…"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi
	@grep -qs '"version": "$(AXE_VERSION)"' $(dir $(AXE))package.json || { \
		echo "Installing axe-core $(AXE_VERSION) from npm for the accessibility tests…"; \
		npm install --silent --no-audit --no-fund --prefix .bin/npm axe-core@$(AXE_VERSION) >/dev/null; }

## bench: every performance figure at $(BENCH_USERS) users, as one table: the directory's
## benchmarks on SQLite and on PostgreSQL side by side, one vs two instances on one
## PostgreSQL database, live updates' latency on both stores, the widget and a minimal
## hand-written page in headless Chromium, and 64 HTTP clients. The SQLite database is
## made once under ./data/, then reused (PostgreSQL's: see bench-figures).
bench: build
	mkdir -p data
	@$(MAKE) --no-print-directory bench-figures

## bench-smoke: the same on a small database, each figure measured once, so that the
## benchmarks keep working (it fails on breakage, never on a timing).
bench-smoke: build
	@$(MAKE) --no-print-directory bench-figures BENCH_USERS=60000 BENCH_DB=.bin/bench-60000.db \
		BENCH_TIME=1x BENCH_RUNS=1 BENCH_HTTP_TIME=200x BENCH_OUT=.bin/bench-smoke.txt

# bench-figures runs the benchmarks into BENCH_OUT and prints the table; benchtable fails
# when a benchmark failed or a figure is missing (the stores' benchmarks, as `go test
# -list` lists them, must all give theirs). The PostgreSQL benchmarks (server/postgres's
# BenchmarkPG_*, and server/e2e's of several instances and of live updates) run on a
# database of BENCH_USERS users made on the tests' throwaway cluster at each run, or on
# the database at BENCH_PG_URL, which is filled once and then reused. BENCH_TIME is the
# directory benchmarks' -benchtime, BENCH_RUNS the browser measurements' number of runs (the table shows their
# median), BENCH_HTTP_TIME how long the 64 HTTP clients run, for the page and for the page
# with its count, and for one and two instances, as they are and each in a cgroup with a
# CPU quota of BENCH_INSTANCE_CORES of a core (0.1 unless set; see BenchmarkInstances).
BENCH_TIME      ?= 2s
BENCH_RUNS      ?= 5
BENCH_HTTP_TIME ?= 10s
BENCH_OUT       ?= data/bench.txt
BENCH_ENV        = BENCH_USERS=$(BENCH_USERS) BENCH_DB=$(abspath $(BENCH_DB))
bench-figures:
	@mkdir -p $(dir $(BENCH_OUT)) $(dir $(BENCH_DB))
	$(GO) test -list '^Benchmark' ./server/sqlite/ ./server/postgres/ > $(BENCH_OUT)
	$(BENCH_ENV) $(GO) test -run '^$$' -bench . -benchtime $(BENCH_TIME) -timeout 30m ./server/sqlite/ 2>&1 | tee -a $(BENCH_OUT)
	$(BENCH_ENV) $(GO) test -run '^$$' -bench 'PG' -benchtime $(BENCH_TIME) -timeout 40m ./server/postgres/ 2>&1 | tee -a $(BENCH_OUT)
	$(BENCH_ENV) $(GO) test -run '^$$' -bench 'FirstRows|Browse|Export|ImportTenThousand|Live' -benchtime $(BENCH_RUNS)x -timeout 40m ./server/e2e/ 2>&1 | tee -a $(BENCH_OUT)
	$(BENCH_ENV) $(GO) test -run '^$$' -bench 'HTTPList|Instances' -benchtime $(BENCH_HTTP_TIME) -timeout 20m ./server/e2e/ 2>&1 | tee -a $(BENCH_OUT)
	@echo
	@$(GO) run ./server/e2e/benchtable -wasm $(WASM) < $(BENCH_OUT)

## size: the size of web/app.wasm as users download it.
size: wasm
	@raw=$$(stat -c %s $(WASM)); gz=$$(gzip -9 -c $(WASM) | wc -c); \
	echo "web/app.wasm: $$raw bytes raw, $$gz gzip -9"; \
	if command -v brotli >/dev/null 2>&1; then echo "web/app.wasm: $$(brotli -q 11 -w 24 -c $(WASM) | wc -c) bytes brotli -q 11 -w 24"; \
	else echo "(install brotli for its figure: apt-get install brotli)"; fi

clean:
	rm -rf .bin $(WASM) $(WASM).br $(WASM).gz $(WASM).tmp $(WASM).br.tmp $(WASM).gz.tmp
