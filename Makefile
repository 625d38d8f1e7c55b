# doc-search GitOps: the service, its chart, the clusters and the tools that
# check and promote them. `make run` and `make test` are the two a newcomer needs.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
GO ?= go
BIN := $(CURDIR)/.cache/bin
export PATH := $(BIN):$(PATH)

VERSION := $(shell cat app/doc-search/VERSION)
BUILD ?= 0
COMMIT ?= $(shell git rev-parse --short=12 HEAD 2>/dev/null || echo dev)
BUILDINFO := github.com/doc-search/gitops/app/internal/buildinfo
LDFLAGS := -X $(BUILDINFO).Version=$(VERSION) -X $(BUILDINFO).Build=$(BUILD) -X $(BUILDINFO).Commit=$(COMMIT)

.PHONY: run build test deps unit lint bench version e2e observe dev-visitors
.PHONY: minikube-up minikube-smoke minikube-down

## run: serve doc-search on :8080 (metrics on :8000) with its built-in sample corpus (ARGS='--data DIR' to pass flags)
run: build
	bin/doc-search $(ARGS)

## dev-visitors: visitors on :8081 (metrics on :8001) on Debian's PostgreSQL, migrated
## first; docker-compose.yml runs the same stack with Docker
dev-visitors:
	bash scripts/dev-visitors.sh

# Built binaries rather than `go run`, which reports every failure as exit 1:
# the tools' own exit codes (2 for bad usage) reach the caller.
## build: build doc-search, gencorpus and promote into bin/
build:
	@$(GO) build -trimpath -ldflags '$(LDFLAGS) -X main.commit=$(COMMIT)' -o bin/ ./app/doc-search/cmd/doc-search ./app/doc-search/cmd/gencorpus ./tools/promote

## test: every test: installs what they need, then lint, unit and integration tests
test: deps lint check unit e2e

deps:
	bash scripts/install-deps.sh

unit:
	$(GO) test -count=1 ./...

# chartcheck is built into bin/ and run from there rather than with
# `go run`, which turns every failure into status 1: CI runs bin/chartcheck
# to tell findings (1) from render errors (2). Go's build cache makes a
# rebuild with no change a no-op.
CHARTCHECK := $(CURDIR)/bin/chartcheck

.PHONY: check chartcheck
## chartcheck: build tools/chartcheck into bin/chartcheck
chartcheck:
	$(GO) build -o $(CHARTCHECK) ./tools/chartcheck

## check: render every cluster (offline) and check it with chartcheck's rules; must be clean
check: chartcheck
	$(CHARTCHECK) check --offline

## lint: gofmt, go vet, yamllint, shellcheck, actionlint
lint:
	@bad=$$(gofmt -l $$(git ls-files '*.go')); if [[ -n "$$bad" ]]; then echo "gofmt needed: $$bad"; exit 1; fi
	$(GO) vet ./...
	yamllint .
	@scripts=$$(git ls-files -z | xargs -0 awk 'FNR == 1 { if (FILENAME ~ /\.sh$$/ || /^#!.*[\/ ](ba|da)?sh( |$$)/) print FILENAME; nextfile }' 2>/dev/null || true); \
		echo "shellcheck $$(wc -w <<<"$$scripts") scripts"; shellcheck $$scripts
	actionlint
	bash .github/scripts/check-action-pins.sh

## version: the image tag this build gets, <app/doc-search/VERSION>-build.<BUILD> (e.g. make version BUILD=57)
version: build
	@bin/promote version --build $(BUILD)

## observe: doc-search + a real Prometheus + hey load; prints p50/p90/p99 beside hey's, draws docs/img/latency.png
observe: deps
	$(GO) run ./bench/observe

## e2e: a real one-node cluster (kubelet, containerd, kube-proxy, CoreDNS) and
## Argo CD reconcile this repository from git, inside a network namespace
## (needs root; builds the toolchain into .cache/e2e once, ~30 min cold)
e2e: deps
	bash test/e2e/toolchain/build.sh
	$(GO) vet -tags e2e ./test/e2e/...
	$(GO) test -tags e2e -count=1 -timeout 45m -v ./test/e2e/...

## minikube-up: start minikube, build the doc-search image in it, install Argo CD
## and hand it clusters/minikube (needs minikube and kubectl; docs/runbooks.md)
minikube-up:
	bash scripts/minikube-up.sh

## minikube-smoke: call doc-search on minikube from outside, load it with hey,
## print the p50/p90/p99 search latency its Prometheus recorded
minikube-smoke:
	bash scripts/minikube-smoke.sh

## minikube-down: delete the minikube cluster
minikube-down:
	bash scripts/minikube-down.sh

## bench: Go benchmarks
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

.PHONY: bench-render
## bench-render: chartcheck render vs kustomize build + helm template per Application, 10/100/1,000 Applications
bench-render: deps
	bash bench/render.sh

.PHONY: fuzz
FUZZTIME ?= 30s
## fuzz: every fuzz target in the module for FUZZTIME each (default 30s); stops at the first finding
fuzz:
	FUZZTIME=$(FUZZTIME) bash scripts/fuzz.sh

.PHONY: loadtest
## loadtest: doc-search at full scale under wrk (corpus generated once into .cache/corpus), beside an empty handler
loadtest:
	bash bench/loadtest.sh
