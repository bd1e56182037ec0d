#!/usr/bin/env bash
# `npm test`: every test against a real PostgreSQL (embedded unless DATABASE_URL is set) and a real Chromium.
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "Chromium is missing: installing Debian's chromium package (apt-get)…"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "The browser tests need Chromium at $CHROMIUM and it is not installed." >&2
  echo "Install it with:  sudo apt-get update && sudo apt-get install -y chromium" >&2
  echo "or point CHROMIUM_PATH at a Chromium/Chrome binary." >&2
  exit 1
fi

echo "== typecheck"
npx tsc --noEmit
echo "== lint (layers, import cycles, type-aware rules; eslint.config.js)"
npm run --silent lint
echo "== dead code (knip)"
npx knip
echo '== format (prettier --check; npm run format fixes it)'
npx prettier --check . --log-level warn
echo "== build"
npx remix build >/dev/null
echo "== JavaScript budget per screen"
npx tsx scripts/js-budget.ts
echo "== integration tests (vitest)"
npx vitest run
echo "== browser tests (playwright)"
npx playwright test
