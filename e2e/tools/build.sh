#!/usr/bin/env bash
# Builds the servers the cluster e2e runs, from the Go module proxy, each
# pinned by its own tools module:
#   <bindir>/kube-apiserver  k8s.io/kubernetes v1.34.2 (staging modules v0.34.2)
#   <bindir>/etcd            go.etcd.io/etcd/server/v3 v3.6.4 (the version
#                            Kubernetes v1.34.2 itself requires)
#                            (both: e2e/tools/controlplane/go.mod)
#   <bindir>/opa             github.com/open-policy-agent/opa v1.22.2
#                            (e2e/tools/opa/go.mod), the admission webhook
#                            backend, run as `opa run --server`
# Idempotent: each module's binaries are skipped while they exist and
# <bindir>/.e2e-<module>.stamp matches the hash of that module's go.mod and
# go.sum, its build recipe (packages and flags) and the Go version. So a
# change to one module rebuilds only its binaries.
set -euo pipefail

bindir=${1:?usage: build.sh BINDIR}
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$bindir"
export GOWORK=off CGO_ENABLED=0

# Version the Kubernetes binaries report (`kube-apiserver --version`,
# /version); a plain `go build` would say v0.0.0-master. Keep in step with
# go.mod and controlplane.KubernetesVersion. OPA's version is a constant in
# its source (v1/version.Version), so its build needs no stamping.
kube_version=v1.34.2
kube_ldflags="-s -w \
 -X k8s.io/component-base/version.gitVersion=$kube_version \
 -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=34 \
 -X k8s.io/component-base/version.gitTreeState=clean"

# build_module MODULE LDFLAGS NAME=PACKAGE... builds each PACKAGE of
# e2e/tools/MODULE into <bindir>/NAME, unless the stamp says they are current.
build_module() {
	local module=$1 ldflags=$2
	shift 2
	local dir="$here/$module" stampfile="$bindir/.e2e-$module.stamp"
	local stamp current=1 spec
	stamp="$({ cat "$dir/go.mod" "$dir/go.sum"; echo "$ldflags"; printf '%s\n' "$@"; } | sha256sum | cut -d' ' -f1) $(go env GOVERSION)"
	for spec in "$@"; do
		[[ -x "$bindir/${spec%%=*}" ]] || current=0
	done
	if [[ $current == 1 && -f "$stampfile" && "$(cat "$stampfile")" == "$stamp" ]]; then
		echo "tools-e2e: $module binaries are up to date: ${*%%=*}"
		return
	fi
	for spec in "$@"; do
		local name=${spec%%=*} pkg=${spec#*=} start=$SECONDS
		echo "tools-e2e: building $name ($pkg) ..."
		(cd "$dir" && go build -trimpath -ldflags "$ldflags" -o "$bindir/.$name.tmp" "$pkg")
		mv -f "$bindir/.$name.tmp" "$bindir/$name"
		echo "tools-e2e: built $bindir/$name in $((SECONDS - start))s: $(version "$bindir/$name")"
	done
	echo "$stamp" >"$stampfile"
}

version() {
	case $(basename "$1") in
	opa) "$1" version | head -1 ;;
	*) "$1" --version | head -1 ;;
	esac
}

build_module controlplane "$kube_ldflags" \
	etcd=go.etcd.io/etcd/server/v3 \
	kube-apiserver=k8s.io/kubernetes/cmd/kube-apiserver
build_module opa "-s -w" opa=github.com/open-policy-agent/opa
# The single stamp of earlier versions of this script is superseded.
rm -f "$bindir/.e2e-tools.stamp"
