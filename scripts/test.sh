#!/usr/bin/env bash
# Every check: set up, then lint, typecheck and run all tests (turbo builds what tests need).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
pnpm run lint
pnpm exec turbo run typecheck test --output-logs=new-only
