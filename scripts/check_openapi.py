#!/usr/bin/env python3
"""Checks a running `modelvet serve` against docs/openapi.json (standard library only).

    scripts/check_openapi.py BASE_URL TOKEN      # e.g. http://127.0.0.1:8080 mvt_...

1. The server's /api/openapi.json must equal docs/openapi.json (as parsed JSON).
2. A handful of real calls (no token, an upload of a small harmless text file, reading it back, the
   listing, its JSON report once done, a bad report format, an unknown id): each answer's status must be
   one the document declares for that operation, its media type one the response declares, its required
   headers present, and a JSON body must satisfy the declared schema (the subset of JSON Schema the
   document uses: $ref, allOf, type, enum, const, required, properties, items).

Prints a JSON summary; exits 0 when everything matches, 1 on any mismatch, 2 on bad usage. The token
needs no more than the submitter role.
"""
import json
import os
import re
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

DOCUMENT = Path(__file__).resolve().parent.parent / "docs" / "openapi.json"
# Multiplied by MODELVET_TIMEOUT_SCALE (the test suite sets it for a loaded machine).
SCALE = max(1.0, float(os.environ.get("MODELVET_TIMEOUT_SCALE", "1")))
WAIT_SECONDS = 30 * SCALE


# MARK: HTTP

class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(NoRedirect)


def call(base, method, path, token=None, body=None, headers=None):
    """(status, headers as a lower-cased dict, body bytes); never raises for an HTTP status."""
    request = urllib.request.Request(base + path, data=body, method=method)
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    if token is not None:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with OPENER.open(request, timeout=30 * SCALE) as response:
            return response.status, {k.lower(): v for k, v in response.headers.items()}, response.read()
    except urllib.error.HTTPError as error:
        return error.code, {k.lower(): v for k, v in error.headers.items()}, error.read()


# MARK: The document

def resolve(document, node):
    """Follows local `$ref`s (`#/components/...`) until a node without one."""
    seen = 0
    while isinstance(node, dict) and "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local $refs are supported, not {ref}")
        node = document
        for part in ref[2:].split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        seen += 1
        if seen > 50:
            raise ValueError(f"$ref loop at {ref}")
    return node


def template_regex(template):
    return re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template)) + "$")


def operation(document, method, path):
    """The path template and operation object for a concrete request path."""
    for template, item in document.get("paths", {}).items():
        if template_regex(template).match(path) and method.lower() in item:
            return template, item[method.lower()]
    return None, None


def declared_response(document, op, status):
    responses = op.get("responses", {})
    for key in (str(status), f"{str(status)[0]}XX", "default"):
        if key in responses:
            return key, resolve(document, responses[key])
    return None, None


TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def validate(document, schema, value, where="$"):
    """Problems of `value` against `schema` (the subset of JSON Schema the document uses)."""
    schema = resolve(document, schema)
    problems = []
    for part in schema.get("allOf", []):
        problems += validate(document, part, value, where)
    if "type" in schema:
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(TYPES[t](value) for t in types):
            return problems + [f"{where}: expected {' or '.join(types)}, got {type(value).__name__} {json.dumps(value)[:80]}"]
    if "const" in schema and value != schema["const"]:
        problems.append(f"{where}: expected {json.dumps(schema['const'])}, got {json.dumps(value)[:80]}")
    if "enum" in schema and value not in schema["enum"]:
        problems.append(f"{where}: {json.dumps(value)[:80]} is not one of {json.dumps(schema['enum'])}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                problems.append(f"{where}: required property '{key}' is missing")
        for key, subschema in schema.get("properties", {}).items():
            if key in value:
                problems += validate(document, subschema, value[key], f"{where}.{key}")
    if isinstance(value, list) and "items" in schema:
        for index, item in enumerate(value):
            problems += validate(document, schema["items"], item, f"{where}[{index}]")
    return problems


def differences(a, b, where="$", limit=5):
    """Up to `limit` places where two JSON values differ."""
    if type(a) is not type(b):
        return [f"{where}: {type(a).__name__} here, {type(b).__name__} on the server"]
    if isinstance(a, dict):
        found = []
        for key in sorted(set(a) | set(b)):
            if key not in b:
                found.append(f"{where}.{key}: missing on the server")
            elif key not in a:
                found.append(f"{where}.{key}: only on the server")
            else:
                found += differences(a[key], b[key], f"{where}.{key}", limit)
            if len(found) >= limit:
                break
        return found[:limit]
    if isinstance(a, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} items here, {len(b)} on the server"]
        found = []
        for index, (x, y) in enumerate(zip(a, b)):
            found += differences(x, y, f"{where}[{index}]", limit)
            if len(found) >= limit:
                break
        return found[:limit]
    return [] if a == b else [f"{where}: {json.dumps(a)[:60]} here, {json.dumps(b)[:60]} on the server"]


# MARK: Checks

class Checker:
    def __init__(self, base, token, document):
        self.base, self.token, self.document = base, token, document
        self.results = []

    def check(self, name, method, path, expect, token=None, body=None, headers=None):
        """Makes the call, checks its answer against the document and `expect` (a status); returns
        (status, parsed JSON body or None, headers)."""
        status, response_headers, raw = call(self.base, method, path, token, body, headers)
        problems = []
        if status != expect:
            problems.append(f"expected status {expect}, got {status}")
        template, op = operation(self.document, method, path.split("?")[0])
        parsed = None
        if op is None:
            problems.append(f"the document has no operation {method} {path.split('?')[0]}")
        else:
            key, response = declared_response(self.document, op, status)
            if response is None:
                problems.append(f"status {status} is not declared for {method} {template} (declared: {', '.join(op.get('responses', {}))})")
            else:
                for header, spec in response.get("headers", {}).items():
                    if resolve(self.document, spec).get("required") and header.lower() not in response_headers:
                        problems.append(f"required header {header} is missing")
                content = response.get("content", {})
                media = response_headers.get("content-type", "").split(";")[0].strip().lower()
                if content and media not in content:
                    problems.append(f"Content-Type {media or '(none)'} is not declared for {status} (declared: {', '.join(content)})")
                elif not content and raw:
                    problems.append(f"status {status} declares no body, but {len(raw)} bytes came")
                if media == "application/json" or media.endswith("+json"):
                    try:
                        parsed = json.loads(raw)
                    except ValueError as error:
                        problems.append(f"the body is not JSON: {error}")
                    else:
                        schema = content.get(media, {}).get("schema")
                        if schema is not None:
                            problems += validate(self.document, schema, parsed)
        self.results.append({"check": name, "request": f"{method} {path}", "status": status, "ok": not problems, "problems": problems})
        return status, parsed, response_headers

    def note(self, name, problem):
        self.results.append({"check": name, "ok": False, "problems": [problem]})

    def run(self):
        self.check("health", "GET", "/healthz", 200)
        self.check("no token", "GET", "/api/v1/scans", 401)
        content = f"modelvet OpenAPI contract check {uuid.uuid4()}\nplain text, nothing to run.\n".encode()
        status, scan, headers = self.check("upload", "POST", "/api/v1/scans?probe=false", 202, self.token, content,
                                           {"Content-Type": "application/octet-stream", "X-Filename": "contract-check.txt"})
        if status != 202 or not isinstance(scan, dict) or "id" not in scan:
            self.note("scan lifecycle", "the upload was not accepted; the checks that need its scan were skipped")
        else:
            scan_id = scan["id"]
            if headers.get("location") != f"/api/v1/scans/{scan_id}":
                self.note("upload", f"Location is {headers.get('location')!r}, not /api/v1/scans/{scan_id}")
            self.check("read scan", "GET", f"/api/v1/scans/{scan_id}", 200, self.token)
            status, listing, _ = self.check("list", "GET", "/api/v1/scans?limit=50&mine=true", 200, self.token)
            if isinstance(listing, dict) and scan_id not in [s.get("id") for s in listing.get("scans", []) if isinstance(s, dict)]:
                self.note("list", "the new scan is not in the caller's listing")
            deadline = time.monotonic() + WAIT_SECONDS
            current = scan
            while current.get("status") not in ("done", "failed") and time.monotonic() < deadline:
                time.sleep(0.5)
                _, headers, raw = call(self.base, "GET", f"/api/v1/scans/{scan_id}", self.token)
                try:
                    current = json.loads(raw)
                except ValueError:
                    break
            if current.get("status") == "done":
                self.check("done scan", "GET", f"/api/v1/scans/{scan_id}", 200, self.token)
                self.check("JSON report", "GET", f"/api/v1/scans/{scan_id}/report?format=json", 200, self.token)
            else:
                self.note("JSON report", f"the scan is {current.get('status')!r} after {WAIT_SECONDS} s (error: {current.get('error')!r}); its report was not checked")
            self.check("bad report format", "GET", f"/api/v1/scans/{scan_id}/report?format=xml", 400, self.token)
        self.check("unknown scan", "GET", f"/api/v1/scans/{uuid.uuid4()}", 404, self.token)


def main(argv):
    if len(argv) != 3 or argv[1].startswith("-"):
        print(f"usage: {argv[0]} BASE_URL TOKEN", file=sys.stderr)
        return 2
    base, token = argv[1].rstrip("/"), argv[2]
    try:
        document = json.loads(DOCUMENT.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        print(f"cannot read {DOCUMENT}: {error}", file=sys.stderr)
        return 2

    summary = {"base_url": base, "document": str(DOCUMENT)}
    try:
        status, _, raw = call(base, "GET", "/api/openapi.json")
    except (urllib.error.URLError, OSError) as error:
        print(json.dumps({**summary, "ok": False, "error": f"cannot reach the server: {error}"}, indent=2))
        return 1
    served = None
    if status == 200:
        try:
            served = json.loads(raw)
        except ValueError:
            pass
    if served is None:
        summary["served_document"] = {"ok": False, "problem": f"/api/openapi.json answered {status} and no JSON"}
    elif served == document:
        summary["served_document"] = {"ok": True}
    else:
        problem = "the served /api/openapi.json differs from docs/openapi.json"
        if not served:
            problem += " (it is an empty object: the server was built with the placeholder; run scripts/embed_openapi.py and rebuild)"
        summary["served_document"] = {"ok": False, "problem": problem, "differences": differences(document, served)}

    checker = Checker(base, token, document)
    try:
        checker.run()
    except (urllib.error.URLError, OSError) as error:
        checker.note("connection", f"a call failed: {error}")
    failed = [r["check"] for r in checker.results if not r["ok"]]
    if not summary["served_document"]["ok"]:
        failed.insert(0, "served document")
    summary.update(checks=checker.results, failed=failed, ok=not failed)
    print(json.dumps(summary, indent=2))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv))
