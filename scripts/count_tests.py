"""Prints the closing 'N passed, N failed' line from the GoogleTest XML reports of one meson run.

A test binary that crashed before writing its report counts as one failure, so a crash is never
hidden. Exits 1 when anything failed.
"""
import json
import os
import sys
import xml.etree.ElementTree as ET

build_dir, results_dir = sys.argv[1], sys.argv[2]
passed = failed = 0
log = os.path.join(build_dir, "meson-logs", "testlog.json")
with open(log) as f:
    runs = [json.loads(line) for line in f if line.strip()]
for run in runs:
    name = run["name"]
    report = os.path.join(results_dir, name + ".xml")
    ok = run["result"] in ("OK", "EXPECTEDFAIL", "SKIP")
    if os.path.exists(report):
        cases = ET.parse(report).getroot().iter("testcase")
        for case in cases:
            if case.get("result") == "skipped" or case.find("skipped") is not None:
                continue
            if case.find("failure") is not None:
                failed += 1
            else:
                passed += 1
        if not ok and run["result"] != "FAIL":
            failed += 1  # crashed or timed out after writing part of its report
    elif ok:
        passed += 1
    else:
        failed += 1
        print(f"{name}: {run['result']} with no report", file=sys.stderr)
print(f"{passed} passed, {failed} failed")
sys.exit(1 if failed else 0)
