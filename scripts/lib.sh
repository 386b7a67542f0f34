# Shared by scripts/run and scripts/test: install what building needs.
# shellcheck shell=bash

log() { printf '\n== %s\n' "$*" >&2; }

apt_updated=""
apt_install() {
    if [ "$(id -u)" != 0 ]; then
        echo "missing packages: $* (install them, or run as root)" >&2
        return 1
    fi
    if [ -z "$apt_updated" ]; then
        DEBIAN_FRONTEND=noninteractive apt-get update -qq
        apt_updated=1
    fi
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

ensure_build_deps() {
    if ! command -v cargo >/dev/null; then
        echo "cargo is required (https://rustup.rs)" >&2
        return 1
    fi
    # pq-sys links against libpq; SQLite is bundled.
    if ! pkg-config --exists libpq 2>/dev/null; then
        log "installing libpq-dev and pkg-config"
        apt_install libpq-dev pkg-config
    fi
}

# The web pages: Node.js and npm (Debian's, if missing), the locked npm
# packages (npm ci, again only when package-lock.json changes), then the
# TypeScript check and the Vite build into web/dist.
ensure_web() {
    if ! command -v npm >/dev/null; then
        log "installing Node.js and npm"
        apt_install nodejs npm
    fi
    local stamp=web/node_modules/.segnala-lock
    local want
    want=$(sha256sum web/package-lock.json | cut -d' ' -f1)
    if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
        log "installing the web's npm packages (npm ci)"
        (cd web && npm ci --no-audit --no-fund --loglevel=error)
        echo "$want" >"$stamp"
    fi
    log "building the web pages"
    (cd web && npm run --silent build >/dev/null)
}
