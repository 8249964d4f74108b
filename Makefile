# nomadguard: `make dev` runs the operator on a simulated cluster; `make test` is what CI runs.
.PHONY: install build lint test bench bench-quick dev clean schemas browser

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

# The same at 1,000 jobs, into bench/results-quick.{json,md}.
bench-quick: build
	node dist/bench/run.js --quick

dev: build
	node bin/nomadguard dev

schemas: build
	node bin/nomadguard schema > crd-schemas/nomadgen.schema.json

clean:
	rm -rf dist coverage
