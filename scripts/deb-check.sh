#!/bin/bash
# deb-check.sh - build the Debian package from a copy of this tree, install it with apt, and run
# the installed harden-bisect: --version, its man pages, a bundled probe found by bare name.
# Removes the package and the copy afterwards. Run as root on Debian 12 (scripts/setup.sh
# installs the build dependencies). Used by .ci/run.
#
# Environment: HB_DEB_KEEP=DIR  keep the built .deb files in DIR
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
[ "$(id -u)" = 0 ] || { echo "deb-check.sh: run as root (it installs the package)" >&2; exit 2; }

work=$(mktemp -d /var/tmp/hb-deb.XXXXXX)
installed=0
cleanup() {
    [ "$installed" = 1 ] && apt-get purge -y -q harden-bisect >/dev/null 2>&1
    rm -rf "$work"
}
trap cleanup EXIT

# 1. A copy of the tracked (and new, not ignored) files: no build directories come along.
mkdir "$work/src"
git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t "$work/src"

# 2. dpkg-buildpackage; the unit suite ran before (nocheck: tests are not even built).
start=$SECONDS
(cd "$work/src" && DEB_BUILD_OPTIONS="nocheck parallel=$(nproc)" \
    dpkg-buildpackage -us -uc -b >"$work/build.log" 2>&1) || {
    tail -n 40 "$work/build.log" >&2
    echo "deb-check.sh: dpkg-buildpackage failed" >&2
    exit 1
}
deb=$(ls "$work"/harden-bisect_*.deb)
echo "deb-check.sh: built $(basename "$deb") in $((SECONDS - start)) s"
[ -n "${HB_DEB_KEEP:-}" ] && cp "$work"/*.deb "$HB_DEB_KEEP"/
rm -rf "$work/src"  # from here on nothing may come from a source tree

# 3. Install it. Minimal images exclude /usr/share/man via dpkg path-exclude
# (/etc/dpkg/dpkg.cfg.d/); our own pages are included again for this package.
dpkg_opts=()
if grep -qs '^path-exclude.*/usr/share/man' /etc/dpkg/dpkg.cfg.d/*; then
    echo "deb-check.sh: dpkg excludes /usr/share/man here; including harden-bisect's pages"
    dpkg_opts=(-o "DPkg::Options::=--path-include=/usr/share/man/man*/harden-bisect*")
fi
installed=1
DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${dpkg_opts[@]}" \
    "$deb" >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; exit 1; }

# 4. Run what the package installed.
cd /
failures=0
fail() { echo "deb-check.sh: FAIL: $*" >&2; failures=$((failures + 1)); }
version=$(/usr/bin/harden-bisect --version) || fail "harden-bisect --version"
echo "deb-check.sh: $version"
for page in "harden-bisect" "5 harden-bisect-catalogue" "5 harden-bisect-plan"; do
    # shellcheck disable=SC2086  # "5 NAME" is section and name
    out=$(MANPAGER=cat MANWIDTH=80 man $page 2>&1) || fail "man $page: $out"
    printf '%s\n' "$out" | head -n 5
    printf '%s\n' "$out" | grep -q '^NAME' || fail "man $page has no NAME section"
done
# A bundled probe by bare name, and the installed catalogue (no source tree is left).
/usr/bin/harden-bisect --list-options --probe "http-ok http://127.0.0.1:1/" >/dev/null ||
    fail "--probe http-ok is not found in the installed probes"
[ -x /usr/libexec/harden-bisect/probes/http-ok ] || fail "no /usr/libexec/harden-bisect/probes/http-ok"
[ -f /usr/share/bash-completion/completions/harden-bisect ] || fail "no bash completion"
[ -f /usr/share/zsh/vendor-completions/_harden-bisect ] || fail "no zsh completion"
[ -f /usr/share/doc/harden-bisect/copyright ] || fail "no copyright file"
[ "$failures" = 0 ] && echo "deb-check.sh: PASS" || exit 1
