#!/usr/bin/env python3
"""Embeds docs/openapi.json in Sources/VetServer/OpenAPIDocument.swift, which the server answers at
/api/openapi.json.

    scripts/embed_openapi.py           # rewrites the Swift file
    scripts/embed_openapi.py --check   # exit 1 if the Swift file is not what it would write

The document goes verbatim into a Swift raw multi-line string (#\"\"\" ... \"\"\"#), so it must not
contain what ends such a string (three quotes followed by #) or starts an escape in it (a backslash
followed by #). A lone "# (as in "$ref": "#/components/...") is harmless there.
"""
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOCUMENT = ROOT / "docs" / "openapi.json"
SWIFT = ROOT / "Sources" / "VetServer" / "OpenAPIDocument.swift"

HEADER = "// Generated from docs/openapi.json by scripts/embed_openapi.py; edit that file and run the script.\n"


def render(text):
    """The Swift file for the document's text, or an error message."""
    try:
        json.loads(text)
    except json.JSONDecodeError as error:
        return None, f"{DOCUMENT.relative_to(ROOT)} is not valid JSON: {error}"
    body = text[:-1] if text.endswith("\n") else text
    for sequence, why in (('"""#', "would end the Swift raw string"), ("\\#", "would start an escape in the Swift raw string")):
        index = body.find(sequence)
        if index >= 0:
            line = body.count("\n", 0, index) + 1
            return None, f"{DOCUMENT.relative_to(ROOT)} line {line} contains {sequence!r}, which {why}"
    if "\r" in body:
        return None, f"{DOCUMENT.relative_to(ROOT)} contains a carriage return; use Unix line ends"
    return HEADER + "enum OpenAPIDocument {\n    static let json = #\"\"\"\n" + body + "\n\"\"\"#\n}\n", None


def main(argv):
    check = argv[1:] == ["--check"]
    if argv[1:] and not check:
        print(f"usage: {argv[0]} [--check]", file=sys.stderr)
        return 2
    try:
        text = DOCUMENT.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        print(f"cannot read {DOCUMENT}: {error}", file=sys.stderr)
        return 1
    swift, problem = render(text)
    if problem:
        print(problem, file=sys.stderr)
        return 1
    if check:
        try:
            current = SWIFT.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            current = None
        if current != swift:
            print(f"{SWIFT.relative_to(ROOT)} is out of date with {DOCUMENT.relative_to(ROOT)}; run scripts/embed_openapi.py", file=sys.stderr)
            return 1
        print(f"{SWIFT.relative_to(ROOT)} is up to date")
        return 0
    SWIFT.write_text(swift, encoding="utf-8")
    print(f"wrote {SWIFT.relative_to(ROOT)} ({len(text)} characters of JSON)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
