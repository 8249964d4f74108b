# nomadguard: `make dev` runs the operator on a simulated cluster; `make test` is what CI runs.
.PHONY: install build lint test bench dev clean schemas browser

NODE_MODULES := node_modules/.package-lock.json

install:
	npm ci --no-audit --no-fund

$(NODE_MODULES): package-lock.json
	npm ci --no-audit --no-fund

build: $(NODE_MODULES)
	npx tsc -p tsconfig.json

lint: $(NODE_MODULES)
	npx eslint .

browser:
	scripts/ensure-chromium

# Fresh clone to green: install, build (type-checks everything, tests included), lint, every test.
test: install browser
	npx tsc -p tsconfig.json
	npx eslint .
	npx jest --ci

bench: build
	node dist/bench/run.js

# Two operator instances elect a leader on the simulated cluster (INSTANCES=1 for a single one).
INSTANCES ?= 2
dev: build
	node bin/nomadguard dev --instances $(INSTANCES)

schemas: build
	node bin/nomadguard schema > crd-schemas/nomadgen.schema.json

clean:
	rm -rf dist coverage
