"""Runs fickling's static safety check over many files in one process.

fickling has no directory mode, and starting one Python per file would time
process start-up rather than scanning, so for folder workloads this calls
fickling's own CLI entry point (`fickling.cli.main`, the code behind
`fickling --check-safety FILE`) once per file inside a single interpreter.
With --api it instead uses fickling's library scanners (`fickling.loader.
scan_zip_archive` for zips, `fickling.loader.scan_file` otherwise), which is
the path fickling's own Hugging Face mode takes and the only one that opens
zip archives. Both are static (symbolic interpretation); neither unpickles.

Usage: python fickling_many.py [--api] PATH...   (directories are walked)
Prints one JSON object: {"files": N, "flagged": [...], "errors": [...], "clean": N}.
Exit status: 1 when any file is flagged, 2 when any failed and none flagged, else 0.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import sys
import tempfile
import zipfile


def iter_files(paths):
    for p in paths:
        if os.path.isdir(p):
            for base, dirs, files in os.walk(p):
                dirs.sort()
                for f in sorted(files):
                    yield os.path.join(base, f)
        else:
            yield p


def check_cli(path: str, json_path: str) -> str:
    from fickling import cli

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        rc = cli.main(["fickling", "--check-safety", "--json-output", json_path, path])
    return {0: "clean", 1: "flagged"}.get(rc, "error")


def check_api(path: str, json_path: str) -> str:
    from fickling import loader

    sink = io.StringIO()
    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
        if zipfile.is_zipfile(path):
            results = list(loader.scan_zip_archive(path, graceful=True, json_output_path=json_path).values())
        else:
            results = [loader.scan_file(path, graceful=True, json_output_path=json_path)]
    if any(not r.is_safe for r in results):
        return "flagged"
    if any(r.errors for r in results):
        return "error"
    return "clean"


def main() -> int:
    args = sys.argv[1:]
    api = False
    if args and args[0] == "--api":
        api, args = True, args[1:]
    check = check_api if api else check_cli
    flagged, errors, clean, total = [], [], 0, 0
    with tempfile.TemporaryDirectory() as tmp:
        json_path = os.path.join(tmp, "safety_results.json")
        for path in iter_files(args):
            total += 1
            try:
                verdict = check(path, json_path)
            except Exception as e:  # a crash on one file is that file's result
                verdict = "error"
                print(f"{path}: {type(e).__name__}: {e}", file=sys.stderr)
            if verdict == "flagged":
                flagged.append(path)
            elif verdict == "error":
                errors.append(path)
            else:
                clean += 1
    print(json.dumps({"files": total, "flagged": flagged, "errors": errors, "clean": clean}))
    if flagged:
        return 1
    return 2 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
