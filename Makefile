# pulumi-datum — developer entry points.
# `make test` and `make demo` are all a newcomer needs; both run the idempotent `make setup` first.

SHELL := /bin/bash
NODE_VERSION := 24.21.0
TOOLS := .tools
NODE_DIR := $(TOOLS)/node-$(NODE_VERSION)
PROJECT_NODE := $(NODE_DIR)/node_modules/node/bin/node

# Use the machine's Node when it is new enough (≥ 22.18); otherwise bring Node 24 from the npm registry
# (package `node`) into the project. Every npm script below runs with the chosen Node first on PATH.
# Node ≥ 22.18 runs TypeScript by type stripping without a flag (the e2e programs and the test
# helpers rely on it); the version is compared as major*1000+minor.
SYSTEM_NODE_VERSION := $(shell node -p 'const [a, b] = process.versions.node.split(".").map(Number); a * 1000 + b' 2>/dev/null || echo 0)
ifeq ($(shell [ $(SYSTEM_NODE_VERSION) -ge 22018 ] && echo yes),yes)
NODE_BIN_DIR :=
NODE_DEP :=
else
NODE_BIN_DIR := $(abspath $(NODE_DIR)/node_modules/node/bin)
NODE_DEP := $(PROJECT_NODE)
endif
WITH_NODE := PATH="$(if $(NODE_BIN_DIR),$(NODE_BIN_DIR):)$$PATH"

.PHONY: setup test bench build typecheck clean node demo

setup: $(NODE_DEP) node_modules/.installed dist/.built

node: $(NODE_DEP)

$(PROJECT_NODE):
	mkdir -p $(NODE_DIR)
	cd $(NODE_DIR) && npm install --no-save --no-audit --no-fund --prefix . node@$(NODE_VERSION) >/dev/null
	$(PROJECT_NODE) --version

node_modules/.installed: package.json package-lock.json $(NODE_DEP)
	$(WITH_NODE) npm ci --no-audit --no-fund
	touch $@

dist/.built: node_modules/.installed tsconfig.json $(shell find provider sdk scripts -name "*.ts" 2>/dev/null)
	$(WITH_NODE) npx tsc -p tsconfig.json
	touch $@

build: setup

# Sources, then tests (vitest strips types without checking them).
typecheck: node_modules/.installed
	$(WITH_NODE) npx tsc -p tsconfig.json --noEmit
	$(WITH_NODE) npx tsc -p tsconfig.test.json
	$(WITH_NODE) npx tsc -p test/plugin/tsconfig.json

# The suite runs against real components (kube-apiserver + etcd, Pulumi CLI, pebble, PowerDNS);
# `infra-tools` builds or installs whichever of them are missing (cache outside the repo).
test: setup infra-tools typecheck
	$(WITH_NODE) npx vitest run

bench: setup
	$(WITH_NODE) npm run bench

# The plugin tarballs of a release, dist/release/pulumi-resource-datum-v<version>-<os>-<arch>.tar.gz
# (docs/install.md). Phony: dist/ is also the build directory.
.PHONY: dist
dist: setup
	$(WITH_NODE) node dist/scripts/dist-plugin.js

# Every SDK from the models: schema.json, the TypeScript SDK (scripts/gen-sdk.ts) and the Python and
# Go SDKs (sdk/python, sdk/go) from Pulumi's own generators (test/infra/go/pulumi-codegen).
.PHONY: sdk
sdk: setup
	$(INFRA_DIR)/build-tools.sh pulumi-codegen
	$(WITH_NODE) node dist/scripts/gen-schema.js
	$(WITH_NODE) node dist/scripts/gen-sdk.js
	$(WITH_NODE) node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON -e \
	  'require("child_process").execFileSync(require("./test/infra/tools.ts").toolPaths().pulumiCodegen, ["-schema", "schema.json", "-out", "sdk", "python", "go"], { stdio: "inherit" })'

clean:
	rm -rf dist node_modules/.installed

include test/infra/infra.mk
include examples/demo.mk
