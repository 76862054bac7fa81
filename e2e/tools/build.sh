#!/usr/bin/env bash
# Builds the control-plane binaries the cluster e2e runs, from the Go module
# proxy, pinned by e2e/tools/controlplane/go.mod:
#   <bindir>/kube-apiserver  k8s.io/kubernetes v1.34.2 (staging modules v0.34.2)
#   <bindir>/etcd            go.etcd.io/etcd/server/v3 v3.6.4 (the version
#                            Kubernetes v1.34.2 itself requires)
# Idempotent: skipped when both binaries exist and <bindir>/.e2e-tools.stamp
# matches the hash of go.mod, go.sum, this script and the Go version.
set -euo pipefail

bindir=${1:?usage: build.sh BINDIR}
here=$(cd "$(dirname "$0")" && pwd)
mod="$here/controlplane"
stampfile="$bindir/.e2e-tools.stamp"

# Version the binaries report (`kube-apiserver --version`, /version); a
# plain `go build` would say v0.0.0-master. Keep in step with go.mod and
# controlplane.KubernetesVersion.
kube_version=v1.34.2
ldflags="-s -w \
 -X k8s.io/component-base/version.gitVersion=$kube_version \
 -X k8s.io/component-base/version.gitMajor=1 \
 -X k8s.io/component-base/version.gitMinor=34 \
 -X k8s.io/component-base/version.gitTreeState=clean"

stamp="$(cat "$mod/go.mod" "$mod/go.sum" "$0" | sha256sum | cut -d' ' -f1) $(go env GOVERSION)"
if [[ -x "$bindir/kube-apiserver" && -x "$bindir/etcd" && -f "$stampfile" && "$(cat "$stampfile")" == "$stamp" ]]; then
	echo "e2e-tools: $bindir/kube-apiserver and $bindir/etcd are up to date"
	exit 0
fi

mkdir -p "$bindir"
cd "$mod"
export GOWORK=off CGO_ENABLED=0
build() { # name package
	local start=$SECONDS
	echo "e2e-tools: building $1 ($2) ..."
	go build -trimpath -ldflags "$ldflags" -o "$bindir/.$1.tmp" "$2"
	mv -f "$bindir/.$1.tmp" "$bindir/$1"
	echo "e2e-tools: built $bindir/$1 in $((SECONDS - start))s: $("$bindir/$1" --version | head -1)"
}
build etcd go.etcd.io/etcd/server/v3
build kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
echo "$stamp" >"$stampfile"
