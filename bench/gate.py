#!/usr/bin/env python3
"""The performance gate (scripts/bench --gate; docs/benchmarks.md "The CI gate").

Runs every case of libexport_gate under callgrind, counts the instructions of
each case's measured region (Ir), and compares them with the baseline file:
a rise of more than 3% in any case fails (exit 1); a fall of more than 3% is
reported ("update the baseline") but passes. Counts are repeatable to the
instruction for one binary and input, whatever the machine's load.

  gate.py --driver BIN --baseline FILE --out DIR [--update] [--runs N]
          [--cases a,b] [--inject CASE:PERCENT] [--profile]
  gate.py --driver BIN --out DIR --self-test CASE

--update      rewrite FILE with this run's counts (say why in the commit)
--runs N      run each case N times; counts that differ by more than 0.1%
              fail the run (the gate would be noise)
--inject      the self-test's known regression: CASE executes PERCENT% of
              its baseline count more, inside its measured region
--profile     also print the top inclusive functions of each case
              (callgrind_annotate --inclusive=yes)
--self-test   proves the gate on CASE against a baseline written by this very
              binary: no change passes, +5% fails, +2% passes, and -5%
              (baseline taken with +5%) passes with "update the baseline"
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

RISE_FAILS = 3.0  # percent
FALL_REPORTED = 3.0  # percent
REPEAT_TOLERANCE = 0.1  # percent between runs of one case
# Cost rules between cases of one run: CASE may cost at most LIMIT times the
# sum of PARTS. A repeated filter with two values walks the union of their
# index lists; it must cost at most the two single-value exports plus 20%.
RATIOS = [("export_brand_or_favorites", ("export_brand", "export_favorites"),
           1.2)]


def list_cases(driver):
    out = subprocess.run([driver, "--list"], check=True, capture_output=True,
                         text=True).stdout
    cases = []
    for line in out.splitlines():
        name, toggle, what = line.split("\t")
        cases.append({"name": name, "toggle": toggle, "what": what})
    return cases


def build_info(driver):
    """Compiler and build type of the driver's build (its CMakeCache.txt)."""
    cache = os.path.join(os.path.dirname(os.path.abspath(driver)), "..",
                         "CMakeCache.txt")
    values = {}
    try:
        with open(cache) as f:
            for line in f:
                m = re.match(r"(CMAKE_CXX_COMPILER|CMAKE_BUILD_TYPE):\w+=(.*)", line)
                if m:
                    values[m.group(1)] = m.group(2).strip()
    except FileNotFoundError:
        return "unknown build"
    compiler = values.get("CMAKE_CXX_COMPILER", "c++")
    version = subprocess.run([compiler, "--version"], capture_output=True,
                             text=True).stdout.splitlines()
    return "%s, %s" % (version[0] if version else compiler,
                       values.get("CMAKE_BUILD_TYPE", "?"))


def library_versions(driver):
    """The Debian package and version of each shared library the driver
    loads: their code runs inside the measured regions (memcpy, OpenSSL,
    httplib, LMDB), so a point release of one moves the counts."""
    try:
        ldd = subprocess.run(["ldd", driver], capture_output=True,
                             text=True).stdout
        paths = re.findall(r"=> (/\S+)", ldd)
        # Debian 12 merged /lib into /usr/lib; dpkg knows a library by
        # either path, whichever its package ships.
        paths += ["/usr" + p for p in paths if not p.startswith("/usr/")]
        owners = subprocess.run(["dpkg-query", "-S"] + paths,
                                capture_output=True, text=True).stdout
        packages = sorted({line.split(":")[0] for line in owners.splitlines()
                           if ":" in line})
        if not packages:
            return {}
        listed = subprocess.run(
            ["dpkg-query", "-W", "-f=${Package} ${Version}\n"] + packages,
            capture_output=True, text=True).stdout
    except OSError:  # no ldd or dpkg: not a Debian machine
        return {}
    return dict(line.split(" ", 1) for line in listed.splitlines()
                if " " in line)


def valgrind_version():
    return subprocess.run(["valgrind", "--version"], capture_output=True,
                          text=True).stdout.strip()


def run_case(driver, case, out_file, inject):
    """Runs one case under callgrind; returns its instruction count."""
    # The program is started as ./NAME from its directory with a fixed, small
    # environment: argv and the environment sit on the stack, and where the
    # stack starts moves a few instructions of alignment-dependent code
    # (memcpy), so the checkout path would show in the counts.
    cmd = ["valgrind", "--tool=callgrind", "--instr-atstart=no",
           "--collect-atstart=no"]
    cmd += ["--toggle-collect=" + t for t in case["toggle"].split(";")]
    cmd += ["--callgrind-out-file=" + os.path.abspath(out_file),
            "./" + os.path.basename(driver), "--case=" + case["name"]]
    if inject:
        cmd.append("--inject-instructions=%d" % inject)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LC_ALL": "C"}
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env,
                          cwd=os.path.dirname(os.path.abspath(driver)))
    if proc.returncode != 0:
        sys.stderr.write(proc.stderr)
        raise SystemExit("gate: case %s failed (exit %d): %s" %
                         (case["name"], proc.returncode, " ".join(cmd)))
    with open(out_file) as f:
        for line in f:
            m = re.match(r"totals: (\d+)", line)
            if m:
                return int(m.group(1)), proc.stdout.strip()
    raise SystemExit("gate: no totals in " + out_file)


def short_name(function):
    """callgrind_annotate's "file:function [object]" made readable."""
    m = re.match(r"(?:.*?:)??(\S.*?) \[(.*)\]$", function)
    name, obj = (m.group(1), os.path.basename(m.group(2))) if m else (function, "")
    name = re.sub(r"^(\?\?\?|[\w./+-]+\.(S|c|cc|cpp|h|hpp)):", "", name)
    for long, short in ((r"std::basic_string_view<char, std::char_traits<char> >",
                         "std::string_view"),
                        (r"std::__cxx11::basic_string<char, std::char_traits<char>, "
                         r"std::allocator<char> >", "std::string")):
        name = name.replace(long, short)
    # Parameter lists dropped: "f(...)::{lambda()#1}::operator()" stays
    # readable.
    name = name.replace("(anonymous namespace)", "{anon}")
    out, depth = "", 0
    for c in name:
        if c == "(":
            depth += 1
            if depth == 1:
                out += "("
        elif c == ")":
            depth -= 1
            if depth == 0:
                out += ")"
        elif depth == 0:
            out += c
    name = out.replace("{anon}", "(anonymous namespace)")
    return "%s (%s)" % (name, obj) if obj else name


def top_functions(out_file, toggle, n=5):
    """The top `n` inclusive functions of the measured region: the toggled
    function and what it calls, without its callers (which are at 100% only
    because collection is on inside it) and the gate's own wrappers."""
    text = subprocess.run(["callgrind_annotate", "--inclusive=yes", out_file],
                          check=True, capture_output=True, text=True).stdout
    toggle_re = "|".join(re.escape(t.rstrip("*")) for t in toggle.split(";"))
    rows = []
    for line in text.splitlines():
        m = re.match(r"\s*([\d,]+) \(\s*([\d.]+)%\)\s+(\S.*)", line)
        if not m or "PROGRAM TOTALS" in line:
            continue
        percent, function = float(m.group(2)), m.group(3)
        if re.match(r"(LibexportGateMeasured|std::function|std::_Function_handler|"
                    r"libexport::bench::\(anonymous namespace\)::"
                    r"(Run|Measure|InjectedWork)|"
                    r"libexport::app::(ConnectionPool::Work|"
                    r"HardenedServer::process_and_close_socket))",
                    short_name(function)):
            continue  # the gate's own wrappers, the server's connection loop
        if (percent >= 99.995 and not re.search(toggle_re, function)
                and "libexport::" not in function):
            continue  # a caller of the measured region
        rows.append("%6.2f%%  %s" % (percent, short_name(function)))
        if len(rows) == n:
            break
    return rows


def compare(baseline, counts, update=False):
    """Report lines and whether the gate passes."""
    lines = ["| case | instructions | baseline | change | verdict |",
             "|---|---|---|---|---|"]
    ok = True
    for name, count in counts.items():
        base = baseline.get(name)
        if base is None:
            ok = update
            lines.append("| %s | %d | - | - | %s |" % (
                name, count, "new" if update else
                "FAIL: no baseline (scripts/bench --gate --update)"))
            continue
        change = 100.0 * (count - base) / base
        if change > RISE_FAILS:
            ok = False
            verdict = "FAIL: more than %g%% more instructions" % RISE_FAILS
        elif change < -FALL_REPORTED:
            verdict = "faster: update the baseline"
        else:
            verdict = "ok"
        lines.append("| %s | %d | %d | %+.3f%% | %s |" %
                     (name, count, base, change, verdict))
    for name in baseline:
        if name not in counts:
            lines.append("| %s | - | %d | - | not run |" % (name, baseline[name]))
    return lines, ok


def ratio_checks(counts):
    """Report lines of the RATIOS rules whose cases ran, and whether all hold."""
    lines, ok = [], True
    for name, parts, limit in RATIOS:
        if name not in counts or any(p not in counts for p in parts):
            continue
        ratio = counts[name] / sum(counts[p] for p in parts)
        good = ratio <= limit
        ok = ok and good
        lines.append("%s / (%s) = %.3f (at most %.2f): %s" % (
            name, " + ".join(parts), ratio, limit, "ok" if good else "FAIL"))
    return lines, ok


def read_baseline(path):
    try:
        with open(path) as f:
            return json.load(f)
    except FileNotFoundError:
        return {"cases": {}}


def gate(args):
    cases = list_cases(args.driver)
    if args.cases:
        wanted = args.cases.split(",")
        unknown = set(wanted) - {c["name"] for c in cases}
        if unknown:
            raise SystemExit("gate: unknown case(s) %s" % ", ".join(sorted(unknown)))
        cases = [c for c in cases if c["name"] in wanted]
    base_doc = read_baseline(args.baseline)
    baseline = base_doc.get("cases", {})
    inject_case, inject = None, 0
    if args.inject:
        inject_case, percent = args.inject.split(":")
        if inject_case not in baseline:
            raise SystemExit("gate: --inject needs a baseline for " + inject_case)
        inject = int(baseline[inject_case] * float(percent) / 100)
    os.makedirs(args.out, exist_ok=True)
    counts, ok = {}, True
    start = time.monotonic()
    for case in cases:
        extra = inject if case["name"] == inject_case else 0
        runs = []
        for r in range(args.runs):
            out_file = os.path.join(args.out, "%s.%d.callgrind" % (case["name"], r))
            count, summary = run_case(args.driver, case, out_file, extra)
            runs.append(count)
        spread = 100.0 * (max(runs) - min(runs)) / min(runs)
        note = ""
        if extra:
            note = " (+%d injected instructions)" % extra
        print("%-14s %s%s: %s [%s]" % (case["name"], " ".join(map(str, runs)),
                                       note, case["what"], summary))
        if spread > REPEAT_TOLERANCE:
            ok = False
            print("  FAIL: runs differ by %.3f%%: the case is not repeatable" % spread)
        counts[case["name"]] = runs[0]
        if args.profile:
            for row in top_functions(out_file, case["toggle"]):
                print("    " + row)
    build = build_info(args.driver)
    print("%d case(s), %d run(s) each, %.0f s; %s; %s" %
          (len(cases), args.runs, time.monotonic() - start, valgrind_version(),
           build))
    if not args.update and base_doc.get("build", build) != build:
        print("note: the baseline is from another build (%s): counts are only "
              "comparable for one compiler, flags and valgrind" % base_doc["build"])
    libraries = library_versions(args.driver)
    moved = ["%s %s -> %s" % (name, version, libraries.get(name, "absent"))
             for name, version in sorted(base_doc.get("libraries", {}).items())
             if libraries.get(name) != version]
    if not args.update and moved:
        print("note: the baseline ran other library versions (%s): the counts "
              "of code in them may move" % ", ".join(moved))
    if args.update:
        cases = dict(counts)  # a run of some cases keeps the others' counts
        for name, count in baseline.items():
            cases.setdefault(name, count)
        doc = {
            "what": "callgrind instructions (Ir) of each case's measured "
                    "region; written by scripts/bench --gate --update",
            "valgrind": valgrind_version(),
            "build": build,
            "libraries": libraries,
            "cases": cases,
        }
        with open(args.baseline, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
        lines, _ = compare(baseline, counts, update=True)
        ratio_lines, ratios_hold = ratio_checks(counts)
        ok = ok and ratios_hold
        print("\n".join(lines + ratio_lines))
        print("baseline written: " + args.baseline)
        return 0 if ok else 1
    lines, passed = compare(baseline, counts)
    ratio_lines, ratios_hold = ratio_checks(counts)
    print("\n".join(lines + ratio_lines))
    ok = ok and passed and ratios_hold
    print("gate: " + ("PASS" if ok else "FAIL") +
          " (a rise of more than %g%% fails)" % RISE_FAILS)
    return 0 if ok else 1


def self_test(args):
    """Runs this script as the gate runs in CI, with and without a known
    regression, against a baseline that this binary writes first."""
    case = args.self_test
    tmp = tempfile.mkdtemp(prefix="libexport-gate-selftest-")
    baseline = os.path.join(tmp, "baseline.json")

    def gate_run(*extra):
        cmd = [sys.executable, os.path.abspath(__file__), "--driver", args.driver,
               "--baseline", baseline, "--out", tmp, "--cases", case] + list(extra)
        proc = subprocess.run(cmd, capture_output=True, text=True)
        return proc.returncode, proc.stdout + proc.stderr

    def row(output):
        for line in output.splitlines():
            if line.startswith("| %s |" % case):
                return line
        return "(no report row)"

    failures = []

    def expect(what, rc, output, want_rc, want_text):
        good = rc == want_rc and want_text in row(output)
        print("%s %s: exit %d, %s" % ("ok  " if good else "FAIL", what, rc, row(output)))
        if not good:
            failures.append(what)
            sys.stdout.write(output)

    rc, out = gate_run("--update")
    if rc != 0:
        print(out)
        return 1
    rc, out = gate_run()
    expect("no change passes", rc, out, 0, "| ok |")
    rc, out = gate_run("--inject", case + ":5")
    expect("a 5% regression fails", rc, out, 1, "FAIL")
    rc, out = gate_run("--inject", case + ":2")
    expect("a 2% rise passes", rc, out, 0, "| ok |")
    rc, out = gate_run("--update", "--inject", case + ":5")
    rc, out = gate_run()
    expect("a fall of ~5% passes and asks for a new baseline", rc, out, 0,
           "update the baseline")
    print("self-test: " + ("PASS" if not failures else "FAIL"))
    return 0 if not failures else 1


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--driver", required=True)
    p.add_argument("--baseline")
    p.add_argument("--out", required=True)
    p.add_argument("--update", action="store_true")
    p.add_argument("--runs", type=int, default=1)
    p.add_argument("--cases")
    p.add_argument("--inject")
    p.add_argument("--profile", action="store_true")
    p.add_argument("--self-test", metavar="CASE")
    args = p.parse_args()
    if args.self_test:
        return self_test(args)
    if not args.baseline:
        p.error("--baseline is required")
    return gate(args)


if __name__ == "__main__":
    sys.exit(main())
