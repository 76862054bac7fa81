# supremeraid-fn — every tool the project needs is installed by a target here, into ./bin (Go
# tools) or by apt (Debian packages), so a fresh clone needs only Go, make and root.
#
#   make example   render the example with the real kustomize (the README's first command)
#   make test      everything CI runs (the README's second command)

SHELL       := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BIN        := $(CURDIR)/bin
GO         ?= go
VERSION    ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS    := -s -w -X supremeraid.dev/supremeraid-fn/fn/cli.Version=$(VERSION)
FN         := $(BIN)/supremeraid-fn

KUSTOMIZE_VERSION      := v5.7.1
KPT_VERSION            := v1.0.0-beta.49
CONTROLLER_GEN_VERSION := v0.19.0
HELM_VERSION           := v3.21.4
KUSTOMIZE      := $(BIN)/kustomize
KPT            := $(BIN)/kpt
CONTROLLER_GEN := $(BIN)/controller-gen
PROMTOOL       := $(BIN)/promtool
HELM           := $(BIN)/helm

# Tests that need a tool fail instead of skipping when this is set (see README, Testing).
export SUPREMERAID_REQUIRE_TOOLS ?=
export KUSTOMIZE KPT PROMTOOL HELM
# (one variable per `export NAME := value`: `export A B=v` exports a variable named "B=v")
export SUPREMERAID_FN := $(FN)

##@ Main

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^##@/ {printf "\n%s\n", substr($$0, 5)} /^[a-zA-Z0-9_.-]+:.*## / {printf "  %-16s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: build
build: ## build bin/supremeraid-fn (static, version stamped)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(LDFLAGS)' -o $(FN) ./fn

.PHONY: example
example: build $(KUSTOMIZE) ## render examples/kustomize with the real kustomize
	$(KUSTOMIZE) build --enable-alpha-plugins --enable-exec examples/kustomize

.PHONY: render
render: build ## print the manifests of examples/kustomize/supremeraid.yaml without kustomize
	$(FN) render examples/kustomize/supremeraid.yaml

##@ Tests

.PHONY: test
test: tools build ## run every test with every tool installed (what CI runs)
	SUPREMERAID_REQUIRE_TOOLS=1 $(GO) test -count=1 ./...

.PHONY: test-short
test-short: build ## run the tests with the tools already present (missing tools skip)
	$(GO) test ./...

.PHONY: lint
lint: ## gofmt, go vet, and go mod tidy must leave no diff
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy -diff

##@ Code generation

.PHONY: generate
generate: $(CONTROLLER_GEN) ## regenerate the config CRD and JSON Schema from the Go types
	$(CONTROLLER_GEN) crd:crdVersions=v1 paths=./generators/config/... output:crd:artifacts:config=generators/config/schema
	$(GO) run ./generators/config/internal/schemagen generators/config/schema/supremeraid.dev_supremeraids.yaml generators/config/schema/supremeraid.schema.json
	$(MAKE) transcripts

.PHONY: transcripts
transcripts: ## rewrite the console transcripts in README.md and docs/ from the commands' output
	UPDATE_GOLDEN=1 $(GO) test ./fn/cli -run 'TestTranscripts$$'

.PHONY: golden
golden: ## rewrite golden files from the current output (review the diff!)
	UPDATE_GOLDEN=1 $(GO) test ./... -run 'Golden'

##@ Tools

.PHONY: tools
tools: $(KUSTOMIZE) $(KPT) $(CONTROLLER_GEN) $(PROMTOOL) $(HELM) ## install every tool the tests use

$(KUSTOMIZE):
	GOBIN=$(BIN) $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

# kpt's version list is refused by the module proxy, so a pinned module builds it (e2e/tools/kpt).
$(KPT): e2e/tools/kpt/go.mod
	cd e2e/tools/kpt && GONOSUMDB=github.com/GoogleContainerTools/kpt $(GO) build -o $(KPT) github.com/GoogleContainerTools/kpt

# promtool (module prometheus v0.316.0 = Prometheus v3.16.0) checks and unit-tests the generated alerting
# rules and the dashboard's queries (generators/monitoring). Its own module (e2e/tools/promtool)
# keeps Prometheus's large dependency graph out of the product module. Cold build: see
# docs/monitoring.md (Testing).
$(PROMTOOL): e2e/tools/promtool/go.mod
	cd e2e/tools/promtool && GOWORK=off $(GO) build -o $(PROMTOOL) github.com/prometheus/prometheus/cmd/promtool

$(CONTROLLER_GEN):
	GOBIN=$(BIN) $(GO) install sigs.k8s.io/controller-tools/cmd/controller-gen@$(CONTROLLER_GEN_VERSION)

# helm renders the real opa-kube-mgmt chart (testdata copy) in the tenant and e2e tests.
$(HELM):
	GOBIN=$(BIN) $(GO) install helm.sh/helm/v3/cmd/helm@$(HELM_VERSION)

.PHONY: clean
clean: ## remove bin/ (tools are rebuilt on the next make)
	rm -rf $(BIN)
# --- kmod build tests (kmod/) ------------------------------------------------
# Debian packages the kmod tests run for real: kernel headers (linux-headers-amd64, with the
# gcc they were built with) to compile the fixture modules; rpm (rpmbuild, rpm2archive),
# rpm2cpio and cpio to pack and unpack the fixture RPM; makeself for the fixture installer;
# kmod (modinfo, depmod, modprobe); xz/bzip2/zstd payloads; binutils (readelf, strip); curl;
# shellcheck. Idempotent: apt-get only runs when a package is missing.
KMOD_APT_PACKAGES := linux-headers-amd64 gcc make libc6-dev binutils kmod rpm rpm2cpio cpio \
	makeself xz-utils bzip2 zstd curl shellcheck

.PHONY: tools-kmod
tools-kmod: ## install the kmod build test tools (Debian kernel headers, rpm, cpio, makeself, kmod)
	@if dpkg -s $(KMOD_APT_PACKAGES) >/dev/null 2>&1; then echo "tools-kmod: all present"; else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(KMOD_APT_PACKAGES); fi
tools: tools-kmod
# -----------------------------------------------------------------------------

# --- node agent (fn/agent) test tools: added by the node-agent helper ------
# blkid/mkswap (util-linux), mount/umount/losetup (mount), mkfs.xfs (xfsprogs),
# mkfs.ext4 (e2fsprogs). Idempotent: apt-get only runs when a command is missing.
AGENT_APT_PACKAGES := util-linux mount xfsprogs e2fsprogs fdisk dmsetup

.PHONY: agent-tools
agent-tools: ## install the node agent's test tools (blkid, mkfs.xfs, mkfs.ext4, mount, losetup)
	@missing=0; for c in blkid mkswap mount umount losetup mkfs.xfs mkfs.ext4 wipefs sfdisk dmsetup unshare xfs_io; do \
	  PATH="$$PATH:/sbin:/usr/sbin" command -v $$c >/dev/null 2>&1 || missing=1; \
	done; \
	if [ $$missing = 1 ]; then \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(AGENT_APT_PACKAGES); \
	else echo "agent-tools: all present"; fi

tools: agent-tools
# ---------------------------------------------------------------------------

# --- cluster e2e (e2e/): added by the e2e helper ----------------------------
# A real etcd v3.6.4 and kube-apiserver v1.34.2 (pinned in e2e/tools/controlplane/go.mod) and
# OPA v1.22.2 (e2e/tools/opa/go.mod, the admission webhook backend), built from the Go module
# proxy by e2e/tools/build.sh into bin/. The first build takes several minutes on 2 cores; after
# that the script returns at once while bin/.e2e-<module>.stamp matches that module's go.mod,
# go.sum, build recipe and the Go version.
# e2e/ is its own Go module, so its tests run from there with GOWORK=off.
# `make test` runs the e2e too; SKIP_E2E=1 leaves it out: `make test SKIP_E2E=1`.
KUBE_APISERVER := $(BIN)/kube-apiserver
ETCD           := $(BIN)/etcd
OPA            := $(BIN)/opa
SKIP_E2E       ?=
export KUBE_APISERVER ETCD OPA

.PHONY: e2e-tools
e2e-tools: ## build bin/kube-apiserver v1.34.2, bin/etcd v3.6.4 and bin/opa v1.22.2 (once; skipped when up to date)
	e2e/tools/build.sh $(BIN)

.PHONY: e2e
e2e: e2e-tools build $(KUSTOMIZE) $(HELM) ## cluster e2e: real etcd + kube-apiserver accept every rendered example and overlay; real OPA webhook
	cd e2e && GOWORK=off SUPREMERAID_REQUIRE_TOOLS=1 $(GO) test -count=1 -v -timeout 20m ./...

ifneq ($(SKIP_E2E),1)
test: e2e
endif
# ---------------------------------------------------------------------------

# --- node platform (generators/nfd, generators/machineconfig): added by the node-platform helper
# pci.ids: Debian's PCI ID database; the nfd tests check every default GPU device ID against it
# where the package installs it (PCI_IDS). kmod: modprobe parses the generated nouveau blacklist.
# Idempotent: apt-get only runs when a package is missing.
NODEPLATFORM_APT_PACKAGES := pci.ids kmod
PCI_IDS ?= /usr/share/misc/pci.ids
export PCI_IDS

.PHONY: tools-pciids
tools-pciids: ## install the node platform test data and tools (Debian pci.ids database, kmod's modprobe)
	@if dpkg -s $(NODEPLATFORM_APT_PACKAGES) >/dev/null 2>&1; then echo "tools-pciids: all present"; else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(NODEPLATFORM_APT_PACKAGES); fi

tools: tools-pciids
# ---------------------------------------------------------------------------

# --- tool e2e (examples/, overlays/, Dockerfile): added by the examples helper ---------------
# Runs every example and overlay with the real kustomize and kpt and the freshly built function
# (`make test` runs these too, as part of ./...). golden-examples rewrites their golden files
# (examples/testdata/golden) after a generator change: review the diff.
.PHONY: test-examples
test-examples: $(KUSTOMIZE) $(KPT) build ## run the examples, overlays and Dockerfile checks with the real kustomize and kpt
	SUPREMERAID_REQUIRE_TOOLS=1 $(GO) test -count=1 ./examples/...

.PHONY: golden-examples
golden-examples: $(KUSTOMIZE) $(KPT) build ## rewrite the examples' golden files from the real tools' output (review the diff!)
	UPDATE_GOLDEN=1 SUPREMERAID_REQUIRE_TOOLS=1 $(GO) test -count=1 ./examples/...
# ---------------------------------------------------------------------------

# --- performance and robustness (fn/krm): added by the performance helper --------------------
# `make bench`: benchmarks of config decode+validate, generation and the whole ResourceList round
# trip on the README example, a config at the product limits (8 groups, 32 drives, 1,000 virtual
# drives, 1,000 tenants) and 5,000 pass-through items; then the growth ratios (about 4x for 4x
# input = linear), the cold start of bin/supremeraid-fn (one new process per run: median wall
# time and CPU time) and BenchmarkVersusTrivial: bin/supremeraid-fn against bin/trivialfn (the kpt
# fn SDK adding one ConfigMap) as whole processes, cpu-ratio and rss-ratio (docs/performance.md). BENCHTIME=3s for steadier figures; the raw output is kept in bin/bench.txt.
# `make fuzz`: each fuzz target for FUZZTIME; a crasher lands in fn/krm/testdata/fuzz/<target>/
# and from then on runs as a regular test in `make test`.
BENCH_PKGS   ?= ./fn/krm/... ./generators/... ./examples/
BENCHTIME    ?= 1s
FUZZTIME     ?= 30s
FUZZ_TARGETS := FuzzLoad FuzzRun

.PHONY: bench
bench: build ## benchmarks (decode, generate, round trip, growth ratios, cold start, ratios to a trivial SDK generator)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(BIN)/trivialfn ./fn/krm/internal/trivialfn
	TRIVIAL_FN=$(BIN)/trivialfn $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(BENCH_PKGS) | tee $(BIN)/bench.txt
	$(GO) run ./fn/krm/internal/benchratio < $(BIN)/bench.txt

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (default 30s); crashers become regular test cases
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz: $$t for $(FUZZTIME)"; \
	  $(GO) test ./fn/krm -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) || exit 1; \
	done
# ---------------------------------------------------------------------------------------------
