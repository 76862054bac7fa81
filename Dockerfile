# syntax=docker/dockerfile:1
# Images of supremeraid-fn. Build from the repository root:
#
#   docker build --target function --build-arg VERSION=v0.1.0 -t quay.io/supremeraid-fn/supremeraid-fn:v0.1.0 .
#   docker build --target cmp      --build-arg VERSION=v0.1.0 -t quay.io/supremeraid-fn/argocd-cmp:v0.1.0 .
#
# function  the KRM function: the static binary alone on distroless, non-root. kustomize and kpt
#           run it as a container function; the node image build copies the binary out of it.
# cmp       the Argo CD config management plugin sidecar: kustomize and the function, with
#           examples/argocd/plugin.yaml where argocd-cmp-server reads it. Its entrypoint,
#           /var/run/argocd/argocd-cmp-server, comes from the repo server's shared volume at run
#           time and is linked against glibc, so this image is UBI minimal, not distroless static.

# GO_VERSION is the Go release the binaries are built with (go.mod's go directive).
ARG GO_VERSION=1.26

FROM docker.io/library/golang:${GO_VERSION} AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY fn/ fn/
COPY generators/ generators/
COPY kmod/ kmod/
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath \
      -ldflags "-s -w -X supremeraid.dev/supremeraid-fn/fn/cli.Version=${VERSION}" \
      -o /out/supremeraid-fn ./fn

# kustomize for the cmp image: the same release the tests run (Makefile KUSTOMIZE_VERSION), static.
FROM docker.io/library/golang:${GO_VERSION} AS kustomize
ARG KUSTOMIZE_VERSION=v5.7.1
RUN CGO_ENABLED=0 GOBIN=/out go install -trimpath -ldflags "-s -w" \
      sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}

FROM gcr.io/distroless/static-debian12:nonroot AS function
ARG VERSION=dev
LABEL org.opencontainers.image.title="supremeraid-fn" \
      org.opencontainers.image.description="KRM function generating OpenShift manifests for Graid SupremeRAID" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/supremeraid-fn /usr/local/bin/supremeraid-fn
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/supremeraid-fn"]

FROM registry.access.redhat.com/ubi9/ubi-minimal:9.6 AS cmp
ARG VERSION=dev
ARG KUSTOMIZE_VERSION=v5.7.1
LABEL org.opencontainers.image.title="supremeraid-fn-argocd-cmp" \
      org.opencontainers.image.description="Argo CD config management plugin sidecar: kustomize with the supremeraid-fn KRM function" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      dev.supremeraid.kustomize.version="${KUSTOMIZE_VERSION}"
COPY --from=kustomize /out/kustomize /usr/local/bin/kustomize
COPY --from=build /out/supremeraid-fn /usr/local/bin/supremeraid-fn
COPY examples/argocd/plugin.yaml /home/argocd/cmp-server/config/plugin.yaml
# Argo CD runs its processes as user 999; OpenShift runs them under an arbitrary UID in group 0.
# Both must be able to use the home directory; nothing else is writable.
RUN echo 'argocd:x:999:0:Argo CD:/home/argocd:/sbin/nologin' >> /etc/passwd && \
    chown -R 999:0 /home/argocd && \
    chmod -R g=u /home/argocd
ENV HOME=/home/argocd
WORKDIR /home/argocd
USER 999:0
