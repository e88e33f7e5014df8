#!/bin/bash
# demo.sh - the README's first command: set up this machine (apt + build), boot a throwaway
# real systemd (tests/sandbox), install the bundled examples into it, and harden one of them
# with its probe. Prints progress per trial, the before/after exposure and the drop-in.
#
#   sudo scripts/demo.sh [EXAMPLE]      EXAMPLE: state-writer (default), http-plain,
#                                       privileged-port, jit-memory, netlink, hang-ipdeny,
#                                       notify, forking
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
example=${1:-state-writer}
[ -d "examples/$example" ] || { echo "demo.sh: no example '$example' (see examples/)" >&2; exit 2; }

if [ "${HB_DEMO_IN_SANDBOX:-}" != 1 ]; then
    scripts/setup.sh
    export HB_DEMO_IN_SANDBOX=1
    exec tests/sandbox/with-sandbox.sh "$0" "$example"
fi

# Inside the sandbox: DBUS_SYSTEM_BUS_ADDRESS points at the container's systemd.
examples/install.sh --copy "$HB_ROOT" >/dev/null
busctl call org.freedesktop.systemd1 /org/freedesktop/systemd1 org.freedesktop.systemd1.Manager Reload
unit=hb-example-$example.service
echo "== harden-bisect --probe examples/$example/probe.sh $unit" >&2
exec build/src/cli/harden-bisect --root "$HB_ROOT" --state-dir "$HB_STATE_DIR/hb-state" \
    --probe "examples/$example/probe.sh" "$unit"
