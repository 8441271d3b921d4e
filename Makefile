# uciknock — build, test, demo and benchmark entry points.
# `make test` and `make demo` install what they need (scripts/deps.sh).

SHELL := /bin/bash
export PATH := $(CURDIR)/.bin:/usr/local/go/bin:$(PATH)
export GOFLAGS := -buildvcs=false

STATICCHECK_VERSION := v0.7.0
GO123 := go1.23.12
FUZZTIME ?= 5s
CROSS_OUT := build/cross
LUCI_TEST := luci/browsertest
LDFLAGS := -s -w -buildid=
# No inlining in the binaries that go on routers: -262 KB (6.5 %) of the
# mipsle uciknockd for a few ns per knock (docs/benchmarks.md, binary
# sizes); the feed Makefile sets the same (GO_PKG_GCFLAGS).
GCFLAGS := all=-l
# MIPS: segments aligned to 4 KiB pages (the pages of mips_24kc and
# mipsel_24kc kernels) instead of Go's default 64 KiB: the padding was up to
# 128 KB of every MIPS binary (docs/benchmarks.md, binary sizes).
MIPS_LDFLAGS := -R 0x1000
VERSION ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)

.PHONY: all deps demo-deps build test lint unit fuzz go123 cross packages packages-test mips-test luci-test demo bench gobench clean

all: build

# deps: what `make test` and `make bench` need (qemu for mips-test, gcc for
# -race, staticcheck); demo-deps: only what building and running the demo
# needs.
deps:
	@./scripts/deps.sh test
	@# the real OpenWrt userland the privileged tests run (fw4, fw3, procd,
	@# LuCI with Chromium): built once, 0.2 s when it is there
	@if [ -x ../shared/openwrt/setup.sh ] && [ "$$(id -u)" = 0 ]; then ../shared/openwrt/setup.sh --browser >/dev/null; fi
	@go mod download
	@cd $(LUCI_TEST) && go mod download
	@test -x .bin/staticcheck || GOBIN=$(CURDIR)/.bin go install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

build:
	CGO_ENABLED=0 go build -trimpath -gcflags '$(GCFLAGS)' -ldflags '$(LDFLAGS) -X main.version=$(VERSION)' -o build/ ./cmd/...

# test: everything CI runs. Privileged tests (network namespaces, AF_PACKET)
# run when root; under CI=true they fail instead of skipping when not root.
test: deps lint unit fuzz go123 cross packages-test mips-test luci-test
	@echo "make test: all passed"

lint:
	@fmt=$$(gofmt -l $$(git ls-files '*.go'; git ls-files --others --exclude-standard '*.go')); \
	if [ -n "$$fmt" ]; then echo "gofmt needed:"; echo "$$fmt"; exit 1; fi
	go vet ./...
	.bin/staticcheck ./...
	cd $(LUCI_TEST) && go vet ./... && ../../.bin/staticcheck ./...
	cd tools && go vet ./... && ../.bin/staticcheck ./...

unit:
	go test -race -count=1 -timeout 15m ./...

fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

# go123: the module must keep building with the Go that OpenWrt 24.10 ships.
go123:
	GOTOOLCHAIN=$(GO123) go version
	GOTOOLCHAIN=$(GO123) go build ./...
	GOTOOLCHAIN=$(GO123) go vet ./...

# cross: static, stripped binaries for the router targets, with sizes, built
# with the Go that OpenWrt 24.10 ships (what the feed produces).
cross:
	@set -e; rm -rf $(CROSS_OUT); \
	for t in mips:softfloat: mipsle:softfloat: arm::5 arm::7 arm64:: amd64::; do \
		arch=$${t%%:*}; rest=$${t#*:}; mips=$${rest%%:*}; arm=$${rest#*:}; \
		name=$$arch$${arm:+v$$arm}; dir=$(CROSS_OUT)/linux-$$name; mkdir -p $$dir; \
		GOTOOLCHAIN=$(GO123) CGO_ENABLED=0 GOOS=linux GOARCH=$$arch GOMIPS=$$mips GOARM=$$arm \
			go build -trimpath -gcflags '$(GCFLAGS)' -ldflags "$(LDFLAGS) $${mips:+$(MIPS_LDFLAGS)} -X main.version=$(VERSION)" -o $$dir/ ./cmd/uciknockd ./cmd/uciknock ; \
	done; \
	echo "cross: static stripped binaries (bytes):"; \
	for f in $(CROSS_OUT)/*/*; do printf '  %-40s %9d\n' "$$f" $$(stat -c %s $$f); done; \
	for f in $(CROSS_OUT)/*/*; do \
		if readelf -lW $$f | grep -q -e INTERP -e DYNAMIC; then echo "cross: $$f is not static" >&2; exit 1; fi; \
	done; echo "cross: all static (no INTERP/DYNAMIC program header)"

# packages: OpenWrt .ipk packages (opkg: 23.05, 24.10) of the cross builds,
# described by the feed Makefile (tools/ipk; docs/install.md), and the LuCI
# app as luci.mk builds it (build/packages/all/). The tools
# module has its own go.mod (nfpm needs a newer Go than the daemon's 1.23).
PKG_OUT := build/packages
packages: cross
	@rm -rf $(PKG_OUT)
	cd tools && go run ./ipk -makefile ../feeds/net/uciknock/Makefile -luci ../feeds/luci/luci-app-uciknock/Makefile -files ../files \
		-cross ../$(CROSS_OUT) -out ../$(PKG_OUT) -mtime $$(git log -1 --format=%ct 2>/dev/null || date +%s)

# packages-test: unpack every package and check it field by field and file
# by file against the feed Makefile and the cross builds, then run its
# control scripts in scratch roots (tools/ipk/ipk_test.go).
packages-test: deps packages
	cd tools && IPK_DIR=$(CURDIR)/$(PKG_OUT) CROSS_DIR=$(CURDIR)/$(CROSS_OUT) go test -count=1 ./...

mips-test:
	./scripts/mips-test.sh

# luci-test: luci-app-uciknock in the real LuCI (../shared/openwrt, built
# with --browser by the test) driven by headless Chromium; its own Go
# module (chromedp needs a newer go line than ours). Screenshots go to
# build/luci/.
luci-test:
	cd $(LUCI_TEST) && go test -count=1 -timeout 10m ./...

demo-deps:
	@./scripts/deps.sh
	@go mod download

demo: demo-deps build
	./scripts/demo.sh

# bench: the Go benchmarks (ns/op, allocs/op; build/gobench.txt), then the
# side-by-side run against knockd in namespaces (scripts/bench.sh).
bench: deps build gobench
	./scripts/bench.sh
	@# instant doors on the real fw4: last knock → first accepted SYN (docs/benchmarks.md)
	set -o pipefail; UCIKNOCK_BENCH=1 go test -count=1 -v -run '^TestBenchInstantDoor$$' ./cmd/uciknockd/ | grep -E '^(\||ok|FAIL|--- )' | tee build/instantdoor.txt

gobench:
	@mkdir -p build
	go test -run '^$$' -bench . -benchmem -count 1 ./... | tee build/gobench.txt

clean:
	rm -rf build .bin/staticcheck
