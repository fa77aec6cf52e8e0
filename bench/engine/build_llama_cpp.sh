#!/usr/bin/env bash
# Builds llama.cpp (llama-bench, llama-quantize, llama-batched-bench, llama-server) from the llama-cpp-python source distribution on PyPI, plus ModelVet's oracle
# program (bench/engine/oracle.cpp) against it, under bench/out/llama.cpp/ (not committed).
# Used by bench/engine/make_golden.sh, speed.sh and requantized.sh; never by the test suite or CI.
#
#   bench/engine/build_llama_cpp.sh        # prints the directory holding llama-bench and oracle
#
# Needs cmake and a C++ compiler (installed with apt-get when run as root) and PyPI access for the
# first run. llama.cpp is built as its own CMake project does by default for this machine
# (GGML_NATIVE: the instruction set of the CPU it is built on), CPU only.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
VERSION="${LLAMA_CPP_PYTHON_VERSION:-0.3.36}"
OUT="$ROOT/bench/out/llama.cpp"
CACHE="${MODELVET_MODEL_CACHE:-$HOME/.cache/modelvet-test-models}/llama-cpp-python-sdist"
mkdir -p "$OUT" "$CACHE"
if ! command -v cmake >/dev/null || ! command -v g++ >/dev/null || ! command -v ninja >/dev/null; then
  if [ "$(id -u)" -eq 0 ]; then
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq cmake g++ ninja-build >/dev/null
  else
    echo "cmake, g++ and ninja are required (apt-get install cmake g++ ninja-build)" >&2; exit 2
  fi
fi
sdist="$CACHE/llama_cpp_python-$VERSION.tar.gz"
if [ ! -f "$sdist" ]; then
  python3 -m pip download --no-binary :all: --no-deps --no-build-isolation "llama-cpp-python==$VERSION" -d "$CACHE" >&2
fi
src="$OUT/llama_cpp_python-$VERSION/vendor/llama.cpp"
[ -d "$src" ] || tar xzf "$sdist" -C "$OUT"
build="$OUT/build"
need=0
for tool in llama-bench llama-quantize llama-batched-bench llama-server; do [ -x "$build/bin/$tool" ] || need=1; done
if [ "$need" -eq 1 ]; then
  cmake -S "$src" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DLLAMA_BUILD_TESTS=OFF -DLLAMA_BUILD_EXAMPLES=OFF \
    -DLLAMA_BUILD_SERVER=ON -DLLAMA_CURL=OFF -DLLAMA_OPENSSL=OFF -DGGML_OPENMP=ON -DBUILD_SHARED_LIBS=ON >&2
  cmake --build "$build" --target llama llama-bench llama-quantize llama-batched-bench llama-server -j "$(nproc)" >&2
fi
if [ ! -x "$build/bin/oracle" ] || [ "$ROOT/bench/engine/oracle.cpp" -nt "$build/bin/oracle" ]; then
  g++ -O2 -std=c++17 -I "$src/include" -I "$src/ggml/include" "$ROOT/bench/engine/oracle.cpp" \
    -L "$build/bin" -lllama -lggml -lggml-base -Wl,-rpath,"$build/bin" -o "$build/bin/oracle" >&2
fi
echo "$build/bin"
