# hfrnn — the two commands a new user needs:
#   make run    install missing system packages, build (release), train the default task
#   make test   install missing system packages, build, run the whole test suite
# Each thread of a run calls BLAS single-threaded; a run spreads its sub-batches over the processors (--threads).

SHELL := /bin/bash
export OPENBLAS_NUM_THREADS := 1
# The default job: addition at T = 30, which HF with structural damping solves in a few minutes.
# `make run RUN_NAME=... RUN_ARGS="..."` runs another job; the run folder comes from RUN_NAME only.
RUN_NAME ?= demo-addition-T30
RUN_ARGS ?= --task addition --length 30 --seed 1 --time-limit 20m
RUN_FOLDER := checkpoints/$(RUN_NAME)
ifneq ($(findstring --run-name,$(RUN_ARGS))$(findstring --checkpoint-dir,$(RUN_ARGS)),)
$(error give the run's name as RUN_NAME=..., not --run-name or --checkpoint-dir in RUN_ARGS)
endif
# Tests run optimised (the end-to-end training test would take minutes unoptimised), with
# -enable-testing for @testable imports, in their own build folder.
TEST_BUILD := swift build -c release --build-tests -Xswiftc -enable-testing --scratch-path .build-test

# The MPI build (docs/mpi.md): Open MPI from Debian, the MPI package trait, its own build folder.
MPI_TEST_BUILD := swift build -c release --traits MPI --build-tests -Xswiftc -enable-testing --scratch-path .build-mpi

.PHONY: run test test-mpi build-mpi deps build bench clean

deps:
	@bash scripts/install-deps.sh

build: deps
	swift build -c release

run: build
	@rm -rf $(RUN_FOLDER)
	.build/release/hfrnn train $(RUN_ARGS) --run-name $(RUN_NAME) --checkpoint-dir checkpoints
	.build/release/hfrnn export $(RUN_FOLDER)

test:
	@bash scripts/install-deps.sh --test
	$(TEST_BUILD)
	swift test -c release -Xswiftc -enable-testing --scratch-path .build-test --skip-build

# The whole suite again with MPI, including the mpirun tests (-np 1, 2, 3).
test-mpi:
	@bash scripts/install-deps.sh --test --mpi
	$(MPI_TEST_BUILD)
	swift test -c release --traits MPI -Xswiftc -enable-testing --scratch-path .build-mpi --skip-build

# hfrnn with MPI at .build-mpi/release/hfrnn: mpirun -np N .build-mpi/release/hfrnn train ...
build-mpi:
	@bash scripts/install-deps.sh --mpi
	swift build -c release --traits MPI --scratch-path .build-mpi

bench: build
	.build/release/hfrnn-bench

clean:
	rm -rf .build .build-test .build-mpi
