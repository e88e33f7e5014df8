#!/usr/bin/env python3
"""examples_test.py - the real harden-bisect against the examples/ services and a real systemd.

    examples_test.py HB_EXE EXAMPLE            bisect EXAMPLE, compare with examples/EXAMPLE/expected.json
    examples_test.py --apply HB_EXE EXAMPLE    --stop-original --apply --root against the running unit

Runs inside tests/sandbox/with-sandbox.sh (one fresh systemd 252 per test; meson does that, see
tests/integration/meson.build); started without the sandbox environment it re-runs itself under
with-sandbox.sh. python3 stdlib only. Exit 0 = every assertion held, 1 = an assertion failed
(all of them are listed), 99 = the environment is unusable (meson: ERROR, never a silent skip),
e.g. a process outside the sandbox listened on the example's port during the run (the
sandboxes share the host's network, and other tests use the same examples and ports).

Bisect mode (one test per example):
  1. examples/install.sh --copy $HB_ROOT, daemon-reload over the bus;
  2. `systemd-analyze security --offline=true --root=$HB_ROOT UNIT` (exposure before);
  3. harden-bisect --probe examples/EXAMPLE/probe.sh --probe-timeout 3 --settle 3
       --check-maximal --json-file out.json -o dropin.conf UNIT
  4. asserts: exit 0; confirmed; the EXACT sets of kept (id, rung), rejected (id, rung, verdict)
     and skipped ids of expected.json; every rejected rung has a maximality verdict other than
     "pass"; exposure after < before; the report's exposure equals systemd-analyze's, before and
     with the printed drop-in installed; every kept setting is in the drop-in; no
     harden-bisect-* unit is left in the manager.
  5. with "repairs" in expected.json: a --no-repairs run first; then the kept repairs exactly
     ({id: [settings added back]}), marked in the drop-in, and exposure after strictly lower
     than the --no-repairs run's.

Apply mode (state-writer): starts the original, checks its probe, then runs
  harden-bisect ... --stop-original --apply --root $HB_ROOT UNIT
and asserts: exit 0; the drop-in exists at $HB_ROOT/etc/systemd/system/UNIT.d/50-harden-bisect.conf
with mode 0644 and is what -o printed; the unit is active, was restarted, loads the drop-in and
passes its probe; `systemctl show` reports the kept settings (expected.json "apply_show");
no harden-bisect-* unit is left; exposure before/after equal systemd-analyze's offline score of
the unit without/with the drop-in.

Environment knobs: HB_TEST_KEEP=1 keeps the work directory (always kept on failure);
HB_TEST_PROBE_TIMEOUT / HB_TEST_SETTLE override 3 / 3; HB_TEST_EXTRA_ARGS adds arguments.
"""
import json
import os
import re
import shlex
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.realpath(os.path.join(HERE, "..", ".."))
EXAMPLES = os.path.join(REPO, "examples")
WITH_SANDBOX = os.path.join(REPO, "tests", "sandbox", "with-sandbox.sh")
DROPIN_NAME = "50-harden-bisect.conf"
TOOL_TIMEOUT = 900  # seconds; a run takes 25-70 s, meson's own timeout is the real bound

failures = []
interference = []  # foreign listeners seen on the example's port (see ForeignListenerWatch)
T0 = time.monotonic()


def log(msg):
    print(f"[{time.monotonic() - T0:7.1f}s] {msg}", flush=True)


def check(cond, msg):
    """A soft assertion: records a failure and goes on, so one run reports every problem."""
    if cond:
        log(f"ok: {msg}")
    else:
        failures.append(msg)
        log(f"FAIL: {msg}")
    return cond


def env_error(msg):
    print(f"examples_test: {msg}", file=sys.stderr, flush=True)
    sys.exit(99)


def run(argv, timeout=60, check_rc=True, **kw):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL, **kw)
    if check_rc and p.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p


def ctl(*args, timeout=60, check_rc=True):
    """systemctl & co. against the sandbox's manager (sandbox.sh ctl)."""
    return run([os.environ["HB_SANDBOX"], "ctl", *args], timeout=timeout, check_rc=check_rc)


def reload_manager():
    run(["busctl", "--timeout=60", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
         "org.freedesktop.systemd1.Manager", "Reload"], timeout=90)


def leftover_copies():
    """Names of harden-bisect-* units still loaded in the manager (any state)."""
    p = run(["busctl", "--json=short", "call", "org.freedesktop.systemd1",
             "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager",
             "ListUnitsByPatterns", "asas", "0", "1", "harden-bisect-*"])
    return [f"{u[0]} ({u[3]}/{u[4]})" for u in json.loads(p.stdout)["data"][0]]


def offline_exposure(unit):
    """(score string, tenths, level) from systemd-analyze security --offline of $HB_ROOT."""
    p = run(["systemd-analyze", "security", "--no-pager", "--offline=true",
             f"--root={os.environ['HB_ROOT']}", unit], check_rc=False, timeout=120)
    m = re.search(r"Overall exposure level for (\S+): (\d+)\.(\d) (\w+)", p.stdout)
    if not m:
        raise RuntimeError(f"no exposure line in systemd-analyze output (exit {p.returncode}):\n"
                           f"{p.stdout[-1000:]}{p.stderr[-1000:]}")
    return f"{m[2]}.{m[3]}", int(m[2]) * 10 + int(m[3]), m[4]


def verify_dropin(unit):
    """`systemd-analyze verify` of the unit with the installed drop-in: exit 0 and not one
    complaint about a line of the drop-in (verify only warns about unknown keys or values)."""
    p = run(["systemd-analyze", "verify", "--no-pager", f"--root={os.environ['HB_ROOT']}", unit],
            check_rc=False, timeout=120)
    out = (p.stdout + p.stderr).strip()
    about_dropin = [ln for ln in out.splitlines() if DROPIN_NAME in ln]
    check(p.returncode == 0 and not about_dropin,
          f"systemd-analyze verify passes on {unit} with the drop-in (exit {p.returncode})"
          f"{fmt(about_dropin) if about_dropin else ''}" + (f"\n{out}" if p.returncode else ""))


def port_free(port):
    with socket.socket() as s:
        s.settimeout(0.5)
        try:
            s.connect(("127.0.0.1", port))
        except (ConnectionRefusedError, socket.timeout, OSError):
            return True
        return False


def wait_port_free(port, seconds=60):
    """The sandboxes share the host's network: another test (or engineer) may hold the port."""
    end = time.monotonic() + seconds
    while not port_free(port):
        if time.monotonic() > end:
            env_error(f"127.0.0.1:{port} is in use by something outside this test "
                      f"(another sandbox running the example?); cannot run it")
        time.sleep(1)


class ForeignListenerWatch:
    """Watches 127.0.0.1:PORT during the run for a listener that is not in this sandbox.

    The sandboxes share the host's network namespace, and other tests use the same example
    ports. A foreign server on the port silently corrupts trials: e.g. a PrivateNetwork=yes
    copy then "passes" because the probe reaches someone else's server. Every listener's
    cgroup must be this sandbox's (sandbox.sh puts each sandbox under harden-bisect-sb-NAME).
    """

    def __init__(self, port):
        self.port, self.seen, self._stop = port, {}, threading.Event()
        self._ours = re.compile(r":/harden-bisect-sb-" + re.escape(os.environ["HB_NAME"]) + r"(/|$)", re.M)
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()

    def _run(self):
        while not self._stop.wait(0.5):
            try:
                out = subprocess.run(["ss", "-Htlnp", f"sport = :{self.port}"], capture_output=True,
                                     text=True, timeout=5).stdout
            except (OSError, subprocess.TimeoutExpired):
                continue
            for pid in set(re.findall(r"pid=(\d+)", out)):
                try:
                    with open(f"/proc/{pid}/cgroup") as f:
                        cg = f.read()
                    with open(f"/proc/{pid}/cmdline", "rb") as f:
                        cmd = f.read().replace(b"\0", b" ").decode(errors="replace").strip()
                except OSError:
                    continue
                if not self._ours.search(cg):
                    cgs = sorted({ln.split(":", 2)[2] for ln in cg.splitlines() if ln.count(":") >= 2})
                    self.seen[pid] = f"pid {pid} ({cmd}) cgroup {' '.join(cgs)}"

    def report(self):
        interference.extend(self.seen.values())
        check(not self.seen, f"nothing outside this sandbox listened on 127.0.0.1:{self.port} "
              f"during the run (else the verdicts are not trustworthy: another test or sandbox on "
              f"this host used the port){fmt(self.seen.values()) if self.seen else ''}")


def install_examples():
    p = run([os.path.join(EXAMPLES, "install.sh"), "--copy", os.environ["HB_ROOT"]])
    reload_manager()
    return p.stdout.split()


def tool_argv(exe, example, unit, work, extra=()):
    probe = os.path.join(EXAMPLES, example, "probe.sh")
    argv = [exe, "--probe", probe,
            "--probe-timeout", os.environ.get("HB_TEST_PROBE_TIMEOUT", "3"),
            "--settle", os.environ.get("HB_TEST_SETTLE", "3"),
            "--check-maximal",
            "--json-file", os.path.join(work, "out.json"),
            "-o", os.path.join(work, "dropin.conf")]
    # The lock and trial journal (if this build has them) go into the work directory, so that
    # concurrent runs on the same host (other sandboxes) cannot collide on /var/lib/harden-bisect.
    helptext = run([exe, "--help"]).stdout
    if "--state-dir" in helptext:
        argv += ["--state-dir", os.path.join(work, "state")]
    argv += list(extra) + shlex.split(os.environ.get("HB_TEST_EXTRA_ARGS", "")) + [unit]
    return argv


def run_tool(argv, work):
    log("running: " + shlex.join(argv))
    start = time.monotonic()
    with open(os.path.join(work, "stderr"), "w") as err:
        p = subprocess.run(argv, stdout=subprocess.PIPE, stderr=err, text=True,
                           timeout=TOOL_TIMEOUT, stdin=subprocess.DEVNULL)
    took = time.monotonic() - start
    with open(os.path.join(work, "stdout"), "w") as out:
        out.write(p.stdout)
    log(f"harden-bisect exited {p.returncode} after {took:.1f} s")
    return p.returncode, took


def load_report(work):
    path = os.path.join(work, "out.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        failures.append(f"no readable JSON report {path}: {e}")
        return None


def fmt(items):
    return "\n      " + "\n      ".join(sorted(map(str, items))) if items else " (none)"


def compare_sets(what, got, want):
    missing, extra = want - got, got - want
    check(not missing and not extra,
          f"{what}: exactly as expected ({len(want)})" if not missing and not extra else
          f"{what} differ from expected.json:\n    expected but not in the report:{fmt(missing)}"
          f"\n    in the report but not expected:{fmt(extra)}")


def check_report(report, expected, rc, work, unit, before_offline):
    """The assertions shared by both modes."""
    check(rc == 0, f"harden-bisect exit status 0 (got {rc})")
    if report is None:
        return
    check(report.get("unit") == unit, f"report unit is {unit} (got {report.get('unit')!r})")
    check(report.get("confirmed") is True, "final set confirmed")
    check(report.get("trial_count") == len(report.get("trials", [])),
          f"trial_count ({report.get('trial_count')}) = len(trials)")

    kept = {(k["id"], k["rung"]) for k in report["kept"]}
    rejected = {(r["id"], r["rung"], r["verdict"]) for r in report["rejected"]}
    skipped = {s["id"] for s in report["skipped"]}
    compare_sets("rejected rungs (id, rung, verdict)", rejected,
                 {(r["id"], r["rung"], r["verdict"]) for r in expected["rejected"]})
    compare_sets("kept rungs (id, rung)", kept, {(k["id"], k["rung"]) for k in expected["kept"]})
    compare_sets("skipped options", skipped, set(expected["skipped"]))

    for r in report["rejected"]:
        ev = r.get("evidence", {})
        code = ev.get("probe_exit_status")
        if r["verdict"] == "hang":  # the probe was killed at --probe-timeout: no exit status
            check(code is None, f"rejected {r['rung']!r} [hang]: probe_exit_status null (got {code!r})")
        elif r["verdict"] == "fail":
            check(isinstance(code, int) and code != 0,
                  f"rejected {r['rung']!r} [fail]: probe_exit_status non-zero (got {code!r})")
        m = r.get("maximality")
        check(isinstance(m, dict) and m.get("verdict") not in (None, "pass"),
              f"rejected {r['rung']!r}: maximality verdict "
              f"{(m or {}).get('verdict')!r} (must be present and not 'pass')")

    exp = report["exposure"]
    b, a = exp["before"]["tenths"], exp["after"]["tenths"]
    check(a < b, f"exposure after < before ({exp['after']['score']} < {exp['before']['score']})")
    check((exp["before"]["score"], b, exp["before"]["level"]) == before_offline,
          f"exposure before {exp['before']} = systemd-analyze --offline {before_offline}")

    # Every kept assignment must be in the drop-in -o printed (same-key lines may be merged, so
    # only the key is checked for list settings; the exposure cross-check covers the values).
    try:
        with open(os.path.join(work, "dropin.conf")) as f:
            dropin = f.read()
    except OSError as e:
        failures.append(f"no drop-in written by -o: {e}")
        return
    lines = [ln.strip() for ln in dropin.splitlines()]
    check("[Service]" in lines, "drop-in has a [Service] section")
    keys = {ln.split("=", 1)[0] for ln in lines if "=" in ln and not ln.startswith("#")}
    # A kept setting that changes nothing on top of the others (implied by DynamicUser=yes, a
    # syscall group @system-service already leaves out) is named in a "Not written" comment.
    unwritten = " ".join(ln for ln in lines if ln.startswith("# "))
    unwritten = unwritten[unwritten.find("Not written"):] if "Not written" in unwritten else ""
    missing = sorted(s for s in {s.split("=", 1)[0] for k in report["kept"] for s in k["settings"]}
                     if s not in keys and f" {s}=" not in unwritten)
    check(not missing, f"every kept setting is in the drop-in, as a line or named as not needed "
          f"(missing: {missing})")
    for word in ("rung", "accepted so far", "candidates"):
        check(word not in dropin, f"the drop-in shows no search internals ({word!r})")
    leftovers = leftover_copies()
    check(not leftovers, f"no harden-bisect-* units left in the manager (found: {leftovers})")


def summarize(report, took):
    if report is None:
        return
    rej = ", ".join(f"{r['rung']} [{r['verdict']}]" for r in report["rejected"])
    log(f"SUMMARY {report['unit']}: kept {len(report['kept'])}, rejected {len(report['rejected'])} "
        f"({rej}), trials {report['trial_count']}, run {took:.1f} s (report {report['duration_ms']} "
        f"ms), exposure {report['exposure']['before']['score']} -> "
        f"{report['exposure']['after']['score']}")


def load_expected(example):
    path = os.path.join(EXAMPLES, example, "expected.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        env_error(f"cannot read {path}: {e}")


def bisect_mode(exe, example, work):
    expected = load_expected(example)
    unit = expected["unit"]
    units = install_examples()
    if unit not in units:
        env_error(f"install.sh did not install {unit} (got {units})")
    wait_port_free(expected["port"])
    before_offline = offline_exposure(unit)
    log(f"systemd-analyze --offline before: {before_offline}")
    # With repairs expected, a --no-repairs run first (repairs may hand a directory to a dynamic
    # user, which would change what the plain run sees).
    without = run_without_repairs(exe, example, unit, work) if "repairs" in expected else None

    with ForeignListenerWatch(expected["port"]) as watch:
        rc, took = run_tool(tool_argv(exe, example, unit, work), work)
    watch.report()
    report = load_report(work)
    check_report(report, expected, rc, work, unit, before_offline)

    if report is not None and os.path.exists(os.path.join(work, "dropin.conf")):
        # Install the printed drop-in (no reload needed: --offline reads the files) and compare.
        d = os.path.join(os.environ["HB_ROOT"], "etc/systemd/system", unit + ".d")
        os.makedirs(d, exist_ok=True)
        shutil.copyfile(os.path.join(work, "dropin.conf"), os.path.join(d, DROPIN_NAME))
        after_offline = offline_exposure(unit)
        e = report["exposure"]["after"]
        check((e["score"], e["tenths"], e["level"]) == after_offline,
              f"exposure after {e} = systemd-analyze --offline with the drop-in {after_offline}")
        verify_dropin(unit)
    summarize(report, took)
    if report is not None and "repairs" in expected:
        check_repairs(work, report, without, expected)


def run_without_repairs(exe, example, unit, work):
    """The report of a --no-repairs run (without --check-maximal), or None."""
    plain = os.path.join(work, "no-repairs")
    os.makedirs(plain)
    argv = [a for a in tool_argv(exe, example, unit, plain, ["--no-repairs"])
            if a != "--check-maximal"]
    rc, took = run_tool(argv, plain)
    check(rc == 0, f"--no-repairs run exits 0 (got {rc})")
    wait_port_free(json.load(open(os.path.join(EXAMPLES, example, "expected.json")))["port"])
    without = load_report(plain)
    if without is not None:
        log(f"--no-repairs: exposure after {without['exposure']['after']['score']}, "
            f"{without['trial_count']} trials, {took:.1f} s")
    return without


def check_repairs(work, report, without, expected):
    """The repairs of expected.json ({id: [settings it added back]}) exactly, marked in the
    drop-in, and a strictly lower exposure than the --no-repairs run's."""
    got = {k["id"]: k["repairs"] for k in report["kept"] if k.get("repairs")}
    check(got == expected["repairs"], f"repairs kept: {got} (expected {expected['repairs']})")
    with open(os.path.join(work, "dropin.conf")) as f:
        dropin = f.read()
    check("# Repairs: " in dropin and "# REPAIR for " in dropin,
          "the drop-in's header names the repairs and marks each repair line")
    if without is None:
        return
    check(not any(k.get("repairs") for k in without["kept"]), "--no-repairs keeps no repair")
    a, b = report["exposure"]["after"], without["exposure"]["after"]
    log(f"exposure after: {a['score']} with repairs ({report['trial_count']} trials), "
        f"{b['score']} with --no-repairs ({without['trial_count']} trials)")
    check(a["tenths"] < b["tenths"],
          f"exposure with repairs {a['score']} < with --no-repairs {b['score']}")


def show(unit, *props):
    p = ctl("systemctl", "show", unit, *[f"-p{x}" for x in props])
    return dict(line.split("=", 1) for line in p.stdout.splitlines() if "=" in line)


def run_probe(example):
    p = run([os.path.join(EXAMPLES, example, "probe.sh")], check_rc=False, timeout=30)
    return p.returncode, (p.stdout + p.stderr).strip()


def apply_mode(exe, example, work):
    expected = load_expected(example)
    unit = expected["unit"]
    install_examples()
    wait_port_free(expected["port"])
    path = os.path.join(os.environ["HB_ROOT"], "etc/systemd/system", unit + ".d", DROPIN_NAME)
    if os.path.exists(path):
        env_error(f"{path} exists before the run")
    before_offline = offline_exposure(unit)
    log(f"systemd-analyze --offline before: {before_offline}")

    ctl("systemctl", "start", unit)
    rc, out = run_probe(example)
    if rc != 0:
        env_error(f"the original {unit} fails its probe before the run: {out}")
    pid_before = show(unit, "MainPID")["MainPID"]
    log(f"original {unit} active, MainPID {pid_before}, probe: {out}")

    argv = tool_argv(exe, example, unit, work,
                     ["--stop-original", "--apply", "--root", os.environ["HB_ROOT"]])
    with ForeignListenerWatch(expected["port"]) as watch:
        rc, took = run_tool(argv, work)
    watch.report()
    report = load_report(work)
    check_report(report, expected, rc, work, unit, before_offline)

    # The installed drop-in.
    try:
        st = os.lstat(path)
        check(stat.S_ISREG(st.st_mode), f"{path} is a regular file")
        check(stat.S_IMODE(st.st_mode) == 0o644,
              f"{path} has mode 0644 (got {stat.S_IMODE(st.st_mode):04o})")
        with open(path) as f, open(os.path.join(work, "dropin.conf")) as g:
            check(f.read() == g.read(), "installed drop-in = the one -o printed")
    except OSError as e:
        failures.append(f"drop-in not installed at {path}: {e}")

    # The unit: active, restarted with the drop-in, healthy, hardened.
    st = show(unit, "ActiveState", "SubState", "MainPID", "DropInPaths", "NeedDaemonReload",
              *expected["apply_show"].keys())
    check(st.get("ActiveState") == "active", f"{unit} is active after the run "
          f"({st.get('ActiveState')}/{st.get('SubState')})")
    check(st.get("MainPID") not in ("0", pid_before),
          f"{unit} was restarted (MainPID {pid_before} -> {st.get('MainPID')})")
    inside = "/etc/systemd/system/" + unit + ".d/" + DROPIN_NAME
    check(inside in st.get("DropInPaths", "").split(),
          f"{unit} loads {inside} (DropInPaths={st.get('DropInPaths')!r})")
    check(st.get("NeedDaemonReload") == "no", f"{unit} NeedDaemonReload=no")
    for prop, want in expected["apply_show"].items():
        check(st.get(prop) == want, f"systemctl show {unit}: {prop}={want!r} (got {st.get(prop)!r})")
    # The running process itself is confined (not just the unit's configuration): read its
    # /proc status inside the container.
    pid = st.get("MainPID", "0")
    if pid != "0":
        p = run([os.environ["HB_SANDBOX"], "exec", "cat", f"/proc/{pid}/status"], check_rc=False)
        status = dict(re.findall(r"^(\w+):\s*(.*)$", p.stdout, re.M))
        for field, want in expected.get("apply_proc_status", {}).items():
            check(status.get(field) == want,
                  f"/proc/{pid}/status of the running unit: {field}={want!r} "
                  f"(got {status.get(field)!r})")
    rc, out = run_probe(example)
    check(rc == 0, f"probe passes against the hardened {unit}: {out}")
    check(not leftover_copies(), "no harden-bisect-* units left (after the checks)")

    if report is not None:
        after_offline = offline_exposure(unit)
        e = report["exposure"]["after"]
        check((e["score"], e["tenths"], e["level"]) == after_offline,
              f"exposure after {e} = systemd-analyze --offline with the installed drop-in "
              f"{after_offline}")
    summarize(report, took)


def main():
    args = sys.argv[1:]
    apply = bool(args) and args[0] == "--apply"
    if apply:
        args = args[1:]
    if len(args) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    exe, example = os.path.realpath(args[0]), args[1]
    if not all(os.environ.get(v) for v in ("HB_ROOT", "HB_SANDBOX", "DBUS_SYSTEM_BUS_ADDRESS")):
        os.execv(WITH_SANDBOX, [WITH_SANDBOX, os.path.realpath(__file__), *sys.argv[1:]])
    for _ in range(30):  # tolerate a concurrent relink of the build dir
        if os.access(exe, os.X_OK):
            break
        time.sleep(1)
    else:
        env_error(f"{exe} is not executable")
    if not os.path.isdir(os.path.join(EXAMPLES, example)):
        env_error(f"no example {example!r} in {EXAMPLES}")

    work = tempfile.mkdtemp(prefix=f"hb-examples-{example}-")
    log(f"{'apply' if apply else 'bisect'} test of example {example}, sandbox "
        f"{os.environ.get('HB_NAME')}, work dir {work}")
    try:
        (apply_mode if apply else bisect_mode)(exe, example, work)
    except (RuntimeError, subprocess.TimeoutExpired) as e:
        failures.append(f"error: {e}")
    for name in ("stderr",):
        p = os.path.join(work, name)
        if failures and os.path.exists(p):
            with open(p) as f:
                tail = f.read()[-6000:]
            print(f"--- harden-bisect {name} (tail) ---\n{tail}--- end ---", flush=True)
    log(f"total {time.monotonic() - T0:.1f} s")
    if failures:
        print(f"\n{len(failures)} assertion(s) failed (work dir kept: {work}):", flush=True)
        for f in failures:
            print("  - " + f, flush=True)
        if interference:
            print("\nA process outside this sandbox used the example's port during the run, so "
                  "the failures above may be caused by it, not by harden-bisect: exit 99 "
                  "(environment). Run the integration tests one at a time on this host.", flush=True)
            return 99
        return 1
    if os.environ.get("HB_TEST_KEEP") != "1":
        shutil.rmtree(work, ignore_errors=True)
    print("PASS", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
