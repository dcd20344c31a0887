#!/usr/bin/env bash
# Installs what the project needs on a fresh machine: pnpm (from the npm registry) and the
# workspace's dependencies. Nothing is downloaded from outside the npm registry.
set -euo pipefail
cd "$(dirname "$0")/.."

PNPM_VERSION=12.4.2
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version 2>/dev/null)" != "$PNPM_VERSION" ]; then
  if [ "$(id -u)" = 0 ]; then
    npm install --global --silent "pnpm@$PNPM_VERSION"
  else
    npm install --silent --prefix "$HOME/.local" --global "pnpm@$PNPM_VERSION"
    export PATH="$HOME/.local/bin:$PATH"
  fi
fi
# onnxruntime-node's postinstall would fetch CUDA libraries from outside the registry, and
# Playwright must use Debian's Chromium rather than download its own.
export ONNXRUNTIME_NODE_INSTALL=skip PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# turbo prints a notice about its anonymous telemetry on every fresh machine; keep it off.
export TURBO_TELEMETRY_DISABLED=1
pnpm install --frozen-lockfile
