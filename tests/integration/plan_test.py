#!/usr/bin/env python3
"""plan_test.py HB_EXE - `harden-bisect plan` against the examples and a real systemd 252.

Runs inside tests/sandbox/with-sandbox.sh (meson does that). python3 + python3-jsonschema.
Exit 0 = every assertion held, 1 = an assertion failed (all listed), 99 = unusable environment.

1. A plan of four entries: http-plain (ceiling 1.0, below what its few candidates can reach),
   privileged-port (no ceiling), a unit that does not exist, a `user: true` unit. Candidates are
   limited with `only:` so the whole test stays under ~4 minutes.
   Asserts: exit 11; JUnit counts add up (4 tests, 1 failure, 1 error, 1 skipped); exactly
   http-plain's testcase has a <failure>, of type above-ceiling; rejected options are in
   system-out and never failures; summary.json and every report.json validate against the
   schemas in docs/; SARIF has one rule per systemd-analyze row and results only for exposed
   rows (against the real SARIF 2.1.0 schema when HB_SARIF_SCHEMA names a copy); drop-ins exist.
2. The same plan as --shard 1/2 and 2/2, merged with `plan merge`: the merged summary, JUnit
   and SARIF equal the unsharded ones (timings aside).
3. A forced regression: http-plain's "new version" (a drop-in ExecStartPre= binding port 881)
   needs CAP_NET_BIND_SERVICE, which the first run dropped; `plan run --baseline` of the first
   output reports a regression for it with the evidence, exit 11.
"""
import json
import os
import re
import shlex
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.realpath(__file__))
REPO = os.path.realpath(os.path.join(HERE, "..", ".."))
EXAMPLES = os.path.join(REPO, "examples")
DOCS = os.path.join(REPO, "docs")
T0 = time.monotonic()
failures = []

try:
    import jsonschema
except ImportError:
    print("plan_test: python3-jsonschema is missing (scripts/setup.sh installs it)", file=sys.stderr)
    sys.exit(99)


def log(msg):
    print(f"[{time.monotonic() - T0:7.1f}s] {msg}", flush=True)


def check(cond, msg):
    if cond:
        log(f"ok: {msg}")
    else:
        failures.append(msg)
        log(f"FAIL: {msg}")
    return cond


def run(argv, timeout=120, check_rc=True):
    p = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                       stdin=subprocess.DEVNULL)
    if check_rc and p.returncode != 0:
        raise RuntimeError(f"{shlex.join(argv)} exited {p.returncode}: {p.stderr.strip()[-2000:]}")
    return p


def reload_manager():
    run(["busctl", "--timeout=60", "call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1",
         "org.freedesktop.systemd1.Manager", "Reload"], timeout=90)


def hb(exe, *args):
    argv = [exe, *args]
    log("running: " + shlex.join(argv))
    p = subprocess.run(argv, capture_output=True, text=True, timeout=600, stdin=subprocess.DEVNULL)
    log(f"exit {p.returncode}")
    sys.stdout.write(p.stderr[-6000:])
    return p


def load(path):
    with open(path) as f:
        return json.load(f)


def validate(instance, schema_name, what):
    schema = load(os.path.join(DOCS, schema_name))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(instance),
                    key=lambda e: list(e.path))
    check(not errors, f"{what} validates against docs/{schema_name}" +
          (f": {errors[0].message} at {list(errors[0].path)}" if errors else ""))


def plan_text(http_extra=""):
    probe = lambda ex: os.path.join(EXAMPLES, ex, "probe.sh")
    return f"""version: 1
defaults:
  probe-timeout: 3
  settle: 3
  confirm: 1
units:
  - unit: hb-example-http-plain.service
    probe: [{probe("http-plain")}]
    ceiling: 1.0
    only: [CapabilityBoundingSet=~CAP_NET_BIND_SERVICE, PrivateNetwork, PrivateTmp]
{http_extra}  - unit: hb-example-privileged-port.service
    probe: {probe("privileged-port")}
    only: [CapabilityBoundingSet=~CAP_NET_BIND_SERVICE, ProtectHome]
  - unit: hb-example-does-not-exist.service
    probe: /bin/true
  - unit: hb-example-http-plain.service
    user: true
    probe: /bin/true
"""


def testcases(junit_path):
    root = ET.parse(junit_path).getroot()
    return root, {tc.get("name") + ("/user" if tc.get("classname").endswith(".user") else ""): tc
                  for tc in root.iter("testcase")}


def check_junit(path):
    root, cases = testcases(path)
    suite = root.find("testsuite")
    for element in (root, suite):
        counts = {k: int(element.get(k)) for k in ("tests", "failures", "errors", "skipped")}
        check(counts == {"tests": 4, "failures": 1, "errors": 1, "skipped": 1},
              f"JUnit <{element.tag}> counts add up: {counts}")
    check(len(cases) == 4, "one testcase per plan entry")
    red = [name for name, tc in cases.items() if tc.find("failure") is not None]
    check(red == ["hb-example-http-plain.service"], f"exactly http-plain's testcase fails: {red}")
    http = cases.get("hb-example-http-plain.service")
    if http is not None and http.find("failure") is not None:
        check(http.find("failure").get("type") == "above-ceiling", "its failure is above-ceiling")
        out = http.find("system-out").text or ""
        check("PrivateNetwork=yes" in out.split("rejected")[1],
              "the rejected PrivateNetwork is listed in system-out")
    missing = cases.get("hb-example-does-not-exist.service")
    check(missing is not None and missing.find("error") is not None, "missing unit is an <error>")
    user = cases.get("hb-example-http-plain.service/user")
    check(user is not None and "not supported" in user.find("skipped").get("message", ""),
          "the user unit is <skipped> as unsupported")
    port = cases.get("hb-example-privileged-port.service")
    check(port is not None and len(list(port)) == 1 and port.find("system-out") is not None,
          "privileged-port passes although it rejects CAP_NET_BIND_SERVICE")


def check_sarif(path, summary):
    doc = load(path)
    schema_path = os.environ.get("HB_SARIF_SCHEMA")
    if schema_path:
        schema = load(schema_path)
        errors = list(jsonschema.Draft4Validator(schema).iter_errors(doc))
        check(not errors, "SARIF validates against the SARIF 2.1.0 schema" +
              (f": {errors[0].message}" if errors else ""))
    else:
        log("HB_SARIF_SCHEMA not set: SARIF checked structurally only")
    run_ = doc["runs"][0]
    rules = run_["tool"]["driver"]["rules"]
    check(doc["version"] == "2.1.0" and len(rules) > 50, f"SARIF 2.1.0 with {len(rules)} rules")
    exposed = {(u["unit"], r["id"]) for u in summary["units"] for r in u["exposed"]}
    got = {(r["locations"][0]["logicalLocations"][0]["name"], r["ruleId"]) for r in run_["results"]}
    check(got == exposed and exposed, f"one SARIF result per exposed row ({len(got)})")
    check(all(rules[r["ruleIndex"]]["id"] == r["ruleId"] for r in run_["results"]),
          "every ruleIndex points at its rule")


def comparable(summary):
    """The parts of a summary that do not depend on timing or sharding."""
    units = []
    for u in summary["units"]:
        units.append({k: v for k, v in u.items() if k not in ("duration_ms", "trial_count")}
                     | {"rejected": [(r["id"], r["rung"]) for r in u["rejected"]]})
    return units


def junit_shape(path):
    root, cases = testcases(path)
    return ({k: root.get(k) for k in ("tests", "failures", "errors", "skipped")},
            [(n, [c.tag for c in tc if c.tag != "system-out"]) for n, tc in cases.items()])


def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 2
    exe = os.path.realpath(sys.argv[1])
    if "HB_ROOT" not in os.environ:
        print("plan_test: run me under tests/sandbox/with-sandbox.sh", file=sys.stderr)
        return 99
    root = os.environ["HB_ROOT"]
    run([os.path.join(EXAMPLES, "install.sh"), "--copy", root])
    reload_manager()
    work = tempfile.mkdtemp(prefix="hb-plan-test-")
    state = os.path.join(work, "state")
    plan = os.path.join(work, "plan.yaml")
    with open(plan, "w") as f:
        f.write(plan_text())

    # 1. The whole plan.
    full = os.path.join(work, "full")
    p = hb(exe, "plan", "run", plan, "--out", full, "--state-dir", state,
           "--sarif", os.path.join(work, "extra.sarif"))
    check(p.returncode == 11, f"plan run exits 11 when a unit fails (got {p.returncode})")
    check(re.search(r"^UNIT +BEFORE +AFTER", p.stderr, re.M) is not None, "terminal table printed")
    summary = load(os.path.join(full, "summary.json"))
    validate(summary, "plan-summary.schema.json", "summary.json")
    statuses = [u["status"] for u in summary["units"]]
    check(statuses == ["failed", "passed", "error", "unsupported"], f"statuses {statuses}")
    for u in summary["units"]:
        if not u["report_file"]:
            continue
        report = load(os.path.join(full, u["report_file"]))
        validate(report, "plan-report.schema.json", u["report_file"])
        check(report["systemd_version"] and report["probes"] == u["probes"],
              f"{u['unit']} report names systemd {report['systemd_version']} and its probes")
        with open(os.path.join(full, u["dropin_file"])) as f:
            check(f.read() == report["dropin"], f"{u['dropin_file']} is the report's drop-in")
    http = summary["units"][0]
    check([r["id"] for r in http["rejected"]] == ["PrivateNetwork"],
          f"http-plain rejects only PrivateNetwork: {http['rejected']}")
    check(("CapabilityBoundingSet=~CAP_NET_BIND_SERVICE", "CapabilityBoundingSet=~CAP_NET_BIND_SERVICE")
          in [(k["id"], k["rung"]) for k in http["kept"]], "http-plain keeps CAP_NET_BIND_SERVICE dropped")
    check_junit(os.path.join(full, "junit.xml"))
    check_sarif(os.path.join(full, "results.sarif"), summary)
    with open(os.path.join(work, "extra.sarif")) as a, open(os.path.join(full, "results.sarif")) as b:
        check(a.read() == b.read(), "--sarif FILE holds the same SARIF")
    with open(os.path.join(full, "summary.md")) as f:
        md = f.read()
    check("| `hb-example-http-plain.service` |" in md and "above the ceiling" in md,
          "summary.md has the table and the failure")

    # 2. Two shards, merged.
    shards = []
    for i in (1, 2):
        out = os.path.join(work, f"shard{i}")
        p = hb(exe, "plan", "run", plan, "--out", out, "--state-dir", state, "--shard", f"{i}/2")
        shards.append(out)
        # Shard 1/2 = entries 0, 2 (above ceiling, missing unit); 2/2 = entries 1, 3 (passes,
        # unsupported user unit): only the first is red.
        want = 11 if i == 1 else 0
        check(p.returncode == want, f"shard {i}/2 exits {want}: {p.returncode}")
    merged = os.path.join(work, "merged")
    p = hb(exe, "plan", "merge", *shards, "--out", merged)
    check(p.returncode == 11, f"plan merge exits 11: {p.returncode}")
    msummary = load(os.path.join(merged, "summary.json"))
    validate(msummary, "plan-summary.schema.json", "merged summary.json")
    check(msummary["shards"] == ["1/2", "2/2"], f"merged shards {msummary['shards']}")
    check(comparable(msummary) == comparable(summary), "merged summary == unsharded summary")
    check(junit_shape(os.path.join(merged, "junit.xml")) == junit_shape(os.path.join(full, "junit.xml")),
          "merged JUnit == unsharded JUnit")
    sarif_full = load(os.path.join(full, "results.sarif"))["runs"][0]["results"]
    sarif_merged = load(os.path.join(merged, "results.sarif"))["runs"][0]["results"]
    check(sarif_merged == sarif_full, "merged SARIF results == unsharded")
    for u in msummary["units"]:
        if u["report_file"]:
            check(os.path.exists(os.path.join(merged, u["report_file"])), f"merged has {u['report_file']}")

    # 3. A forced regression: the new version binds port 881 before starting.
    dropin_dir = os.path.join(root, "etc/systemd/system/hb-example-http-plain.service.d")
    os.makedirs(dropin_dir, exist_ok=True)
    with open(os.path.join(dropin_dir, "10-new-version.conf"), "w") as f:
        f.write("[Service]\nExecStartPre=/usr/bin/python3 -c \"import socket; "
                "socket.socket().bind(('127.0.0.1', 881))\"\n")
    reload_manager()
    plan2 = os.path.join(work, "plan2.yaml")
    with open(plan2, "w") as f:
        f.write(plan_text().split("  - unit: hb-example-privileged-port.service")[0]
                .replace("    ceiling: 1.0\n", ""))
    again = os.path.join(work, "again")
    p = hb(exe, "plan", "run", plan2, "--out", again, "--state-dir", state, "--baseline", full)
    check(p.returncode == 11, f"a regression exits 11 (got {p.returncode})")
    s2 = load(os.path.join(again, "summary.json"))
    validate(s2, "plan-summary.schema.json", "regression summary.json")
    kinds = [f["kind"] for f in s2["units"][0]["failures"]]
    check(kinds == ["regression"], f"exactly one failure, a regression: {kinds}")
    if kinds:
        f0 = s2["units"][0]["failures"][0]
        check("CAP_NET_BIND_SERVICE" in f0["message"], f"it names the option: {f0['message']}")
        log("regression evidence: " + f0["detail"][:400].replace("\n", " | "))
    root_, cases = testcases(os.path.join(again, "junit.xml"))
    tc = cases.get("hb-example-http-plain.service")
    check(tc is not None and tc.find("failure") is not None
          and tc.find("failure").get("type") == "regression", "JUnit failure of type regression")

    if failures:
        print(f"\nplan_test: {len(failures)} assertion(s) failed (work dir {work}):", flush=True)
        for f in failures:
            print(f"  - {f}")
        return 1
    log("all assertions held")
    return 0


if __name__ == "__main__":
    sys.exit(main())
