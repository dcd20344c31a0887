#!/usr/bin/env bash
# The main job: set up, build, and train the examples on the default (CPU) backend.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
pnpm run examples "$@"
