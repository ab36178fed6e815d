# The widget is built first (web/app.wasm), then the server that serves it.

GO        ?= go
BIN       := .bin/useradmin
WASM      := web/app.wasm
ADDR      ?= 127.0.0.1:8000
BENCH_USERS ?= 1000000
BENCH_DB  ?= data/bench-$(BENCH_USERS).db
# Root installs directly; anyone else goes through sudo.
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build wasm server run test test-deps fuzz bench size clean

all: build

build: wasm server

# web/app.wasm is replaced only when the build changed it, so that the compressed forms
# (brotli -q 11 takes about half a minute) are made again only then.
wasm:
	GOOS=js GOARCH=wasm $(GO) build -trimpath -ldflags="-s -w" -o $(WASM).tmp .
	@if cmp -s $(WASM).tmp $(WASM); then rm $(WASM).tmp; else mv $(WASM).tmp $(WASM); fi
	@$(MAKE) --no-print-directory $(WASM).gz $(WASM).br

# The server sends these precompressed forms to browsers that accept them; brotli is
# smaller, gzip is always there.
$(WASM).gz: $(WASM)
	gzip -9 -k -f $(WASM)

$(WASM).br: $(WASM)
	@if command -v brotli >/dev/null 2>&1; then echo "brotli -q 11 $(WASM)"; brotli -q 11 -k -f $(WASM); \
	else rm -f $(WASM).br; echo "(brotli not installed: serving gzip only; apt-get install brotli)"; fi

server:
	$(GO) build -trimpath -o $(BIN) .

## run: build everything and start on the built-in directory under ./data/, with the
## example admin portal that embeds the widget on its own origin.
run: build
	$(BIN) -addr $(ADDR) -portal-addr 127.0.0.1:8001 -allowed-origins http://127.0.0.1:8001

## test: install what the tests need if it is missing, build, run every test.
test: test-deps build
	$(GO) vet ./...
	GOOS=js GOARCH=wasm $(GO) vet ./app/...
	$(GO) test -count=1 -timeout 20m ./...
	$(MAKE) --no-print-directory fuzz

## fuzz: a short run of each fuzz target (FUZZTIME each); the seed corpus also runs in `go test`.
FUZZTIME ?= 20s
fuzz:
	$(GO) test ./server/graphql -run '^$$' -fuzz '^FuzzHandler$$' -fuzztime $(FUZZTIME) -fuzzminimizetime 10x
	$(GO) test ./server/graphql -run '^$$' -fuzz '^FuzzValidate$$' -fuzztime $(FUZZTIME)

# The browser tests drive Debian's chromium, and the build compresses with brotli;
# install them when they are not there.
test-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	command -v brotli >/dev/null 2>&1 || missing="$$missing brotli"; \
	if [ -n "$$missing" ]; then \
		echo "Installing Debian's$$missing for the tests…"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing >/dev/null; \
	fi

## bench: Go benchmarks of the directory at $(BENCH_USERS) users (the database is made once, then reused).
bench: build
	mkdir -p data
	BENCH_USERS=$(BENCH_USERS) BENCH_DB=$(abspath $(BENCH_DB)) $(GO) test -run '^$$' -bench . -benchtime 2s -timeout 30m ./server/sqlite/

## size: the size of web/app.wasm as users download it.
size: wasm
	@raw=$$(stat -c %s $(WASM)); gz=$$(gzip -9 -c $(WASM) | wc -c); \
	echo "web/app.wasm: $$raw bytes raw, $$gz gzip -9"; \
	if command -v brotli >/dev/null 2>&1; then echo "web/app.wasm: $$(brotli -q 11 -c $(WASM) | wc -c) bytes brotli -q 11"; \
	else echo "(install brotli for its figure: apt-get install brotli)"; fi

clean:
	rm -rf .bin $(WASM) $(WASM).br $(WASM).gz $(WASM).tmp
