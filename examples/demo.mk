# Examples, demo and end-to-end tooling (included from the main Makefile; uses its WITH_NODE,
# NODE_DEP and the setup / infra-tools / cluster targets).
#   make demo                 examples/basic end to end on a throw-away local control plane (scripts/demo.sh)
#   make cluster-actors       alias of `make cluster` (control plane + real controllers + local DNS)
#   make cluster-actors-down  alias of `make cluster-down`
#   make e2e-tools            pulumi-language-yaml for examples/yaml (also built by `make infra-tools`)
#   make typecheck-examples   type-check the example programs and test/e2e (also part of `make typecheck`)
E2E_DIR := test/e2e
E2E_NODE := node --disable-warning=MODULE_TYPELESS_PACKAGE_JSON

.PHONY: demo e2e-tools typecheck-examples cluster-actors cluster-actors-down

demo: setup infra-tools
	$(WITH_NODE) scripts/demo.sh

# The e2e suite (make test) runs examples/yaml, so the YAML language host is part of the tools.
infra-tools: e2e-tools

e2e-tools:
	$(E2E_DIR)/build-yaml-host.sh

# Node runs the examples and vitest runs the suite with type stripping, which checks nothing: an SDK
# change that breaks an example must fail here.
typecheck: typecheck-examples

typecheck-examples: node_modules/.installed
	$(WITH_NODE) npx tsc -p $(E2E_DIR)/tsconfig.json
	$(WITH_NODE) npx tsc -p examples/tsconfig.json

# Old names of `make cluster` / `make cluster-down` (which start and stop the real controllers).
cluster-actors: cluster

cluster-actors-down: cluster-down
