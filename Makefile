# chuangdai — see README.md. `make run` and `make test` need nothing but Go.
GO        ?= go
BIN       := bin/chuangdai
TESTFLAGS ?=
STATICCHECK_VERSION := v0.8.2
OAPI_CODEGEN_VERSION := v2.8.2
OAPI_RUNTIME_VERSION := v1.9.0

SOAK_DURATION ?= 3m

.PHONY: run build test test-race lint fmt vet staticcheck clean soak release-migrations

## run: build, load demo data into an empty ./data/chuangdai.db, and serve on :8080
run: build
	@mkdir -p data
	@CHUANGDAI_LOG_LEVEL=warn ./$(BIN) seed demo --if-empty --credentials-file data/demo-credentials.txt
	./$(BIN) serve

## build: compile the binary into bin/
build:
	$(GO) build -o $(BIN) ./cmd/chuangdai

## test: the whole suite (SQLite; set CHUANGDAI_TEST_DATABASE_URL for PostgreSQL)
test:
	$(GO) test -count=1 $(TESTFLAGS) ./...

## test-race: the suite under the race detector; the embedded SQLite engine
## (modernc.org/sqlite, C translated to Go, no goroutines of its own) is built
## without instrumentation: instrumented, it made the SQLite suite three times
## slower, and it can hold no race of ours
RACEFLAGS := -race -gcflags=modernc.org/...=-race=false
test-race:
	$(MAKE) test TESTFLAGS="$(RACEFLAGS) $(TESTFLAGS)"

## lint: gofmt, go vet and staticcheck
lint: fmt vet staticcheck

fmt:
	@out=$$(gofmt -l cmd internal migrations web); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck:
	$(GO) run honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION) ./...

## soak: drive a mixed load for SOAK_DURATION against a fresh server on loopback
soak:
	scripts/soak.sh $(SOAK_DURATION)

## bench: reports at a million loans (CHUANGDAI_BENCH_LOANS) on PostgreSQL (CHUANGDAI_BENCH_DATABASE_URL) against the raw aggregates, GET of a loan against a bare net/http + pgx handler, the legacy import against COPY and sqlite3 .import; results into README.md; not part of test
.PHONY: bench
bench:
	$(GO) run ./cmd/chuangdai-bench -readme README.md

## openapi-check: the served OpenAPI document compiles in ajv (strict, draft-07 + nullable) and oapi-codegen generates a Go client from it that builds
.PHONY: openapi-check
openapi-check:
	@mkdir -p bin/openapi/client
	$(GO) run ./cmd/chuangdai openapi > bin/openapi/openapi.json
	cd scripts/openapi-check && npm ci --no-audit --no-fund --silent && node check.mjs ../../bin/openapi/openapi.json
	$(GO) run github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen@$(OAPI_CODEGEN_VERSION) -generate types,client -package chuangdaiapi -o bin/openapi/client/client.go bin/openapi/openapi.json
	cd bin/openapi/client && rm -f go.mod go.sum && $(GO) mod init chuangdaiapi 2>/dev/null && \
		$(GO) mod edit -require=github.com/oapi-codegen/runtime@$(OAPI_RUNTIME_VERSION) && $(GO) mod tidy 2>/dev/null && $(GO) vet . && echo "oapi-codegen: the generated client builds"

## release-migrations: list the migrations not yet released in a new file migrations/released/<first version>.sha256 (at landing on main: main is released; released.sha256 and every earlier list are never edited)
release-migrations:
	@cd migrations && new=$$(for f in postgres/*.sql sqlite/*.sql; do \
		cat released.sha256 released/*.sha256 | grep -q "  $$f$$" || echo "$$f"; done); \
	if [ -n "$$new" ]; then \
		first=$$(for f in $$new; do basename "$$f" | cut -d_ -f1; done | sort | head -1); \
		sha256sum $$new | LC_ALL=C sort -k2 > released/$$first.sha256; echo "released in released/$$first.sha256:"; echo "$$new"; \
	fi
	$(GO) test -count=1 ./migrations/

clean:
	rm -rf bin

.PHONY: web web-check test-e2e screenshots e2e-deps

## web: rebuild the Vue UI into web/dist (needs Node 20 and npm; the build is committed)
web:
	cd web && npm ci --no-audit --no-fund && npm run build

## web-check: rebuild web/dist from the sources and the lock file and fail when it differs from the committed build
web-check: web
	@git diff --quiet -- web/dist && test -z "$$(git status --porcelain -- web/dist)" || { echo "web/dist differs from a fresh build of web/src: run make web and commit web/dist"; git status --short -- web/dist; exit 1; }

# The browser tests (@playwright/test) drive Debian's Chromium
# (/usr/bin/chromium; apt-get install chromium fonts-noto-cjk); they never
# download a browser.
e2e-deps:
	@test -x /usr/bin/chromium || { echo "test-e2e needs /usr/bin/chromium: apt-get install -y chromium fonts-noto-cjk"; exit 1; }
	@test -d web/node_modules/@playwright/test || (cd web && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)

## test-e2e: build, start chuangdai on a free port with a fresh SQLite file and the demo data, run the browser tests
test-e2e: build e2e-deps
	cd web && CHUANGDAI_BIN=../$(BIN) PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npx playwright test

## screenshots: each role's main pages at 1440 px and 375 px into docs/screenshots/
screenshots: build e2e-deps
	cd web && CHUANGDAI_BIN=../$(BIN) npx playwright test --config playwright.screenshots.config.js
