#!/usr/bin/env bash
# Make sure Graphviz's `dot` binary is available (visualize/ renders SVG with it).
#
# If `dot` is missing and apt-get exists, installs Debian's `graphviz` package: directly as root, or through
# passwordless sudo.  Otherwise prints how to install it.  Without `dot`, SVG tests skip and rendering raises.
# Exit status: 0 when `dot` is available or could not be installed (a warning is printed), unless
# REQUIRE_DOT=1 (or CI is set, as in .ci/run's environment), in which case a missing `dot` is an error.
set -euo pipefail

if command -v dot >/dev/null 2>&1; then
    exit 0
fi

required="${REQUIRE_DOT:-}"
if [ -z "$required" ] && [ -n "${CI:-}" ] && [ "${CI}" != "false" ]; then
    required=1
fi

run_as_root=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true >/dev/null 2>&1; then
        run_as_root=(sudo -n)
    else
        run_as_root=(none)
    fi
fi

if command -v apt-get >/dev/null 2>&1 && [ "${run_as_root[0]:-}" != none ]; then
    echo "ensure_dot: 'dot' not found; installing Debian's graphviz package with apt-get..."
    export DEBIAN_FRONTEND=noninteractive
    if "${run_as_root[@]}" apt-get update -qq >/dev/null \
        && "${run_as_root[@]}" apt-get install -y -qq --no-install-recommends graphviz >/dev/null; then
        command -v dot >/dev/null 2>&1 && { echo "ensure_dot: installed $(dot -V 2>&1)"; exit 0; }
    fi
    echo "ensure_dot: apt-get could not install graphviz." >&2
fi

cat >&2 <<'MSG'
ensure_dot: Graphviz's `dot` is not installed; SVG rendering is unavailable and its tests will be skipped.
  Debian/Ubuntu:  sudo apt-get install graphviz
  macOS:          brew install graphviz
  other systems:  https://graphviz.org/download/
MSG
if [ "$required" = 1 ] || [ "$required" = true ]; then
    echo "ensure_dot: REQUIRE_DOT/CI is set, so a missing 'dot' is an error." >&2
    exit 1
fi
exit 0
