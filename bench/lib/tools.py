"""The scanners under comparison: how each is invoked and how its verdict is read.

Every tool is run as a separate process on the same input. A tool's verdict
on one invocation is one of:

  flagged  the tool reported the input as unsafe (definition per tool below)
  clean    the scan completed and reported nothing at the flagging threshold
  error    the tool failed, crashed or reported a scan error and flagged nothing
  skipped  the tool said it does not support the input
  timeout  the per-invocation time limit ran out

FLAG_RULES (printed into docs/benchmarks.md) states exactly what counts as
flagged for each tool; keep it in step with the parse functions.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, field

HERE = os.path.dirname(os.path.abspath(__file__))

FLAG_RULES = {
    "modelvet": "`modelvet scan --format json --fail-on medium`: the JSON `summary.failed` is true, i.e. at least one "
                "finding of severity medium, high or critical (exit code 1). Exit 2 with no such finding = error.",
    "picklescan": "`picklescan -p PATH`: the summary line `Dangerous globals: N` has N > 0 (exit 1; exit 2 when the "
                  "stream also failed to parse). 'Suspicious' globals (neither on its safe nor its unsafe list) do not "
                  "count, as in picklescan's own exit code. Exit 2 with no dangerous global = error.",
    "modelscan": "`modelscan -p PATH -r json -o FILE`: the JSON `issues` list is non-empty (every issue modelscan "
                 "emits is LOW..CRITICAL from its unsafe-globals table). Exit 3 (no supported file) = skipped; exit 2 "
                 "with no issue = error.",
    "fickling": "`fickling --check-safety --json-output FILE PATH`: exit 1 (some pickle in the file was rated above "
                "LIKELY_SAFE). Exit 2 (fickling could not parse the file, e.g. any zip) = error. For folders the same "
                "CLI entry point runs once per file in one process (bench/lib/fickling_many.py).",
    "fickling-api": "Not a fifth peer, a second way to run fickling: its library scanners `fickling.loader."
                    "scan_zip_archive` (zips; only members named .pkl/.pickle/.bin) or `fickling.loader.scan_file`, "
                    "with graceful=True; flagged when any result is not `is_safe` (severity above LIKELY_SAFE). "
                    "Shown because the CLI cannot open zip archives.",
    "modelaudit": "`modelaudit scan --format json --no-cache -o FILE PATH`: at least one JSON issue with severity "
                  "`warning` or `critical` (its exit code 1 means the same). Exit 2 with no such issue = error.",
    "modelaudit-critical": "Same modelaudit run, counting only issues of severity `critical` (modelaudit's "
                           "'definite security concern'); shown because modelaudit also raises warnings on "
                           "benign torch and protocol 2 pickles.",
}


@dataclass
class Verdict:
    outcome: str  # flagged | clean | error | skipped | timeout
    flagged_files: set[str] = field(default_factory=set)
    detail: str = ""
    derived: dict[str, "Verdict"] = field(default_factory=dict)  # extra views of the same run
    findings: list[str] = field(default_factory=list)  # 'severity rule_id: message', most severe first (ModelVet)


@dataclass
class Tool:
    name: str
    available: bool
    version: str
    why_unavailable: str = ""

    def command(self, target: str, out_file: str, jobs1: bool = False) -> list[str]:
        raise NotImplementedError

    def parse(self, rc: int, stdout: str, stderr: str, out_file: str) -> Verdict:
        raise NotImplementedError


def _read_json(path: str):
    try:
        with open(path, encoding="utf-8") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def _first_line(text: str, limit: int = 160) -> str:
    for line in text.splitlines():
        line = line.strip()
        if line:
            return line[:limit]
    return ""


def _strip_member(location: str) -> str | None:
    """'path/to/file.pt:archive/data.pkl (pos 12)' -> 'path/to/file.pt'; None when no file prefix exists."""
    loc = location.strip()
    if os.path.isfile(loc):
        return loc
    for m in re.finditer(r"[ :\[\(@!]", loc):
        candidate = loc[: m.start()]
        if candidate and os.path.isfile(candidate):
            return candidate
    return None


def _files(locations) -> set[str]:
    """Distinct existing files named by issue locations; unattributable ones count once as '<other>'."""
    out = set()
    for loc in locations:
        f = _strip_member(str(loc or ""))
        out.add(f if f else "<other>")
    return out


class ModelVet(Tool):
    def __init__(self, binary: str | None, version: str, why: str = "") -> None:
        super().__init__("modelvet", bool(binary), version, why)
        self.binary = binary

    def command(self, target, out_file, jobs1=False):
        cmd = [self.binary, "scan", "--format", "json", "--fail-on", "medium", "--quiet", "--output", out_file]
        if jobs1:
            cmd += ["--jobs", "1"]
        return cmd + [target]

    def parse(self, rc, stdout, stderr, out_file):
        doc = _read_json(out_file)
        if doc is None:
            return Verdict("error", detail=_first_line(stderr) or f"exit {rc}, no report")
        order = ("info", "low", "medium", "high", "critical")
        every = sorted(doc.get("findings", []), key=lambda f: -order.index(f["severity"]) if f.get("severity") in order else 1)
        listed = [f"{f.get('severity')} {f.get('rule_id')}: {' '.join(str(f.get('message', '')).split())[:140]}"
                  for f in every[:12]] + ([f"... {len(every) - 12} more"] if len(every) > 12 else [])
        severe = [f for f in every if f.get("severity") in ("medium", "high", "critical")]
        files = {f.get("file", "") for f in severe}
        summary = doc.get("summary", {})
        incomplete = "" if summary.get("complete", True) else " (coverage incomplete)"
        if summary.get("failed") or severe:
            top = max(severe, key=lambda f: ("medium", "high", "critical").index(f["severity"]))
            return Verdict("flagged", files, f"{top['severity']} {top['rule_id']}: {top['message'][:100]}{incomplete}",
                           findings=listed)
        if rc == 2 or doc.get("errors"):
            errs = doc.get("errors") or [{}]
            return Verdict("error", detail=str(errs[0].get("message", f"exit {rc}"))[:160], findings=listed)
        return Verdict("clean", detail=("no finding at medium or above" + incomplete), findings=listed)


class PickleScan(Tool):
    def __init__(self, venv: str, version: str, why: str = "") -> None:
        exe = os.path.join(venv, "bin", "picklescan")
        super().__init__("picklescan", os.path.exists(exe) and not why, version, why)
        self.exe = exe

    def command(self, target, out_file, jobs1=False):
        return [self.exe, "-p", target]

    def parse(self, rc, stdout, stderr, out_file):
        text = stdout + "\n" + stderr
        m = re.search(r"Dangerous globals: (\d+)", text)
        dangerous = int(m.group(1)) if m else 0
        hits = re.findall(r"^(.*?): dangerous import '([^']*)' FOUND", text, re.M)
        files = _files(loc for loc, _glob in hits)
        if dangerous > 0:
            detail = f"dangerous import '{hits[0][1]}'" if hits else "dangerous globals"
            m2 = re.search(r"Infected files: (\d+)", text)
            if m2 and not files:
                files = {f"<{m2.group(1)} infected>"}
            return Verdict("flagged", files, detail)
        if rc == 2 or not m:
            err = re.search(r"(ERROR.*|Exception.*|Error.*)", text)
            return Verdict("error", detail=(err.group(1) if err else _first_line(text))[:160])
        warn = re.search(r"WARNING: (.*)", text)
        return Verdict("clean", detail=(warn.group(1)[:160] if warn else ""))


class ModelScan(Tool):
    def __init__(self, venv: str, version: str, why: str = "") -> None:
        exe = os.path.join(venv, "bin", "modelscan")
        super().__init__("modelscan", os.path.exists(exe) and not why, version, why)
        self.exe = exe

    def command(self, target, out_file, jobs1=False):
        return [self.exe, "-p", target, "-r", "json", "-o", out_file]

    def parse(self, rc, stdout, stderr, out_file):
        doc = _read_json(out_file)
        issues = (doc or {}).get("issues") or []
        if issues:
            files = {str(i.get("source", "")).split(":")[0] for i in issues}
            first = issues[0]
            return Verdict("flagged", files, f"{first.get('severity')} {first.get('module')}.{first.get('operator')}")
        errors = (doc or {}).get("errors") or []
        if errors:
            first = errors[0]
            msg = first.get("description") or first.get("message") or str(first) if isinstance(first, dict) else str(first)
            return Verdict("error", detail=" ".join(str(msg).split())[:160])
        if rc == 3:
            return Verdict("skipped", detail="no supported file (exit 3)")
        if rc != 0:
            return Verdict("error", detail=(_first_line(stderr) or f"exit {rc}")[:160])
        skipped = ((doc or {}).get("summary", {}).get("skipped", {}) or {}).get("total_skipped", 0)
        return Verdict("clean", detail=f"{skipped} skipped" if skipped else "")


class Fickling(Tool):
    def __init__(self, venv: str, version: str, why: str = "", api: bool = False) -> None:
        exe = os.path.join(venv, "bin", "fickling")
        super().__init__("fickling-api" if api else "fickling", os.path.exists(exe) and not why, version, why)
        self.exe = exe
        self.python = os.path.join(venv, "bin", "python")
        self.api = api

    def command(self, target, out_file, jobs1=False):
        helper = os.path.join(HERE, "fickling_many.py")
        if self.api or os.path.isdir(target):
            return [self.python, helper] + (["--api"] if self.api else []) + [target]
        return [self.exe, "--check-safety", "--json-output", out_file, target]

    def parse(self, rc, stdout, stderr, out_file):
        summary = None
        for line in stdout.splitlines():
            if line.startswith("{") and '"flagged"' in line:
                summary = json.loads(line)
        if summary is not None:  # helper output (folders, or the API mode)
            files = set(summary["flagged"])
            if files:
                return Verdict("flagged", files, f"{len(files)} of {summary['files']} files flagged")
            if summary["errors"]:
                return Verdict("error", detail=f"{len(summary['errors'])} of {summary['files']} files failed")
            return Verdict("clean")
        if rc == 1:
            return Verdict("flagged", {"<file>"}, "check-safety: unsafe")
        if rc == 0:
            return Verdict("clean")
        return Verdict("error", detail=_first_line(stderr) or f"exit {rc}")


class ModelAudit(Tool):
    def __init__(self, venv: str, version: str, why: str = "") -> None:
        exe = os.path.join(venv, "bin", "modelaudit")
        super().__init__("modelaudit", os.path.exists(exe) and not why, version, why)
        self.exe = exe

    def command(self, target, out_file, jobs1=False):
        return [self.exe, "scan", "--format", "json", "--no-cache", "-o", out_file, target]

    @staticmethod
    def _view(doc, rc, severities: tuple[str, ...]) -> Verdict:
        issues = [i for i in (doc or {}).get("issues", []) if i.get("severity") in severities]
        if issues:
            files = _files(i.get("location") for i in issues)
            top = next((i for i in issues if i.get("severity") == "critical"), issues[0])
            return Verdict("flagged", files, f"{top.get('severity')}: {str(top.get('message'))[:110]}")
        if doc is None or rc == 2:
            return Verdict("error", detail=f"exit {rc}" if doc is not None else "no JSON report")
        if doc.get("files_scanned", 1) == 0:
            return Verdict("skipped", detail="no file scanned")
        return Verdict("clean")

    def parse(self, rc, stdout, stderr, out_file):
        doc = _read_json(out_file)
        primary = self._view(doc, rc, ("warning", "critical"))
        if doc is None:
            primary.detail = _first_line(stderr) or primary.detail
        primary.derived["modelaudit-critical"] = self._view(doc, rc, ("critical",))
        return primary
