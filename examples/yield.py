#!/usr/bin/env python3
"""Corrected-photo yield of a folder of portraits: how many get a corrected photo, and why the
others are refused.

    idphoto check PHOTOS -c dongguan [--doc DOC] --out-dir OUT --force --format jsonl \
        | python3 examples/yield.py

Reads the JSON Lines report on standard input and prints the photos with a corrected photo
written, then each refusal reason (the `correction.problems` ids, or the correction's status
when it names none) with its count and the photos it refused.
"""
import collections
import json
import os
import sys


def main():
    photos, written = 0, 0
    refused = collections.defaultdict(list)
    for line in sys.stdin:
        report = json.loads(line)
        if "file" not in report:  # the closing summary line
            continue
        photos += 1
        name = os.path.basename(report["file"])
        correction = report.get("correction") or {}
        if correction.get("status") == "written":
            written += 1
            continue
        problems = [p["id"] for p in correction.get("problems") or []]
        reason = ",".join(problems) or correction.get("status") or report.get("verdict")
        refused[reason].append(name)
    print(f"{written} of {photos} photos got a corrected photo")
    for reason, names in sorted(refused.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        print(f"{len(names):4}  {reason}: {' '.join(sorted(names))}")


if __name__ == "__main__":
    main()
