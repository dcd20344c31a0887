#!/usr/bin/env bash
# Every check: set up, then lint, typecheck and run all tests (turbo builds what tests need),
# the consumer test on the packed packages and a release dry run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# The browser tests run in Debian's Chromium. The WebGPU tests in Node run Dawn on a Vulkan
# driver: on a machine without a GPU, the SwiftShader driver that the chromium package ships,
# through Debian's Vulkan loader (libvulkan1). @nabla/distributed's tests run gloo ranks under
# Debian's PyTorch (python3-torch with NumPy, and OpenBLAS's threaded build, without which torch
# links the reference BLAS), through the launcher's Python (python3, else /usr/bin/python3).
# As root, install what is missing.
missing=()
if ! command -v chromium >/dev/null 2>&1 || ! ldconfig -p | grep -q 'libvulkan\.so\.1 '; then
  missing+=(chromium libvulkan1)
fi
if ! python3 -c 'import torch' >/dev/null 2>&1 && ! /usr/bin/python3 -c 'import torch' >/dev/null 2>&1; then
  missing+=(python3-torch python3-numpy libopenblas0-pthread)
fi
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  else
    echo "scripts/test.sh: the browser, WebGPU and distributed tests need Debian's ${missing[*]} (sudo apt-get install ${missing[*]})" >&2
    exit 1
  fi
fi
pnpm run lint
pnpm exec turbo run typecheck test --output-logs=new-only
# The packages as users get them: packed, installed outside the workspace, run in Node,
# TypeScript and Chromium (scripts/consumer-test.mjs); then the release, rehearsed on a copy.
node scripts/consumer-test.mjs
node scripts/release-dry-run.mjs
