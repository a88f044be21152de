# Shared set-up for scripts/serve and scripts/test (sourced, not run).
# Creates .venv, installs the locked dependencies when the lock changed, and builds the web
# client when its sources changed. Idempotent and quiet when nothing changed.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
VENV="$ROOT/.venv"
LOCK="$ROOT/requirements/lock.txt"

say() { printf '\033[1m==>\033[0m %s\n' "$*" >&2; }

find_python() {
  for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      command -v "$candidate"
      return 0
    fi
  done
  echo "huizhen needs Python 3.11 or newer on PATH" >&2
  return 1
}

ensure_venv() {
  if [ ! -x "$VENV/bin/python" ]; then
    say "creating $VENV"
    "$(find_python)" -m venv "$VENV"
  fi
  local stamp="$VENV/.huizhen-lock"
  local want
  want="$(cat "$LOCK" "$ROOT/pyproject.toml" | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
    say "installing Python dependencies from requirements/lock.txt"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -r "$LOCK"
    "$VENV/bin/python" -m pip install -q --no-deps -e "$ROOT"
    echo "$want" >"$stamp"
  fi
}

web_sources_hash() {
  # Only paths that exist: find fails on a missing one, and under pipefail that would end the
  # whole script without a word.
  local dir="$ROOT/web_client" paths=() p
  for p in src index.html playback.html package.json package-lock.json tsconfig.json \
    tsconfig.node.json vite.config.ts public scripts; do
    if [ -e "$dir/$p" ]; then paths+=("$p"); fi
  done
  (cd "$dir" && find "${paths[@]}" -type f | LC_ALL=C sort | xargs -r sha256sum |
    sha256sum | cut -d' ' -f1)
}

ensure_web_build() {
  local dir="$ROOT/web_client"
  [ -f "$dir/package.json" ] || { say "no web client sources yet; skipping build"; return 0; }
  command -v npm >/dev/null || { echo "huizhen's web client needs Node.js 20+ and npm" >&2; return 1; }
  local want stamp="$dir/dist/.huizhen-build"
  want="$(web_sources_hash)"
  if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then return 0; fi
  say "building the web client (npm ci && npm run build)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent)
  echo "$want" >"$stamp"
}
