#!/usr/bin/env bash
# Every check: set up, then lint, typecheck and run all tests (turbo builds what tests need),
# the consumer test on the packed packages and a release dry run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# The browser tests run in Debian's Chromium. The WebGPU tests in Node run Dawn on a Vulkan
# driver: on a machine without a GPU, the SwiftShader driver that the chromium package ships,
# through Debian's Vulkan loader (libvulkan1). As root, install what is missing.
if ! command -v chromium >/dev/null 2>&1 || ! ldconfig -p | grep -q 'libvulkan\.so\.1 '; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium libvulkan1 >/dev/null
  else
    echo "scripts/test.sh: the browser and WebGPU tests need Debian's chromium and libvulkan1 (sudo apt-get install chromium libvulkan1)" >&2
    exit 1
  fi
fi
pnpm run lint
pnpm exec turbo run typecheck test --output-logs=new-only
# The packages as users get them: packed, installed outside the workspace, run in Node,
# TypeScript and Chromium (scripts/consumer-test.mjs); then the release, rehearsed on a copy.
node scripts/consumer-test.mjs
node scripts/release-dry-run.mjs
