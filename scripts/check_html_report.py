#!/usr/bin/env python3
"""Opens a ModelVet HTML report in headless Chromium (Debian's package) and checks it.

    scripts/check_html_report.py REPORT.html OUT_DIR [--chromium PATH] [--expect-text TEXT ...]

Runs Chromium three times on the file, with background networking off:
  1. a full-page screenshot (OUT_DIR/report.png), which must be a non-trivial PNG;
  2. the DOM after load (--dump-dom), in which there must be no <script>, <iframe>, <object>, <embed>,
     <link> or <base> element, no on* event attribute and no javascript: URL, and each --expect-text
     string must appear as text (escaped in the serialisation);
  3. a network log (--log-net-log): every URL the page requested must be the report itself (file:) or
     data:, and the console (--enable-logging) must show no message from the page (an error, a
     Content-Security-Policy violation).
Prints a JSON summary; exits 1 when a check fails, 2 when Chromium cannot be run.
"""
import argparse
import html
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

QUIET_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
    "--disable-extensions", "--metrics-recording-only", "--disable-features=Translate,OptimizationHints,MediaRouter",
]


def run(chromium, args, profile, timeout=120):
    cmd = [chromium, *QUIET_FLAGS, f"--user-data-dir={profile}", *args]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)


def png_size_and_variety(path):
    """Width, height and the number of distinct rows in the decoded image (a blank page has one)."""
    data = open(path, "rb").read()
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return 0, 0, 0
    pos, idat, width, height, colour, depth = 8, b"", 0, 0, 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            width, height, depth, colour = struct.unpack(">IIBB", chunk[:10])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    raw = zlib.decompress(idat)
    channels = {2: 3, 6: 4, 0: 1, 4: 2}.get(colour, 4) * max(1, depth // 8)
    stride = width * channels + 1
    rows = {raw[i * stride + 1:(i + 1) * stride] for i in range(0, height, max(1, height // 200))}
    return width, height, len(rows)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("report")
    parser.add_argument("out")
    parser.add_argument("--chromium", default=os.environ.get("MODELVET_CHROMIUM", "chromium"))
    parser.add_argument("--expect-text", action="append", default=[])
    parser.add_argument("--width", type=int, default=1280)
    parser.add_argument("--height", type=int, default=2400)
    a = parser.parse_args()
    os.makedirs(a.out, exist_ok=True)
    url = "file://" + os.path.abspath(a.report)
    problems, summary = [], {}
    with tempfile.TemporaryDirectory() as profile:
        try:
            png = os.path.join(a.out, "report.png")
            shot = run(a.chromium, [f"--window-size={a.width},{a.height}", f"--screenshot={png}", url], profile)
            dom = run(a.chromium, ["--dump-dom", url], profile)
            netlog = os.path.join(profile, "net.json")
            logged = run(a.chromium, ["--enable-logging=stderr", "--v=0", f"--log-net-log={netlog}", "--dump-dom", url], profile)
        except (OSError, subprocess.TimeoutExpired) as error:
            print(json.dumps({"error": f"chromium could not be run: {error}"}))
            return 2
        if not os.path.exists(png):
            print(json.dumps({"error": "no screenshot was written", "stderr": shot.stderr[-2000:]}))
            return 2
        width, height, variety = png_size_and_variety(png)
        summary["screenshot"] = {"path": png, "width": width, "height": height, "distinct_rows": variety}
        if width < 800 or variety < 20:
            problems.append(f"the screenshot looks empty ({width}x{height}, {variety} distinct rows)")

        page = dom.stdout
        summary["dom_bytes"] = len(page)
        if "<body" not in page:
            problems.append("the DOM dump has no body")
        for tag in ["script", "iframe", "object", "embed", "link", "base", "form", "meta http-equiv=\"refresh\""]:
            if re.search(r"<\s*" + tag + r"[\s>]", page, re.I):
                problems.append(f"the page holds a <{tag}> element")
        attrs = re.findall(r"<[^>]*\son[a-z]+\s*=", page, re.I)
        if attrs:
            problems.append(f"{len(attrs)} element(s) carry an on* event attribute")
        if re.search(r"(href|src|action)\s*=\s*\"\s*javascript:", page, re.I):
            problems.append("a javascript: URL is live in an attribute")
        text = html.unescape(re.sub(r"<[^>]+>", "", page))
        for expected in a.expect_text:
            if expected not in text:
                problems.append(f"expected text is not shown as text: {expected!r}")

        requests = []
        body = open(netlog).read().rstrip().rstrip(",")
        try:
            log = json.loads(body)
        except ValueError:
            # Chromium may exit without closing the events array; read what is there.
            log = json.loads(body + "]}")
        names = {number: name for name, number in log.get("constants", {}).get("logEventTypes", {}).items()}
        for event in log.get("events", []):
            params = event.get("params") or {}
            u = params.get("url")
            # The page's own requests carry its origin ("null" for a file); the browser's background
            # requests (updates, time, accounts) carry "not an origin" and are not the page's doing.
            if names.get(event.get("type")) != "URL_REQUEST_START_JOB" or not u or params.get("initiator") == "not an origin":
                continue
            if not u.startswith(("file:", "data:", "about:", "chrome:")):
                requests.append(u)
        summary["requests"] = sorted(set(requests))
        if requests:
            problems.append(f"the page made network requests: {sorted(set(requests))[:5]}")
        console = [line for line in logged.stderr.splitlines() if "CONSOLE" in line or "Refused to" in line or "Uncaught" in line]
        summary["console"] = console[:20]
        if console:
            problems.append(f"the console shows {len(console)} message(s): {console[:3]}")
    summary["problems"] = problems
    print(json.dumps(summary, indent=2))
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
