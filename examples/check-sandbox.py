#!/usr/bin/python3
"""check-sandbox.py [EXAMPLE...] - verify the examples against a real systemd.

For every example (default: all directories with a `cases` file) this
  1. installs all example units into $HB_ROOT (install.sh) and daemon-reloads,
  2. starts the ORIGINAL unit, runs its probe.sh on this host (must pass), stops it,
  3. for every line of examples/NAME/cases, starts a transient copy with
     `systemd-run --unit=hb-check-NAME-N -p <the unit's [Service] settings> -p <case
     properties> <the unit's ExecStart>`, runs probe.sh, records pass/fail and the
     probe's one-line reason, stops the copy,
and prints one line per run; exit status 1 if any result differs from the expectation.

cases format, one trial per line ('#' starts a comment):
    pass  NoNewPrivileges=yes ; ProtectSystem=strict ; RestrictAddressFamilies=AF_INET AF_INET6
    fail  MemoryDenyWriteExecute=yes
Properties are separated by " ; " and passed to systemd-run as -p KEY=VALUE.
"!KEY" drops the unit's own KEY= setting from the copy (systemd-run cannot reset a list
property such as RuntimeDirectory= with an empty assignment: it is silently kept).

Needs a running sandbox (see /work/shared/reference/sandbox/README.md):
    HB_NAME=hbex HB_BIND_RO=/path/to/checkout eval "$(sandbox.sh up)"
    SANDBOX_SH=/path/to/sandbox.sh examples/check-sandbox.py
Or inside tests/sandbox/with-sandbox.sh (it exports HB_SANDBOX, HB_NAME, HB_ROOT):
    tests/sandbox/with-sandbox.sh examples/check-sandbox.py
Environment: SANDBOX_SH or HB_SANDBOX (default: tests/sandbox/sandbox.sh of this checkout,
else /work/shared/reference/sandbox/sandbox.sh), HB_NAME, HB_ROOT (printed by `up`).
"""
import os
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
# $SANDBOX_SH, else $HB_SANDBOX (exported by tests/sandbox/with-sandbox.sh), else the
# repository's tests/sandbox/sandbox.sh, else the reference copy.
SANDBOX_SH = (os.environ.get("SANDBOX_SH") or os.environ.get("HB_SANDBOX") or next(
    (p for p in (os.path.join(HERE, "..", "tests", "sandbox", "sandbox.sh"),)
     if os.path.isfile(p)), "/work/shared/reference/sandbox/sandbox.sh"))


def ctl(*args, timeout=30):
    """Runs host systemctl/systemd-run against the container; returns (rc, output)."""
    p = subprocess.run([SANDBOX_SH, "ctl", *args], capture_output=True, text=True,
                       timeout=timeout)
    return p.returncode, (p.stdout + p.stderr).strip()


def probe(name):
    """Runs the example's probe; returns (ok, one-line output, milliseconds)."""
    t0 = time.monotonic()
    try:
        p = subprocess.run([os.path.join(HERE, name, "probe.sh")], capture_output=True,
                           text=True, timeout=10, stdin=subprocess.DEVNULL)
        out = (p.stdout + p.stderr).strip().splitlines()
        ok, line = p.returncode == 0, (out[-1] if out else f"exit {p.returncode}")
    except subprocess.TimeoutExpired:
        ok, line = False, "probe itself hung (>10 s)"
    return ok, line, int((time.monotonic() - t0) * 1000)


def unit_state(unit):
    _, out = ctl("systemctl", "show", "-p", "ActiveState,Result,ExecMainCode,ExecMainStatus",
                 unit)
    kv = dict(l.split("=", 1) for l in out.splitlines() if "=" in l)
    return (f"{kv.get('ActiveState', '?')}/{kv.get('Result', '?')}"
            f"/{kv.get('ExecMainCode', '?')}:{kv.get('ExecMainStatus', '?')}")


def service_section(path):
    """[Service] lines of an installed unit: (list of KEY=VALUE without ExecStart, argv)."""
    props, argv, section = [], None, None
    with open(path) as f:
        for raw in f:
            line = raw.strip()
            if not line or line[0] in "#;":
                continue
            if line.startswith("["):
                section = line
                continue
            if section != "[Service]":
                continue
            key, _, value = line.partition("=")
            if key == "ExecStart":
                argv = [a.replace("%%", "%") for a in shlex.split(value)]
            else:
                props.append(line)
    return props, argv


def read_cases(name):
    cases = []
    with open(os.path.join(HERE, name, "cases")) as f:
        for raw in f:
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            expect, _, rest = line.partition(" ")
            props = [p.strip() for p in rest.split(" ; ") if p.strip()]
            assert expect in ("pass", "fail"), line
            cases.append((expect, props))
    return cases


def stop(unit):
    ctl("systemctl", "stop", unit)
    ctl("systemctl", "reset-failed", unit)


def report(name, label, expect, ok, line, ms, state):
    got = "pass" if ok else "fail"
    mark = "OK " if got == expect else "BAD"
    print(f"{mark} {name:16} expect={expect} got={got} {ms:5d}ms [{state}] {label}\n"
          f"      probe: {line}", flush=True)
    return got == expect


def check(name, root):
    good = True
    unit = f"hb-example-{name}.service"
    rc, out = ctl("systemctl", "start", unit, timeout=20)
    ok, line, ms = probe(name)
    good &= report(name, f"original {unit}" + ("" if rc == 0 else f" (start: {out})"),
                   "pass", ok, line, ms, unit_state(unit))
    stop(unit)
    base, argv = service_section(os.path.join(root, "etc/systemd/system", unit))
    for i, (expect, props) in enumerate(read_cases(name), 1):
        copy = f"hb-check-{name}-{i}.service"
        drop = {p[1:] for p in props if p.startswith("!")}
        args = ["systemd-run", f"--unit={copy}"]
        for p in base + props:
            if not p.startswith("!") and p.partition("=")[0] not in drop:
                args += ["-p", p]
        rc, out = ctl(*args, "--", *argv, timeout=20)
        ok, line, ms = probe(name)
        why = [l for l in out.splitlines() if not l.startswith(("Running as unit", "See "))]
        label = " ; ".join(props) + ("" if rc == 0 else f"  (systemd-run rc={rc}: "
                                     f"{why[0] if why else ''})")
        good &= report(name, label, expect, ok, line, ms, unit_state(copy))
        stop(copy)
    return good


def main():
    root = os.environ.get("HB_ROOT")
    if not root:
        sys.exit("HB_ROOT is not set: eval \"$(sandbox.sh up)\" first")
    names = sys.argv[1:] or sorted(d for d in os.listdir(HERE)
                                   if os.path.isfile(os.path.join(HERE, d, "cases")))
    subprocess.run([os.path.join(HERE, "install.sh"), root], check=True,
                   stdout=subprocess.DEVNULL)
    ctl("systemctl", "daemon-reload")
    results = [check(n, root) for n in names]
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
