# nomadguard: `make dev` runs the operator on a simulated cluster; `make test` is what CI runs.
.PHONY: deps install uninstall build lint test bench bench-quick dev clean schemas browser

NODE_MODULES := node_modules/.package-lock.json
PREFIX ?= /usr/local

# A clean install of the locked dependencies.
deps:
	npm ci --no-audit --no-fund

$(NODE_MODULES): package-lock.json
	npm ci --no-audit --no-fund

build: $(NODE_MODULES)
	npx tsc -p tsconfig.json
	git rev-parse --short=12 HEAD > dist/commit 2>/dev/null || rm -f dist/commit

# Builds, then puts `nomadguard` on PATH: a link in $(PREFIX)/bin to bin/nomadguard of this checkout.
install: build
	install -d $(DESTDIR)$(PREFIX)/bin
	ln -sf $(CURDIR)/bin/nomadguard $(DESTDIR)$(PREFIX)/bin/nomadguard
	@echo "nomadguard -> $(DESTDIR)$(PREFIX)/bin/nomadguard ($$($(DESTDIR)$(PREFIX)/bin/nomadguard --version))"

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/nomadguard

lint: $(NODE_MODULES)
	npx eslint .

browser:
	scripts/ensure-chromium

# Fresh clone to green: install, build (type-checks everything, tests included), lint, every test.
test: deps browser
	npx tsc -p tsconfig.json
	npx eslint .
	npx jest --ci

bench: build
	node dist/bench/run.js

# The same at 1,000 jobs, into bench/results-quick.{json,md}.
bench-quick: build
	node dist/bench/run.js --quick

# Two operator instances elect a leader on the simulated cluster (INSTANCES=1 for a single one).
INSTANCES ?= 2
dev: build
	node bin/nomadguard dev --instances $(INSTANCES)

schemas: build
	node bin/nomadguard schema > crd-schemas/nomadgen.schema.json
	node scripts/spec-reference README.md

clean:
	rm -rf dist coverage
