#!/bin/bash
# setup.sh - prepare a Debian 12 machine to build and test harden-bisect, then build.
#
# Installs every build, runtime and test dependency with apt-get (non-interactive; skipped
# entirely when all are installed already, so re-runs are fast), then configures ./build
# (meson setup, or --reconfigure if a previous configure failed) and compiles it.
# Idempotent. Needs root only when packages are missing.
#
# Environment: HB_BUILD_DIR=build  build directory, relative to the repository root
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
build=${HB_BUILD_DIR:-build}

packages=(
    # build
    meson ninja-build g++ clang clang-format libclang-rt-14-dev pkg-config
    libsdbus-c++-dev libsdbus-c++-bin libsystemd-dev libyaml-cpp-dev libspdlog-dev
    doctest-dev libcli11-dev nlohmann-json3-dev libcap-dev libseccomp-dev
    # runtime: the systemd the tool drives
    systemd dbus
    # tests: the sandbox (tests/sandbox) and its probes
    systemd-container dbus-user-session libpam-systemd python3 curl
    # tests: JSON Schema validation of reports (tests/integration/plan_test.py)
    python3-jsonschema
    # tests: the daemon test calls its D-Bus API with gdbus (wrong signatures, raw arguments)
    libglib2.0-bin
    # tests: the daemon asks polkit about callers outside root and its group
    polkitd
    iproute2 util-linux procps psmisc coreutils findutils passwd
    # man pages (built from man/*.scd) and the Debian package (scripts/deb-check.sh; debian/control's
    # Build-Depends are a subset of this list)
    scdoc debhelper dpkg-dev man-db git
)
# modprobe, so the kernel can load overlayfs (only needed when it is a module not yet loaded)
grep -qw overlay /proc/filesystems || packages+=(kmod)

missing=()
for p in "${packages[@]}"; do
    [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "setup.sh: installing ${missing[*]}" >&2
    [ "$(id -u)" = 0 ] || { echo "setup.sh: run as root to install packages" >&2; exit 1; }
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends \
        -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold "${missing[@]}"
else
    echo "setup.sh: all ${#packages[@]} packages installed" >&2
fi

if [ ! -f "$build/build.ninja" ]; then
    if [ -d "$build/meson-private" ]; then
        meson setup --reconfigure "$build"
    else
        meson setup "$build"
    fi
fi
meson compile -C "$build"
