#!/usr/bin/env bash
# Replaces the vendored axe-core (the accessibility engine the console's browser tests inject into each page) with the
# npm registry's release: ./update-axe.sh [version]   (default: the latest). Needs npm; writes axe.min.js, LICENSE and
# VERSION next to this script. The tests read them from here; nothing is downloaded while testing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
version="${1:-$(npm view axe-core version)}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && npm pack "axe-core@$version" --silent >/dev/null)
tar -xzf "$work"/axe-core-*.tgz -C "$work"
cp "$work/package/axe.min.js" "$here/axe.min.js"
cp "$work/package/LICENSE" "$here/LICENSE"
echo "$version" > "$here/VERSION"
echo "axe-core $version vendored in $here"
