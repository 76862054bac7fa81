# syntax=docker/dockerfile:1
# Images of supremeraid-fn. Targets:
#   function  the KRM function (static binary on distroless, non-root)   docker build --target function .
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

FROM gcr.io/distroless/static-debian12:nonroot AS function
ARG VERSION=dev
LABEL org.opencontainers.image.title="supremeraid-fn" \
      org.opencontainers.image.description="KRM function generating OpenShift manifests for Graid SupremeRAID" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.licenses="Apache-2.0"
COPY --from=build /out/supremeraid-fn /usr/local/bin/supremeraid-fn
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/supremeraid-fn"]
