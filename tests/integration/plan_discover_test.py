#!/usr/bin/env python3
"""plan_discover_test.py HB_EXE - `harden-bisect plan discover` on a real systemd 252.

Runs inside tests/sandbox/with-sandbox.sh (meson does that). python3 + python3-yaml.
Exit 0 = every assertion held, 1 = an assertion failed (all listed), 99 = unusable environment.

1. With the http-plain example running, `plan discover > plan.yaml` exits 0 and writes a plan
   `plan validate` accepts: every entry is a running, non-template .service with the default
   probe (unit-active --settle 5), http-plain among them, none of the unsafe ones (getty,
   reboot, rescue, ...); every service left out is named with its reason.
2. `plan run` accepts the discovered entry of http-plain (restricted to two options so it stays
   short) and marks the probe as weak in summary.json, report.json, summary.md, junit.xml and
   the drop-in. PrivateNetwork=yes passes the weak probe although it breaks the service's
   HTTP: the reason the probe is called weak.
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.realpath(os.path.join(HERE, "..", ".."))
T0 = time.monotonic()
failures = []
UNIT = "hb-example-http-plain.service"

try:
    import jsonschema
    import yaml
except ImportError as e:
    print(f"plan_discover_test: {e.name} is missing (python3-yaml, python3-jsonschema)", file=sys.stderr)
    sys.exit(99)


def log(msg):
    print(f"[{time.monotonic() - T0:7.1f}s] {msg}", flush=True)


def check(cond, msg):
    log(("ok: " if cond else "FAIL: ") + msg)
    if not cond:
        failures.append(msg)
    return cond


def hb(exe, *args, env=None):
    argv = [exe, *args]
    log("running: " + shlex.join(argv))
    p = subprocess.run(argv, capture_output=True, text=True, timeout=540,
                       stdin=subprocess.DEVNULL, env=env)
    log(f"exit {p.returncode}")
    sys.stdout.write(p.stderr[-4000:])
    return p


def validate(instance, schema_name, what):
    with open(os.path.join(REPO, "docs", schema_name)) as f:
        schema = json.load(f)
    errors = list(jsonschema.Draft202012Validator(schema).iter_errors(instance))
    check(not errors, f"{what} validates against docs/{schema_name}" +
          (f": {errors[0].message}" if errors else ""))


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    exe = os.path.realpath(sys.argv[1])
    if "HB_ROOT" not in os.environ or "HB_SANDBOX" not in os.environ:
        print("plan_discover_test: run me under tests/sandbox/with-sandbox.sh", file=sys.stderr)
        return 99
    sandbox = os.environ["HB_SANDBOX"]
    subprocess.run([os.path.join(REPO, "examples", "install.sh"), "--copy", os.environ["HB_ROOT"]],
                   check=True, stdin=subprocess.DEVNULL)
    subprocess.run([sandbox, "ctl", "systemctl", "daemon-reload"], check=True)
    subprocess.run([sandbox, "ctl", "systemctl", "start", UNIT], check=True)
    work = tempfile.mkdtemp(prefix="hb-discover-test-")

    # 1. discover
    p = hb(exe, "plan", "discover")
    check(p.returncode == 0, f"plan discover exits 0 (got {p.returncode})")
    text = p.stdout
    path = os.path.join(work, "discovered.yaml")
    with open(path, "w") as f:
        f.write(text)
    log("discovered plan:\n" + text)
    v = hb(exe, "plan", "validate", path)
    check(v.returncode == 0, f"plan validate accepts it: {v.stdout.strip()} {v.stderr.strip()}")
    plan = yaml.safe_load(text)
    check(plan.get("version") == 1, "version 1")
    units = [e["unit"] for e in plan["units"]]
    check(UNIT in units, f"{UNIT} is in the plan")
    check(units == sorted(units), "entries sorted by name")
    check(all(e["probe"] == ["unit-active", "--settle", "5"] for e in plan["units"]),
          "every entry has the default probe")
    check(all(u.endswith(".service") and "@." not in u for u in units), "only non-template services")
    unsafe = ("getty@", "serial-getty@", "console-getty", "systemd-reboot", "systemd-poweroff",
              "initrd-", "emergency", "rescue", "systemd-journald", "dbus")
    check(not [u for u in units if u.startswith(unsafe)], f"no unsafe unit in the plan: {units}")
    listed = subprocess.run([sandbox, "ctl", "systemctl", "list-units", "--state=running", "--plain",
                             "--no-legend", "--type=service"], capture_output=True, text=True,
                            check=True).stdout.split("\n")
    loaded = {line.replace("●", "").split()[0] for line in listed if line.strip()}
    left_out = [line[4:].split(": ", 1) for line in text.splitlines() if line.startswith("#   ")]
    check(all(len(x) == 2 and x[1] for x in left_out), "every service left out has a reason")
    named = set(units) | {x[0] for x in left_out}
    missing = sorted(u for u in loaded if u not in named and "@." not in u)
    check(loaded and not missing,
          f"every running service is in the plan or left out with a reason: {missing}")
    active = subprocess.run([sandbox, "ctl", "systemctl", "is-active", UNIT],
                            capture_output=True, text=True).stdout.strip()
    check(active == "active", f"discover left {UNIT} running ({active})")

    # 2. plan run on the discovered entry of http-plain, two options only.
    entry = next(e for e in plan["units"] if e["unit"] == UNIT)
    entry["only"] = ["PrivateNetwork", "PrivateTmp"]
    entry["stop-original"] = True  # the copies listen on the original's port
    small = {"version": 1, "defaults": dict(plan.get("defaults", {}), settle=1, confirm=1),
             "units": [entry]}
    small_path = os.path.join(work, "one.yaml")
    with open(small_path, "w") as f:
        yaml.safe_dump(small, f)
    # unit-active asks systemctl; reach the container's manager through the sandbox's wrapper.
    wrapper = os.path.join(work, "systemctl")
    with open(wrapper, "w") as f:
        f.write(f'#!/bin/sh\nexec {shlex.quote(sandbox)} ctl systemctl "$@"\n')
    os.chmod(wrapper, 0o755)
    env = dict(os.environ, HB_SYSTEMCTL=wrapper)
    env.pop("SUDO_UID", None)  # the wrapper needs root (unshare); probes would drop to SUDO_UID
    out = os.path.join(work, "out")
    p = hb(exe, "plan", "run", small_path, "--out", out, "--state-dir", os.path.join(work, "state"),
           env=env)
    check(p.returncode == 0, f"plan run accepts the discovered entry and passes (got {p.returncode})")
    check("passed (weak probe)" in p.stderr, "the terminal table marks the weak probe")
    try:
        summary = json.load(open(os.path.join(out, "summary.json")))
        validate(summary, "plan-summary.schema.json", "summary.json")
        u = summary["units"][0]
        check(u["status"] == "passed", f"status {u['status']}: {u['error']}")
        check(len(u["weak_probes"]) == 1 and "weak probe" in u["weak_probes"][0],
              f"summary.json marks the probe weak: {u['weak_probes']}")
        check("PrivateNetwork" in [k["id"] for k in u["kept"]],
              "PrivateNetwork passes the weak probe (it only checks the copy stays active)")
        report = json.load(open(os.path.join(out, u["report_file"])))
        validate(report, "plan-report.schema.json", "report.json")
        check(len(report["weak_probes"]) == 1, "report.json marks the probe weak")
        check(report["systemd_version"].startswith("252") and
              report["exposure_scored_by"] == "built-in systemd 252 model" and
              report["exposure_note"] is None,
              f"report.json: systemd {report['systemd_version']}, {report['exposure_scored_by']}")
        check("WARNING: weak probe" in report["dropin"], "the drop-in warns of the weak probe")
        check("### Weak probes" in open(os.path.join(out, "summary.md")).read(),
              "summary.md lists the weak probe")
        check("WARNING: unit-active --settle 5: weak probe" in
              open(os.path.join(out, "junit.xml")).read(), "junit.xml system-out warns")
    except (OSError, KeyError, IndexError, ValueError) as e:
        check(False, f"plan run outputs readable: {e!r}")

    if failures:
        print(f"\nplan_discover_test: {len(failures)} assertion(s) failed (work dir {work}):")
        for f in failures:
            print(f"  - {f}")
        return 1
    log("all assertions held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
