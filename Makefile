# Tessera — the two commands a newcomer needs:
#   make run    build everything and boot the demo system in QEMU
#   make test   build everything and run every test (unit + QEMU system tests)
# Both install whatever is missing first (scripts/setup.sh).

JOBS ?= $(shell nproc)
TARGET_BUILD := build/aarch64
HOST_BUILD := build/host
RUNNER := $(HOST_BUILD)/tools/runner/tessera-qemu-run

.PHONY: all setup build run test bench bench-breakdown fuzz format clean

all: build

setup:
	@scripts/setup.sh

# The host build comes first: its tools make parts of the target images.
build: setup
	@scripts/fetch-linux.sh
	@test -f $(HOST_BUILD)/CMakeCache.txt || cmake -S . -B $(HOST_BUILD) --log-level=WARNING \
		-DTESSERA_TARGET_DIR=$(CURDIR)/$(TARGET_BUILD) -DCMAKE_RULE_MESSAGES=OFF
	@cmake --build $(HOST_BUILD) -j $(JOBS) -- --no-print-directory -s
	@test -f $(TARGET_BUILD)/CMakeCache.txt || cmake -S . -B $(TARGET_BUILD) --log-level=WARNING \
		-DCMAKE_TOOLCHAIN_FILE=cmake/aarch64-none.cmake -DCMAKE_RULE_MESSAGES=OFF \
		-DTESSERA_HOST_DIR=$(CURDIR)/$(HOST_BUILD)
	@cmake --build $(TARGET_BUILD) -j $(JOBS) -- --no-print-directory -s

# The demo is one system file, packed into one image by the SDK. The image is
# a real file target: `tessera build --depfile` lists everything it read (the
# system file, the hypervisor, every guest, kernel and initramfs), so the image
# is re-packed only when one of those, or the tessera binary, has changed.
# `build` must be finished before Make looks at those files' times: it comes
# first among run's prerequisites, and this makefile runs one recipe at a time
# (the builds inside `build` are parallel themselves).
TESSERA := $(HOST_BUILD)/tools/sdk/tessera
DEMO_IMAGE := build/demo.img
# An image without its depfile (packed by hand, or by an older tessera) is
# packed again, once.
# It is signed with the development key the build made (.cache/dev-key, never
# committed) and booted by the hypervisor that trusts that key and no other
# (docs/secure-boot.md).
$(DEMO_IMAGE): configs/demo/system.yaml $(TESSERA) $(DEMO_IMAGE).d
	@$(TESSERA) build configs/demo/system.yaml -o $@ --depfile $@.d \
		--hypervisor $(TARGET_BUILD)/systems/tessera_dev.bin --key .cache/dev-key/tessera-key.pem --security-version 1 \
		-I $(TARGET_BUILD)/guests -I $(TARGET_BUILD)/systems -I .cache/linux
$(DEMO_IMAGE).d: ;
-include $(DEMO_IMAGE).d

.NOTPARALLEL:

run: build $(DEMO_IMAGE)
	@$(TESSERA) run $(DEMO_IMAGE) -- --require-clean

test: build
	@cd $(HOST_BUILD) && ctest --output-on-failure -j $(JOBS)

# Deterministic benchmarks (not part of `make test`): prints a table, writes
# build/bench.json and flags any figure more than 5% worse than bench/baseline.json.
bench: build
	@$(HOST_BUILD)/tools/bench/tessera-bench --runner $(RUNNER) --target-dir $(TARGET_BUILD) --linux-dir .cache/linux \
		--baseline bench/baseline.json --out build/bench.json $(BENCH_FLAGS)

# Where the hypervisor's instructions go on each benchmarked path: every
# instruction of a traced run attributed to its function (docs/benchmarks.md).
bench-breakdown: build
	@python3 scripts/bench_breakdown.py $(RUNNER) $(TARGET_BUILD)

# The fuzzers for longer than `make test` gives them (20 s each): FUZZ_SECONDS
# each, one after the other; a crash stops it (docs/security.md).
FUZZ_SECONDS ?= 600
fuzz: build
	@bash tests/fuzz/build.sh $(HOST_BUILD)/fuzz
	@for f in system_file packed_sdk packed_boot vm_layout vgic; do \
		bash tests/fuzz/run.sh $$f $(FUZZ_SECONDS) $(HOST_BUILD)/fuzz $(TARGET_BUILD) || exit 1; done

format:
	@git ls-files --cached --others --exclude-standard '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build
