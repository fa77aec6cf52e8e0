#!/usr/bin/env python3
"""Checks the web UI of `modelvet serve` in headless Chromium (Debian's package), over the DevTools protocol.

    scripts/check_web_ui.py BASE_URL TOKEN_FILE MODEL_FILE OUT_DIR [--chromium PATH] [--expect-verdict TEXT]

Drives one tab through the UI as a user would (the numbered steps below): the login redirect, a wrong token and
the right one, an upload through #upload, the scan page until it links its full report (banner, scan.png), the
report (no script, report.png), the scans list. Throughout, no console error, uncaught exception or CSP violation
may appear, and every request must go to BASE_URL (or be data:). Prints a JSON summary (also OUT_DIR/summary.json);
exits 1 when a check fails, 2 when Chromium cannot be run or the protocol breaks. Chromium is always killed.
"""
import argparse, base64, contextlib, fcntl, json, os, select, signal, subprocess, sys, tempfile, time

QUIET_FLAGS = [  # the same as scripts/check_html_report.py
    "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run", "--no-default-browser-check",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--disable-default-apps",
    "--disable-extensions", "--metrics-recording-only", "--disable-features=Translate,OptimizationHints,MediaRouter",
]
# Every timeout is multiplied by MODELVET_TIMEOUT_SCALE (the test suite sets it: on a loaded 2-core machine
# Chromium and a debug build of the server are many times slower than alone).
SCALE = max(1.0, float(os.environ.get("MODELVET_TIMEOUT_SCALE", "1")))
DEADLINE = time.monotonic() + 120 * SCALE  # the whole run


class ProtocolBroken(Exception): """Chromium died, went silent, or answered a command with an error: exit 2."""
class StepFailed(Exception): """A check failed in a way that leaves the later steps nothing to work on."""


class Browser:
    """Chromium with --remote-debugging-pipe: NUL-terminated JSON commands on its fd 3, replies and events on fd 4."""

    def __init__(self, chromium, profile):
        to_chrome_r, self.to_chrome = os.pipe()
        self.from_chrome, from_chrome_w = os.pipe()
        # Move the child's ends above any low fd, so that dup2 onto 3 and 4 cannot clobber them.
        hi_r, hi_w = fcntl.fcntl(to_chrome_r, fcntl.F_DUPFD_CLOEXEC, 10), fcntl.fcntl(from_chrome_w, fcntl.F_DUPFD_CLOEXEC, 10)
        os.close(to_chrome_r); os.close(from_chrome_w)

        def child_fds():  # in the child before exec: dup2'd fds are inheritable, the pipes' own ones close on exec
            os.dup2(hi_r, 3); os.dup2(hi_w, 4)
        # Not pass_fds: it forces close_fds, which runs after preexec_fn and would close 3 and 4 again.
        self.log = open(os.path.join(profile, "chromium.log"), "w+")
        cmd = [chromium, *QUIET_FLAGS, f"--user-data-dir={profile}", "--remote-debugging-pipe", "--window-size=1280,1000", "about:blank"]
        self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=self.log, stderr=self.log,
                                     close_fds=False, preexec_fn=child_fds, start_new_session=True)
        os.close(hi_r); os.close(hi_w)
        self.buffer, self.replies, self.next_id, self.session = b"", {}, 0, None
        self.console, self.requests, self.posts, self.methods, self.step = [], [], [], {}, "start"

    def close(self):
        with contextlib.suppress(OSError):
            os.killpg(self.proc.pid, signal.SIGKILL)  # its own process group: Chromium and its helpers
        self.proc.wait()
        os.close(self.to_chrome); os.close(self.from_chrome); self.log.close()

    def pump(self, until):
        """Waits until `until` (monotonic) for Chromium's output and handles the messages in it."""
        ready, _, _ = select.select([self.from_chrome], [], [], max(0, min(until, DEADLINE) - time.monotonic()))
        if not ready:
            return
        chunk = os.read(self.from_chrome, 1 << 20)
        if not chunk:
            self.log.seek(0)
            raise ProtocolBroken(f"Chromium closed the pipe (exit status {self.proc.wait()}): {self.log.read()[-600:]}")
        self.buffer += chunk
        *messages, self.buffer = self.buffer.split(b"\0")
        for raw in messages:
            message = json.loads(raw)
            if "id" in message:
                self.replies[message["id"]] = message
            else:
                self.event(message.get("method"), message.get("params", {}))

    def event(self, method, params):
        note = lambda level, text, url=None: self.console.append({"level": level, "text": text or "", "url": url, "step": self.step})
        if method == "Runtime.consoleAPICalled":
            kind = params.get("type")
            note("error" if kind in ("error", "assert") else kind, " ".join(str(a.get("value", a.get("description", ""))) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            details = params.get("exceptionDetails", {})
            note("error", details.get("exception", {}).get("description") or details.get("text"))
        elif method == "Log.entryAdded":
            entry = params.get("entry", {})
            note(entry.get("level"), entry.get("text"), entry.get("url"))
        elif method == "Network.requestWillBeSent":
            request = params.get("request", {})
            self.requests.append(request.get("url", ""))
            self.methods[params.get("requestId")] = (request.get("method"), request.get("url"))
        elif method == "Network.requestWillBeSentExtraInfo":  # the headers really sent: keep Origin for each POST
            verb, url = self.methods.get(params.get("requestId"), (None, None))
            headers = {k.lower(): v for k, v in params.get("headers", {}).items()}
            if verb == "POST":
                self.posts.append({"url": url, "origin": headers.get("origin"), "sec-fetch-site": headers.get("sec-fetch-site")})

    def cmd(self, method, params=None, session=True, timeout=30):
        """Sends one command (to the page's session unless session=False) and returns its result."""
        self.next_id += 1
        message = {"id": self.next_id, "method": method, "params": params or {}}
        if session and self.session:
            message["sessionId"] = self.session
        try:
            os.write(self.to_chrome, json.dumps(message).encode() + b"\0")
        except OSError as error:
            raise ProtocolBroken(f"cannot write to Chromium: {error}")
        until = time.monotonic() + timeout * SCALE
        while self.next_id not in self.replies:
            if time.monotonic() >= DEADLINE:
                raise StepFailed(f"the run's {120 * SCALE:.0f} s ran out (waiting for {method})")
            if time.monotonic() >= until:
                raise ProtocolBroken(f"no reply to {method} within {timeout} s")
            self.pump(until)
        reply = self.replies.pop(self.next_id)
        if "error" in reply:
            raise ProtocolBroken(f"{method} failed: {reply['error'].get('message')}")
        return reply.get("result", {})

    def evaluate(self, expression, strict=True):
        """The expression's value; None while the page is between documents (its context is gone). A JS exception
        is a StepFailed when strict, else None."""
        try:
            result = self.cmd("Runtime.evaluate", {"expression": expression, "returnByValue": True, "awaitPromise": True})
        except ProtocolBroken as error:
            if "context" in str(error).lower() or "navigat" in str(error).lower():
                return None
            raise
        if "exceptionDetails" in result and strict:
            details = result["exceptionDetails"]
            raise StepFailed(f"{expression[:80]!r} threw {details.get('exception', {}).get('description') or details.get('text')}"
                             f" on {self.evaluate('location.href', False)}: {(self.evaluate('document.body.innerText', False) or '')[:200]}")
        return result.get("result", {}).get("value")

    def wait_for(self, expression, what, timeout=20):
        """Polls until the expression is truthy in a loaded document; a StepFailed after the timeout."""
        until = min(time.monotonic() + timeout * SCALE, DEADLINE)
        while time.monotonic() < until:
            value = self.evaluate(f"document.readyState === 'complete' && ({expression})", strict=False)
            if value:
                return value
            self.pump(time.monotonic() + 0.25)  # keep recording events while waiting
        raise StepFailed(f"timed out after {timeout} s waiting for {what} (at {self.evaluate('location.href', False)})")

    def act_and_wait(self, action, what, timeout=20):  # JS that navigates (a form submit); waits for the new document
        self.evaluate(f"window.__mvOld = true; {action}")
        self.wait_for("window.__mvOld === undefined", what, timeout)

    def goto(self, url):
        result = self.cmd("Page.navigate", {"url": url})
        if result.get("errorText"):
            raise StepFailed(f"cannot open {url}: {result['errorText']}")
        self.wait_for("true", f"{url} to load")

    def screenshot(self, path):
        size = self.cmd("Page.getLayoutMetrics")["cssContentSize"]  # the whole page, not just the window
        clip = {"x": 0, "y": 0, "width": size["width"], "height": size["height"], "scale": 1}
        data = base64.b64decode(self.cmd("Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip})["data"])
        with open(path, "wb") as file:
            file.write(data)
        return data


def run_steps(b, a, token, checks):
    def check(name, ok, detail="", required=False):
        checks.append({"name": name, "ok": bool(ok), "detail": detail})
        if required and not ok:  # the later steps would have nothing to work on
            raise StepFailed(f"{name}: {detail}")
    require = lambda name, ok, detail="": check(name, ok, detail, required=True)

    def shot(name):
        data = b.screenshot(os.path.join(a.out, name))
        width, height = (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) if len(data) > 24 else (0, 0)
        check(f"screenshot {name} is a non-trivial PNG", data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 4096,
              f"{len(data)} bytes, {width}x{height}")

    # 1. Without a cookie, the scans page sends the browser to the login page.
    b.step = "redirect"
    b.goto(a.base + "/ui/scans")
    path = b.evaluate("location.pathname")
    require("/ui/scans without a cookie redirects to /ui/login", path == "/ui/login", f"landed on {path}")

    # 2. A wrong token is refused on the page; the right one signs in.
    submit = "(() => { const t = document.querySelector('input[name=token]'); t.value = %s; t.form.requestSubmit(); })()"
    b.step = "wrong-token"  # its 401 answer is the one console error expected
    b.act_and_wait(submit % json.dumps("mvt_wrong"), "the login answer to a wrong token")
    text = b.evaluate("document.body.innerText") or ""
    check("a wrong token is refused with 'not valid'", "not valid" in text, text[:200].replace("\n", " "))
    b.step = "sign-in"
    b.goto(a.base + "/ui/login")
    b.act_and_wait(submit % json.dumps(token), "the login answer to the right token")
    path = b.evaluate("location.pathname")
    require("the right token signs in and lands on /ui/scans", path == "/ui/scans", f"landed on {path}")

    # 3. Choose the file in the upload form and submit it; app.js uploads it and opens the scan's page.
    b.step = "upload"
    root = b.cmd("DOM.getDocument", {"depth": 0})["root"]["nodeId"]
    node = b.cmd("DOM.querySelector", {"nodeId": root, "selector": "#upload-file"})["nodeId"]
    require("the scans page has the file input #upload-file", node, f"DOM node {node}" if node else "not found")
    b.cmd("DOM.setFileInputFiles", {"nodeId": node, "files": [os.path.abspath(a.model)]})
    b.evaluate("document.getElementById('upload').requestSubmit()")
    try:
        path = b.wait_for(r"/^\/ui\/scans\/[0-9a-f-]{36}$/.test(location.pathname) && location.pathname", "the scan's page", 30)
    except StepFailed as error:
        path = f"{error}; #upload-status says {b.evaluate('(document.getElementById(`upload-status`) || {}).textContent')!r}"
    require("the upload opens /ui/scans/<id>", path.startswith("/ui/scans/"), path)

    # 4. The page refreshes itself until the scan is done, then links the full report.
    b.step = "scan-page"
    find_report = "(Array.from(document.links).find(l => l.textContent.trim() === 'Full report') || {}).href"
    try:
        href = b.wait_for(find_report, "the 'Full report' link", 60)
    except StepFailed as error:
        href = str(error)
    require("the scan finishes and links its full report", href.startswith(a.base), href)
    headline = b.evaluate("(document.querySelector('.banner .headline') || {}).textContent") or ""
    if a.expect_verdict is not None:
        check(f"the banner headline says {a.expect_verdict!r}", a.expect_verdict in headline, f"it says {headline!r}")
    shot("scan.png")

    # 5. The full report is ModelVet's and runs no script.
    b.step = "report"
    b.goto(href)
    found = b.evaluate("(document.title + ' ' + document.body.innerText).includes('ModelVet')")
    check("the full report names ModelVet", found, b.evaluate("document.title"))
    scripts = b.evaluate("document.querySelectorAll('script').length")
    check("the full report holds no <script>", scripts == 0, f"{scripts} script element(s)")
    shot("report.png")

    # 6. The scans list shows the upload by its file name.
    b.step = "scans-list"
    b.goto(a.base + "/ui/scans")
    name = os.path.basename(a.model)
    rows = b.evaluate("Array.from(document.querySelectorAll('table[aria-label=scans] tr')).map(r => r.innerText)") or []
    check(f"the scans table lists {name}", any(name in row for row in rows), f"{len(rows)} row(s)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base"); parser.add_argument("token_file"); parser.add_argument("model"); parser.add_argument("out")
    parser.add_argument("--chromium", default=os.environ.get("MODELVET_CHROMIUM", "/usr/bin/chromium"))
    parser.add_argument("--expect-verdict")
    a = parser.parse_args()
    a.base = a.base.rstrip("/")
    if not os.path.isfile(a.model) or not os.path.isfile(a.token_file):
        parser.error("TOKEN_FILE and MODEL_FILE must be files")
    token = open(a.token_file).read().strip()
    os.makedirs(a.out, exist_ok=True)
    checks, failures, status, b = [], [], 0, None
    with tempfile.TemporaryDirectory() as profile:
        try:
            b = Browser(a.chromium, profile)
            target = b.cmd("Target.createTarget", {"url": "about:blank"}, session=False)["targetId"]
            b.session = b.cmd("Target.attachToTarget", {"targetId": target, "flatten": True}, session=False)["sessionId"]
            for domain in ("Page", "Runtime", "Log", "Network"):
                b.cmd(f"{domain}.enable")
            run_steps(b, a, token, checks)
        except StepFailed as error:
            failures.append(str(error))
        except (OSError, ProtocolBroken, ValueError, KeyError) as error:
            failures.append(f"Chromium could not be driven: {type(error).__name__}: {error}")
            status = 2
        finally:
            if b:
                b.close()
    console, requests, posts = (b.console, b.requests, b.posts) if b else ([], [], [])
    # 7. The console and the network, over the whole run.
    if status == 0:
        def expected(m):  # the wrong token's 401 is the only error the flow itself causes
            return "status of 401" in m["text"] and m["step"] == "wrong-token" and m.get("url") == a.base + "/ui/login"
        errors = [m for m in console if (m["level"] == "error" or "Content Security Policy" in (m["text"] or "")) and not expected(m)]
        checks.append({"name": "no console error or CSP violation", "ok": not errors, "detail": errors[:5]})
        foreign = sorted({u for u in requests if not (u == a.base or u.startswith(a.base + "/") or u.startswith("data:"))})
        checks.append({"name": "every request goes to BASE_URL", "ok": not foreign, "detail": foreign[:5]})
    # In check order; a step's error that is no check's (a timeout, a script that threw) goes last.
    failed = [f"{c['name']}: {c['detail']}" for c in checks if not c["ok"]]
    failures = failed + [f for f in failures if f not in failed]
    summary = {"ok": not failures, "checks": checks, "failures": failures, "console": console[:50], "requests": sorted(set(requests)),
               "posts": posts}  # each form or fetch POST's Origin and Sec-Fetch-Site, as sent
    text = json.dumps(summary, indent=2)
    print(text)
    with open(os.path.join(a.out, "summary.json"), "w") as file:
        file.write(text + "\n")
    return status or (1 if failures else 0)


if __name__ == "__main__":
    sys.exit(main())
