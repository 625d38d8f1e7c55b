# Fixture: the real Dockerfile with one rule broken (old-go).
# syntax=docker/dockerfile:1.7
# The doc-search image. Build from the repository root (the Go module lives there):
#
#   docker buildx build -f app/doc-search/Dockerfile \
#     --build-arg VERSION=$(cat app/doc-search/VERSION) --build-arg BUILD=57 --build-arg COMMIT=$(git rev-parse --short=12 HEAD) \
#     -t ghcr.io/doc-search/doc-search:1.0.0-build.57 .
#
# Base images are pinned by digest (the tag says what they are, the digest
# which one); a base update is a reviewed commit, never a surprise.

FROM --platform=$BUILDPLATFORM golang:1.22-bookworm@sha256:9fdc884aacc3bec89b20ffc69f4bb369c78210e3e4f600387b5128b12c199f81 AS build
WORKDIR /src
ENV CGO_ENABLED=0 GOFLAGS=-mod=readonly

# Modules first: this layer and the module cache survive every source change,
# so a change to Go code rebuilds in seconds.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod \
    go mod download

COPY app/ app/
ARG TARGETOS TARGETARCH
ARG VERSION=dev
ARG BUILD=dev
ARG COMMIT=dev
RUN --mount=type=cache,target=/go/pkg/mod \
    --mount=type=cache,target=/root/.cache/go-build \
    GOOS=$TARGETOS GOARCH=$TARGETARCH go build -trimpath \
      -ldflags "-s -w \
        -X github.com/doc-search/gitops/app/internal/buildinfo.Version=${VERSION} \
        -X github.com/doc-search/gitops/app/internal/buildinfo.Build=${BUILD} \
        -X github.com/doc-search/gitops/app/internal/buildinfo.Commit=${COMMIT}" \
      -o /out/doc-search ./app/doc-search/cmd/doc-search

# Static, no shell, no package manager; the sample corpus is embedded in the
# binary, so the binary is the only file added.
FROM gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639
ARG VERSION=dev
ARG COMMIT=dev
LABEL org.opencontainers.image.title="doc-search" \
      org.opencontainers.image.description="Full-text search over a corpus of documents" \
      org.opencontainers.image.source="https://github.com/doc-search/gitops" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${COMMIT}"
COPY --from=build /out/doc-search /usr/local/bin/doc-search
# 65532 is distroless' "nonroot"; numeric so Kubernetes can verify runAsNonRoot.
USER 65532:65532
EXPOSE 8080 8000
ENTRYPOINT ["/usr/local/bin/doc-search"]
