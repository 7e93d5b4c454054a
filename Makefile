# spoolpost: `make run` starts the daemon on ./spool (the built-in sandbox without a config file);
# `make test` runs every test. Both install the system libraries they need first.

SWIFT ?= swift
BUILD_FLAGS ?= -Xswiftc -warnings-as-errors
APT_PACKAGES := libcurl4-openssl-dev libssl-dev libyaml-dev pkg-config openssl
BENCH_ARGS ?=
PREFIX ?= /usr/local

.PHONY: all deps build release run test bench install clean

all: build

# Installs what is missing, with apt-get (as root, or through sudo when it is there).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing:$$missing"; \
		SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build $(BUILD_FLAGS)

release: deps
	$(SWIFT) build -c release

run: release
	./.build/release/spoolpost run --spool spool

# A release binary with the Swift runtime linked in, so the machine it runs on needs only the system libraries
# (libcurl4, libssl3, libyaml-0-2), not a Swift toolchain. Built apart from .build/ (`--static-swift-stdlib`
# changes every object).
install: deps
	$(SWIFT) build -c release --static-swift-stdlib --build-path .build-install
	install -D -s -m 0755 .build-install/release/spoolpost $(DESTDIR)$(PREFIX)/bin/spoolpost

test: deps
	$(SWIFT) build --build-tests $(BUILD_FLAGS)
	$(SWIFT) test --skip-build

bench: release
	python3 bench/bench.py --binary ./.build/release/spoolpost $(BENCH_ARGS)

clean:
	rm -rf .build .build-install
