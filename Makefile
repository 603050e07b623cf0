# WarpEngine DB: the two-command quick start (`make run`, `make test`) and friends.
# Every target installs what is missing first, so a fresh Debian machine needs nothing else.

BUILD_DIR ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS ?= $(shell nproc)
CONFIG ?= config/warpengine.yaml

# Debian packages the build, the tests and the benchmarks need.
DEB_PACKAGES := cmake ninja-build g++ make ccache pkg-config \
  libcaf-dev liblz4-dev nlohmann-json3-dev libyaml-cpp-dev catch2 \
  libcuckoo-dev libxxhash-dev libabsl-dev librocksdb-dev libasio-dev libcpp-httplib-dev \
  python3 python3-redis redis-tools curl

# Only the benchmarks need these (bench/resp_vs_redis.sh compares against Redis).
BENCH_PACKAGES := redis-server redis-tools

# Only `make fuzz` needs these (clang with libFuzzer and the sanitizer runtimes).
FUZZ_PACKAGES := clang-14 libclang-rt-14-dev
FUZZ_SECONDS ?= 60

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all deps configure build run test bench clean install fuzz

all: build

# Installs only the packages that are missing; runs `apt-get update` once, only when needed.
deps:
	@missing=""; for p in $(DEB_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	else echo "all Debian packages present"; fi

configure: deps
	@cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) > /dev/null

build: configure
	@cmake --build $(BUILD_DIR) -j $(JOBS)

run: build
	$(BUILD_DIR)/bin/warpd --config $(CONFIG)

test: build
	cd $(BUILD_DIR) && ctest --output-on-failure -j $(JOBS) --timeout 600

bench: build
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(BENCH_PACKAGES)"
	$(BUILD_DIR)/bin/store_bench --out bench/results
	$(BUILD_DIR)/bin/wal_bench --out bench/results
	$(BUILD_DIR)/bin/tier_bench --out bench/results
	BUILD_DIR=$(BUILD_DIR) bench/resp_vs_redis.sh

install: build
	cmake --install $(BUILD_DIR)

# Builds the libFuzzer targets with clang + ASan/UBSan in build-fuzz/ and runs each for
# FUZZ_SECONDS. Crashing inputs land in build-fuzz/artifacts/; turn them into tests.
fuzz: deps
	@$(MAKE) --no-print-directory deps DEB_PACKAGES="$(FUZZ_PACKAGES)"
	@CC=clang-14 CXX=clang++-14 cmake -S . -B build-fuzz -G Ninja -DWARP_FUZZ=ON \
	  -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
	@cmake --build build-fuzz -j $(JOBS)
	@mkdir -p build-fuzz/corpus/wal_reader build-fuzz/corpus/snapshot_reader \
	  build-fuzz/corpus/resp_parser build-fuzz/artifacts
	build-fuzz/bin/wal_reader_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	  -artifact_prefix=build-fuzz/artifacts/ build-fuzz/corpus/wal_reader
	build-fuzz/bin/snapshot_reader_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	  -artifact_prefix=build-fuzz/artifacts/ build-fuzz/corpus/snapshot_reader
	build-fuzz/bin/resp_parser_fuzz -max_total_time=$(FUZZ_SECONDS) -max_len=8192 \
	  -artifact_prefix=build-fuzz/artifacts/ build-fuzz/corpus/resp_parser

clean:
	rm -rf $(BUILD_DIR)
