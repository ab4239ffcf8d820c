# oathctl: the two set-up commands are `make demo` and `make test`; everything else hangs off them.
SWIFT    ?= swift
PREFIX   ?= /usr/local
RELEASE  := .build/release/oathctl
DEBUG    := .build/debug/oathctl
# Generated requests per API operation in `make fuzz`'s long contract run.
CONTRACT_EXAMPLES ?= 500
# System libraries oathctl links: libcrypto (OpenSSL 3) and SQLite.
SYSTEM_PACKAGES := libssl-dev libsqlite3-dev pkg-config

.PHONY: all deps build test demo serve bench bench-serve bench-beside fuzz faults install clean

all: build

## deps: check the system libraries; install them with apt-get when running as root, else say how.
deps:
	@missing=""; \
	for p in $(SYSTEM_PACKAGES); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "oathctl: installing system packages:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null || { echo "oathctl: apt-get install$$missing failed" >&2; exit 1; }; \
	  else \
	    echo "oathctl: missing system packages:$$missing" >&2; \
	    echo "         install them with: sudo apt-get install$$missing" >&2; exit 1; \
	  fi; \
	fi
	@command -v $(SWIFT) >/dev/null || { echo "oathctl: swift not found on PATH (Swift 6.1 or newer is needed)" >&2; exit 1; }

## build: release binary at .build/release/oathctl
build: deps
	$(SWIFT) build -c release --product oathctl

## test: every unit and end-to-end test (debug build), with a throwaway PostgreSQL 15 cluster
## (installed with apt-get when missing and root; started on a free port, removed afterwards), then the
## API against its OpenAPI document with schemathesis (PyPI, in .build/venv) on both stores, then the web page
## in headless Chromium with selenium (Debian's chromium and chromium-driver, installed when missing and root);
## ../shared (vectors, peer corpus), openssl and python3 are required: a missing one fails the run with its name.
## CI runs exactly this.
test: deps
	$(SWIFT) build --build-tests
	OATHCTL_REQUIRE_PREREQUISITES=1 bash scripts/with-postgres.sh $(SWIFT) test --skip-build
	bash scripts/with-postgres.sh bash scripts/schemathesis.sh
	bash scripts/browser-tests.sh

## demo: the main job on the bundled samples.
demo: build
	@OATHCTL=$(RELEASE) bash scripts/demo.sh

## serve: the web page on a fresh demo store with a demo helpdesk and admin operator (prints the URL and how to sign in).
serve: build
	@OATHCTL=$(RELEASE) bash scripts/serve-demo.sh

## bench: oathctl beside its peers (liboath, OpenSSL, pyotp, Python's csv), release build; writes bench/results.md.
bench: deps
	$(SWIFT) build -c release --product oathctl
	$(SWIFT) build -c release --product oathbench
	python3 Benchmarks/bench.py

## bench-serve: sign-in checks per second through `oathctl serve` (wrk, 1, 8 and 64 connections, fresh and wrong
## codes) on SQLite and a throwaway PostgreSQL cluster (fsync on), beside privacyIDEA 3.14 from PyPI (a venv under
## .build/, gunicorn, 2 workers, SQLite) with the same workload; writes bench/serve-results.md. Then bench-beside.
bench-serve: deps build
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || { echo "oathctl: bench-serve needs wrk (apt-get install wrk)" >&2; exit 1; }
	python3 Benchmarks/bench_serve.py
	python3 Benchmarks/bench_beside.py

## bench-beside: sign-in checks (8 connections, every request a first acceptance) while operators work beside them:
## logins, find, validate, an import, an audit export; on SQLite and a throwaway PostgreSQL (fsync on), 1,000,000 tokens
## in stock; accepted/s, p50, p99 and max per load; writes bench/beside-results.md.
bench-beside: deps build
	@command -v wrk >/dev/null || { [ "$$(id -u)" = 0 ] && apt-get install -y -qq wrk >/dev/null; } || { echo "oathctl: bench-beside needs wrk (apt-get install wrk)" >&2; exit 1; }
	python3 Benchmarks/bench_beside.py

## fuzz: each libFuzzer target (Base32, CSV + rules, PSKC, SIMD SHA-1 against libcrypto, OATH CSV + SafeWord, the HTTP API's
## JSON bodies and uploads) for FUZZ_SECONDS (default 60) with the address sanitizer; then schemathesis with CONTRACT_EXAMPLES
## (default 500; `make test` runs 20) generated requests per operation against `serve` on SQLite and on a throwaway PostgreSQL.
fuzz: deps build
	bash scripts/fuzz.sh
	SCHEMATHESIS_EXAMPLES=$(CONTRACT_EXAMPLES) bash scripts/with-postgres.sh bash scripts/schemathesis.sh $(CURDIR)/$(RELEASE)

## faults: SIGKILL a large import at random points (20 on SQLite, 10 on a throwaway PostgreSQL cluster);
## the store must always be before or after the batch. Then SIGKILL `serve` under sign-in load 5 times: no code
## accepted before a kill is accepted after it, every acceptance has its audit row, the store passes its check.
## Then SIGKILL `serve` 5 times while it imports a 100,000-row file in stages: the store is as before, the next start
## removes the hidden rows, and the file then imports whole.
## Then stop PostgreSQL for 10 s under sign-in load: 503 with Retry-After meanwhile, no hang, service resumes.
## Then two serve nodes on one PostgreSQL store, one killed under load: the other answers, each code accepted once.
## Then hostile clients (1,000 slow connections, 1 MB headers, an oversized upload, deep JSON, 10,000 bad logins).
## Then a full disk (a small tmpfs; needs root) under an import through serve: 507, the store unchanged, sign-ins answered.
faults: build
	python3 Tests/Faults/kill_import.py 20 200000
	python3 Tests/Faults/kill_serve.py 5 3000
	python3 Tests/Faults/kill_serve_import.py 5 100000
	bash scripts/with-postgres.sh python3 Tests/Faults/stop_postgres.py 300
	bash scripts/with-postgres.sh python3 Tests/Faults/two_nodes_postgres.py 3000
	python3 Tests/Faults/hostile_clients.py
	python3 Tests/Faults/disk_full.py 300000
	bash scripts/with-postgres.sh python3 Tests/Faults/kill_import_postgres.py 10 100000

## install: copy the release binary to $(PREFIX)/bin
install: build
	install -d $(PREFIX)/bin
	install -m 0755 $(RELEASE) $(PREFIX)/bin/oathctl

clean:
	rm -rf .build .build-fuzz
