#!/bin/bash
# Usage tracing against the real systemd (run under tests/sandbox/with-sandbox.sh): the example
# that binds port 880 is traced in its baseline trial. CAP_NET_BIND_SERVICE shows as checked
# and granted (and proven needed), the result equals the untraced run's, and the run with
# priors takes fewer trials than without.
set -euo pipefail
HB=$1
source "$(dirname "$0")/lib.sh"
unit=hb-example-privileged-port.service
probe=$repo/examples/privileged-port/probe.sh
work=$(mktemp -d /var/tmp/hb-trace.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

install_examples
common=(--probe "$probe" --probe-timeout 3 --settle 3 --state-dir "$work/state")

"$HB" "${common[@]}" --trace --json-file "$work/traced.json" -o "$work/traced.conf" "$unit" \
    2>"$work/traced.log" || { cat "$work/traced.log"; fail "traced run failed"; }
"$HB" "${common[@]}" --no-trace --json-file "$work/plain.json" -o "$work/plain.conf" "$unit" \
    2>"$work/plain.log" || { cat "$work/plain.log"; fail "untraced run failed"; }

python3 - "$work/traced.json" "$work/plain.json" <<'PY'
import json, sys
traced, plain = (json.load(open(p)) for p in sys.argv[1:3])
usage = traced.get("usage")
assert usage and usage["traced"], f"not traced: {usage and usage['note']}"
caps = {r["name"]: r for r in usage["capabilities"]}
nbs = caps.get("CAP_NET_BIND_SERVICE")
assert nbs and nbs["checked"] and nbs["granted"] > 0 and nbs["held"], caps
assert nbs["proven_needed"], nbs
families = {r["name"] for r in usage["address_families"] if r["granted"]}
assert "AF_INET" in families, families
assert not plain["usage"]["traced"] and "--no-trace" in plain["usage"]["note"]
key = lambda doc: sorted((x["id"], x.get("rung", "")) for x in doc["rejected"])
assert key(traced) == key(plain), (key(traced), key(plain))
assert sorted(x["id"] for x in traced["kept"]) == sorted(x["id"] for x in plain["kept"])
t, p = traced["trial_count"], plain["trial_count"]
print(f"trials with priors {t}, without {p}")
assert t < p, (t, p)
PY
[ -z "$(copies)" ] || fail "copies left: $(copies)"
ls /sys/kernel/tracing/instances 2>/dev/null | grep -q '^harden-bisect-' &&
    fail "tracefs instance left behind"
echo PASS
