# hfrnn — the two commands a new user needs:
#   make run    install missing system packages, build (release), train the default task
#   make test   install missing system packages, build, run the whole test suite
# Everything runs on one BLAS thread: this machine's cores share one core of compute.

SHELL := /bin/bash
export OPENBLAS_NUM_THREADS := 1
RUN_ARGS ?=

.PHONY: run test deps build bench clean

deps:
	@bash scripts/install-deps.sh

build: deps
	swift build -c release

run: build
	.build/release/hfrnn demo $(RUN_ARGS)

test: deps
	swift build --build-tests
	swift test --skip-build

bench: build
	.build/release/hfrnn-bench

clean:
	rm -rf .build
