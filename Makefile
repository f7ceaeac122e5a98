# hfrnn — the two commands a new user needs:
#   make run    install missing system packages, build (release), train the default task
#   make test   install missing system packages, build, run the whole test suite
# Everything runs on one BLAS thread: this machine's cores share one core of compute.

SHELL := /bin/bash
export OPENBLAS_NUM_THREADS := 1
# The default job: addition at T = 30, which HF with structural damping solves in a few minutes.
RUN_ARGS ?= --task addition --length 30 --seed 1 --run-name demo-addition-T30 --time-limit 20m
# Tests run optimised (the end-to-end training test would take minutes unoptimised), with
# -enable-testing for @testable imports, in their own build folder.
TEST_BUILD := swift build -c release --build-tests -Xswiftc -enable-testing --scratch-path .build-test

.PHONY: run test deps build bench clean

deps:
	@bash scripts/install-deps.sh

build: deps
	swift build -c release

run: build
	@rm -rf checkpoints/demo-addition-T30
	.build/release/hfrnn train $(RUN_ARGS)
	.build/release/hfrnn export checkpoints/demo-addition-T30

test: deps
	$(TEST_BUILD)
	swift test -c release -Xswiftc -enable-testing --scratch-path .build-test --skip-build

bench: build
	.build/release/hfrnn-bench

clean:
	rm -rf .build .build-test
