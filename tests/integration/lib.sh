# Shared helpers of the shell integration tests (sourced; they run under with-sandbox.sh).
repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)

# systemctl and friends against the sandbox's manager.
ctl() { "$HB_SANDBOX" ctl "$@"; }

# daemon-reload of the sandbox's manager.
reload() { busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Reload; }

# Installs the bundled examples into the sandbox (copied: a checkout may be hidden from units).
install_examples() { "$repo/examples/install.sh" --copy "$HB_ROOT" >/dev/null && reload; }

# Names of transient copies still loaded; empty when the tool cleaned up.
copies() {
    busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager ListUnits |
        grep -o '"harden-bisect-[^"]*"' || true
}

# The setting lines of a drop-in (comments and blank lines left out).
settings() { grep -v '^#' "$1" | grep -v '^$' || true; }
