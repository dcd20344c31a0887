#!/usr/bin/env bash
# Benchmarks nabla's backends beside TensorFlow.js in one run; pass options through, e.g. --sizes 128,256
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
pnpm run bench -- "$@"
