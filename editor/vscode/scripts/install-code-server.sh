#!/usr/bin/env bash
# Opt-in: installs what the VS Code end-to-end test needs (about 300 MB, 2-3 minutes):
#   - Debian's Chromium, libkrb5-dev (code-server's native build) and ripgrep (apt, needs root),
#   - code-server 4.100.3 (VS Code 1.100.3, the newest line that runs on node 20) from npm,
#     into $POB_CODE_SERVER_DIR (default: ~/.cache/pob-ls/code-server), outside the repository.
# @vscode/ripgrep's postinstall would download rg from GitHub; its cache is pre-seeded with
# Debian's rg so nothing but the npm registry and Debian's mirrors is contacted.
# Usage: editor/vscode/scripts/install-code-server.sh [--no-apt]
set -euo pipefail

VERSION=4.100.3
DEST="${POB_CODE_SERVER_DIR:-$HOME/.cache/pob-ls/code-server}"

if [[ "${1:-}" != "--no-apt" ]]; then
    if [[ $(id -u) -eq 0 ]]; then SUDO=; else SUDO=sudo; fi
    if ! command -v chromium >/dev/null || ! command -v rg >/dev/null || ! dpkg -s libkrb5-dev >/dev/null 2>&1; then
        $SUDO apt-get update -q
        DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q chromium libkrb5-dev ripgrep
    fi
fi

if [[ -x "$DEST/node_modules/.bin/code-server" ]] && \
   "$DEST/node_modules/.bin/code-server" --version 2>/dev/null | grep -q "^$VERSION"; then
    echo "code-server $VERSION already installed in $DEST"
    exit 0
fi

RG_CACHE="${TMPDIR:-/tmp}/vscode-ripgrep-cache-1.15.11"
RG_TAR="$RG_CACHE/ripgrep-v13.0.0-10-x86_64-unknown-linux-musl.tar.gz"
if [[ ! -f "$RG_TAR" ]]; then
    work=$(mktemp -d)
    mkdir -p "$RG_CACHE"
    cp "$(command -v rg)" "$work/rg"
    tar czf "$RG_TAR" -C "$work" rg
    rm -rf "$work"
fi

mkdir -p "$DEST"
cd "$DEST"
[[ -f package.json ]] || echo '{"name":"pob-ls-code-server","private":true}' > package.json
npm_config_yes=true npm_config_unsafe_perm=true \
    npm install --no-audit --no-fund --foreground-scripts "code-server@$VERSION"
"$DEST/node_modules/.bin/code-server" --version
echo "code-server installed: $DEST/node_modules/.bin/code-server"
