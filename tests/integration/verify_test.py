#!/usr/bin/env python3
"""verify_test.py HB_EXE - `harden-bisect verify` against the real systemd (issue 13 item 1).

Runs under tests/sandbox/with-sandbox.sh. On examples/shipped-partial (the http-plain server,
shipped with ProtectSystem=full, ProtectHome=read-only, NoNewPrivileges=yes, PrivateTmp=yes):
  (a) passes as shipped;
  (b) the further options are exactly those http-plain keeps (examples/http-plain/expected.json,
      same server, same needs) minus the four the unit already has, at the same rungs;
  (c) exactly ProtectSystem=full -> strict and ProtectHome=read-only -> yes;
each gain is the shipped exposure minus the exposure with that option alone; the shipped
exposure and ProtectSystem=strict's exposure alone equal `systemd-analyze security --offline`
of the unit without and with that drop-in; exit 12 (more passes); no copy is left behind.
A unit that fails its probe as shipped exits 5 and says so.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

HB = os.path.realpath(sys.argv[1])
REPO = os.path.realpath(os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", ".."))
ROOT = os.environ["HB_ROOT"]
UNIT = "hb-example-shipped-partial.service"
failures = []


def check(cond, msg):
    print(("ok:   " if cond else "FAIL: ") + msg, flush=True)
    if not cond:
        failures.append(msg)


def run(argv, timeout=600):
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def reload_manager():
    run(["busctl", "--timeout=60", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
         "org.freedesktop.systemd1.Manager", "Reload"])


def offline_tenths(unit):
    p = run(["systemd-analyze", "security", "--no-pager", "--offline=true", f"--root={ROOT}", unit])
    m = re.search(r"Overall exposure level for \S+: (\d+)\.(\d)", p.stdout)
    return int(m[1]) * 10 + int(m[2]) if m else None


work = tempfile.mkdtemp(prefix="hb-verify.", dir="/var/tmp")
subprocess.run([os.path.join(REPO, "examples", "install.sh"), "--copy", ROOT], check=True,
               stdout=subprocess.DEVNULL)
units = os.path.join(ROOT, "etc/systemd/system")
with open(os.path.join(units, "hb-verify-failing.service"), "w") as f:
    f.write("[Service]\nExecStart=/bin/false\n")
reload_manager()

# The partly hardened example: text on stdout, the JSON in a file.
probe = os.path.join(REPO, "examples", "shipped-partial", "probe.sh")
p = run([HB, "verify", "--state-dir", os.path.join(work, "state"), "--probe-timeout", "3",
         "--settle", "3", "--json-file", os.path.join(work, "verify.json"),
         "--probe", probe, "hb-example-shipped-partial"])
print(p.stdout)
check(p.returncode == 12, f"exit 12 (passes, more hardening passes), got {p.returncode}: "
      f"{p.stderr.strip().splitlines()[-1:] if p.stderr.strip() else ''}")
try:
    r = json.load(open(os.path.join(work, "verify.json")))
except (OSError, ValueError) as e:
    print(p.stderr)
    sys.exit(f"FAIL: no JSON report: {e}")

check(r["passes_as_shipped"] is True and r["evidence"] is None, "(a) passes as shipped")
plain = json.load(open(os.path.join(REPO, "examples", "http-plain", "expected.json")))
shipped_with = {"ProtectSystem", "ProtectHome", "NoNewPrivileges", "PrivateTmp"}
want_b = {k["id"]: k["rung"] for k in plain["kept"] if k["id"] not in shipped_with}
got_b = {f["id"]: f["rung"] for f in r["further"]}
check(got_b == want_b, "(b) = http-plain's kept options minus the unit's own"
      + ("" if got_b == want_b else
         f": missing {sorted(set(want_b.items()) - set(got_b.items()))}, "
         f"extra {sorted(set(got_b.items()) - set(want_b.items()))}"))
got_c = sorted((f["id"], f["shipped_rung"], f["rung"]) for f in r["strengthen"])
want_c = [("ProtectHome", "ProtectHome=read-only", "ProtectHome=yes"),
          ("ProtectSystem", "ProtectSystem=full", "ProtectSystem=strict")]
check(got_c == want_c, f"(c) = {want_c}, got {got_c}")

shipped = r["exposure"]["shipped"]["tenths"]
for f in r["further"] + r["strengthen"]:
    alone = f["exposure_alone"]["tenths"]
    if f["gain_tenths"] != shipped - alone or f["gain_tenths"] < 0 or f["gain"] < 0:
        check(False, f"{f['id']}: gain {f['gain_tenths']} = {shipped} - {alone}, >= 0")
check(all(f["gain"] > 0 and f["gain_exposure"] > 0 for f in r["strengthen"]),
      "every (c) finding lowers the exposure (analyze's weighted badness)")
check(r["further"] and r["further"][0]["gain"] > 0, "the first (b) finding lowers the exposure")
gains = [f["gain_exposure"] for f in r["further"]]
check(gains == sorted(gains, reverse=True), "(b) is ordered by gain, largest first")
check(r["exposure"]["hardened"]["tenths"] < shipped, "everything together scores below shipped")
check(shipped == offline_tenths(UNIT), f"shipped exposure {shipped} = systemd-analyze --offline")
dropin_dir = os.path.join(units, UNIT + ".d")
os.makedirs(dropin_dir, exist_ok=True)
with open(os.path.join(dropin_dir, "verify.conf"), "w") as f:
    f.write("[Service]\nProtectSystem=strict\n")
ps = next(f for f in r["strengthen"] if f["id"] == "ProtectSystem")
check(ps["exposure_alone"]["tenths"] == offline_tenths(UNIT),
      f"ProtectSystem=strict alone {ps['exposure_alone']['tenths']} = systemd-analyze --offline")
os.remove(os.path.join(dropin_dir, "verify.conf"))
text = p.stdout
check("(a) as shipped   passes its probe" in text, "text report says (a) passes")
check(re.search(r"ProtectSystem=full -> ProtectSystem=strict +-\d\.\d\d  -> \d\.\d", text)
      is not None,
      "text report shows ProtectSystem=full -> ProtectSystem=strict with its gain")
check(len(r["further"]) > 0 and f"({len(r['further'])})" in text, "text report counts (b)")
check(max(map(len, text.splitlines())) <= 100, "text report within 100 columns")

# A unit that fails its probe as shipped.
p = run([HB, "verify", "--state-dir", os.path.join(work, "state"), "--settle", "1",
         "--json=short", "hb-verify-failing", "--", probe])
try:
    failing = json.loads(p.stdout)
except ValueError:
    failing = {}
check(p.returncode == 5 and failing.get("passes_as_shipped") is False and failing.get("evidence"),
      f"a unit failing as shipped: exit 5 with the evidence, got {p.returncode}: {p.stdout[:300]}")

p = run(["busctl", "--json=short", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
         "org.freedesktop.systemd1.Manager", "ListUnitsByPatterns", "asas", "0", "1",
         "harden-bisect-*"])
left = json.loads(p.stdout)["data"][0] if p.returncode == 0 else ["(busctl failed)"]
check(not left, f"no harden-bisect-* unit left: {left}")

print("PASS" if not failures else f"{len(failures)} failures")
sys.exit(1 if failures else 0)
