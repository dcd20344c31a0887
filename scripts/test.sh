#!/usr/bin/env bash
# Every check: set up, then lint, typecheck and run all tests (turbo builds what tests need),
# the consumer test on the packed packages and a release dry run.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# The browser tests run in Debian's Chromium; as root, install it when missing.
if ! command -v chromium >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "scripts/test.sh: the browser tests need Debian's chromium (sudo apt-get install chromium)" >&2
    exit 1
  fi
fi
pnpm run lint
pnpm exec turbo run typecheck test --output-logs=new-only
# The packages as users get them: packed, installed outside the workspace, run in Node,
# TypeScript and Chromium (scripts/consumer-test.mjs); then the release, rehearsed on a copy.
node scripts/consumer-test.mjs
node scripts/release-dry-run.mjs
