# supremeraid-fn: every tool the project needs is installed by a target here, into ./bin (Go
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
# Built by e2e/tools/build.sh from pinned modules: etcd v3.6.4 and kube-apiserver v1.34.2
# (e2e/tools/controlplane/go.mod), OPA v1.22.2 (e2e/tools/opa/go.mod).
KUBE_APISERVER := $(BIN)/kube-apiserver
ETCD           := $(BIN)/etcd
OPA            := $(BIN)/opa

# Debian packages the tests run for real. kmod build (kmod/, generators/node): kernel headers
# (linux-headers-amd64, with the gcc they were built with) to compile the fixture modules; rpm
# (rpmbuild, rpm2archive), rpm2cpio and cpio to pack and unpack the fixture RPM; makeself for
# the fixture installer; kmod (modinfo, depmod, modprobe, which also parses the generated
# nouveau blacklist); xz/bzip2/zstd payloads; binutils (readelf, strip); curl; shellcheck.
# Node agent (fn/agent): blkid/mkswap/wipefs/sfdisk/unshare (util-linux, fdisk),
# mount/umount/losetup (mount), mkfs.xfs/xfs_io (xfsprogs), mkfs.ext4 (e2fsprogs), dmsetup.
# Node platform (generators/nfd): Debian's PCI ID database, read at PCI_IDS.
APT_PACKAGES := linux-headers-amd64 gcc make libc6-dev binutils kmod rpm rpm2cpio cpio \
	makeself xz-utils bzip2 zstd curl shellcheck \
	util-linux mount xfsprogs e2fsprogs fdisk dmsetup \
	pci.ids
PCI_IDS ?= /usr/share/misc/pci.ids

# Tests that need a tool fail instead of skipping when this is set (docs/development.md).
export SUPREMERAID_REQUIRE_TOOLS ?=
export KUSTOMIZE KPT PROMTOOL HELM KUBE_APISERVER ETCD OPA PCI_IDS
# (one variable per `export NAME := value`: `export A B=v` exports a variable named "B=v")
export SUPREMERAID_FN := $(FN)

# `make test` runs the cluster e2e too; SKIP_E2E=1 leaves it out.
SKIP_E2E ?=

# `make bench` and `make fuzz` (fn/krm): BENCHTIME=3s for steadier figures; the raw output is
# kept in bin/bench.txt. A fuzz crasher lands in fn/krm/testdata/fuzz/<target>/ and from then on
# runs as a regular test.
BENCH_PKGS   ?= ./fn/krm/... ./generators/... ./examples/
BENCHTIME    ?= 1s
FUZZTIME     ?= 30s
FUZZ_TARGETS := FuzzLoad FuzzRun

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
ifneq ($(SKIP_E2E),1)
test: e2e
endif

.PHONY: test-short
test-short: build ## run the tests with the tools already present (missing tools skip)
	$(GO) test ./...

.PHONY: test-examples
test-examples: $(KUSTOMIZE) $(KPT) build ## run the examples, overlays and Dockerfile checks with the real kustomize and kpt
	SUPREMERAID_REQUIRE_TOOLS=1 $(GO) test -count=1 ./examples/...

# e2e/ is its own Go module, so its tests run from there with GOWORK=off.
.PHONY: e2e
e2e: tools-e2e build $(KUSTOMIZE) $(HELM) ## cluster e2e: real etcd + kube-apiserver accept every rendered example and overlay; real OPA webhook
	cd e2e && GOWORK=off SUPREMERAID_REQUIRE_TOOLS=1 $(GO) test -count=1 -v -timeout 20m ./...

.PHONY: lint
lint: ## gofmt, go vet, and go mod tidy must leave no diff
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || { gofmt -l $$(git ls-files '*.go'); exit 1; }
	$(GO) vet ./...
	$(GO) mod tidy -diff

.PHONY: bench
bench: build ## benchmarks (decode, generate, round trip, growth ratios, cold start, ratios to a trivial SDK generator: docs/performance.md)
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags '-s -w' -o $(BIN)/trivialfn ./fn/krm/internal/trivialfn
	TRIVIAL_FN=$(BIN)/trivialfn $(GO) test -run '^$$' -bench . -benchmem -benchtime $(BENCHTIME) $(BENCH_PKGS) | tee $(BIN)/bench.txt
	$(GO) run ./fn/krm/internal/benchratio < $(BIN)/bench.txt

.PHONY: fuzz
fuzz: ## run each fuzz target for FUZZTIME (default 30s); crashers become regular test cases
	@for t in $(FUZZ_TARGETS); do \
	  echo "fuzz: $$t for $(FUZZTIME)"; \
	  $(GO) test ./fn/krm -run '^$$' -fuzz "^$$t$$" -fuzztime $(FUZZTIME) || exit 1; \
	done

##@ Code generation

.PHONY: generate
generate: $(CONTROLLER_GEN) ## regenerate the config CRD, JSON Schema, docs/config-reference.md and doc transcripts
	$(CONTROLLER_GEN) crd:crdVersions=v1 paths=./generators/config/... output:crd:artifacts:config=generators/config/schema
	$(GO) run ./generators/config/internal/schemagen generators/config/schema/supremeraid.dev_supremeraids.yaml generators/config/schema/supremeraid.schema.json
	$(GO) run ./generators/config/internal/refgen generators/config/schema/supremeraid.schema.json docs/config-reference.md
	$(MAKE) transcripts

.PHONY: transcripts
transcripts: ## rewrite the console transcripts in README.md and docs/ from the commands' output
	UPDATE_GOLDEN=1 $(GO) test ./fn/cli -run 'TestTranscripts$$'

.PHONY: golden
golden: ## rewrite golden files from the current output (review the diff!)
	UPDATE_GOLDEN=1 $(GO) test ./... -run 'Golden'

.PHONY: golden-examples
golden-examples: $(KUSTOMIZE) $(KPT) build ## rewrite the examples' golden files from the real tools' output (review the diff!)
	UPDATE_GOLDEN=1 SUPREMERAID_REQUIRE_TOOLS=1 $(GO) test -count=1 ./examples/...

##@ Tools

.PHONY: tools
tools: tools-go tools-apt ## install every tool the unit tests use (make e2e adds tools-e2e)

.PHONY: tools-go
tools-go: $(KUSTOMIZE) $(KPT) $(CONTROLLER_GEN) $(PROMTOOL) $(HELM) ## install the Go tools into bin/ (kustomize, kpt, controller-gen, promtool, helm)

.PHONY: tools-apt
tools-apt: ## install the Debian packages the tests run (apt-get runs only when one is missing)
	@if dpkg -s $(APT_PACKAGES) >/dev/null 2>&1; then echo "tools-apt: all present"; else \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $(APT_PACKAGES); fi

# The first build compiles Kubernetes from source (several minutes on 2 cores); after that the
# script returns at once while bin/.e2e-<module>.stamp matches that module's go.mod, go.sum,
# build recipe and the Go version.
.PHONY: tools-e2e
tools-e2e: ## build bin/kube-apiserver v1.34.2, bin/etcd v3.6.4 and bin/opa v1.22.2 (once; skipped when up to date)
	e2e/tools/build.sh $(BIN)

$(KUSTOMIZE):
	GOBIN=$(BIN) $(GO) install sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION)

# kpt's version list is refused by the module proxy, so a pinned module builds it (e2e/tools/kpt).
$(KPT): e2e/tools/kpt/go.mod
	cd e2e/tools/kpt && GONOSUMDB=github.com/GoogleContainerTools/kpt $(GO) build -o $(KPT) github.com/GoogleContainerTools/kpt

# promtool (module prometheus v0.316.0 = Prometheus v3.16.0) checks and unit-tests the generated
# alerting rules and the dashboard's queries (generators/monitoring). Its own module
# (e2e/tools/promtool) keeps Prometheus's large dependency graph out of the product module.
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
