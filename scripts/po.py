#!/usr/bin/env python3
"""Keep the zh_Hans catalogues filled: list what is untranslated, apply translations.

    python scripts/po.py missing APP            # untranslated msgids, one per line (JSON-escaped)
    python scripts/po.py apply APP FILE.json    # {"msgid": "译文", …} fills msgstr, clears fuzzy

A message with a context (pgettext) is keyed as gettext keys it, "context\u0004msgid":
`missing` lists it so and `apply` fills only the entry of that context.

Catalogues live in APP/locale/zh_Hans/LC_MESSAGES/django.po (run `make messages`
first to extract new strings). Chinese has one plural form, so a plural entry takes
the same translation in msgstr[0].
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

_FIELD = re.compile(r'^(msgctxt|msgid|msgid_plural|msgstr(?:\[\d+\])?) "(.*)"$')


def _unquote(s: str) -> str:
    return json.loads(f'"{s}"')


def _quote(s: str) -> str:
    return json.dumps(s, ensure_ascii=False)


def parse(text: str) -> list[dict]:
    """Split a catalogue into entries; a comment or msgid after a msgstr starts a new one."""
    entries: list[dict] = []
    entry: dict | None = None
    current = None
    for line in text.splitlines():
        if not line.strip():
            current = None
            continue
        starts_new = entry is None or (
            any(k.startswith("msgstr") for k in entry["order"])
            and (line.startswith("#") or line.startswith("msgid ") or line.startswith("msgctxt "))
        )
        if starts_new:
            entry = {"comments": [], "fields": {}, "order": []}
            entries.append(entry)
            current = None
        if line.startswith("#"):
            entry["comments"].append(line)
            continue
        match = _FIELD.match(line)
        if match:
            current = match.group(1)
            entry["fields"][current] = _unquote(match.group(2))
            entry["order"].append(current)
        elif line.startswith('"') and current:
            entry["fields"][current] += _unquote(line[1:-1])
    return entries


def render(entries: list[dict]) -> str:
    blocks = []
    for entry in entries:
        lines = list(entry["comments"])
        for key in entry["order"]:
            lines.append(f"{key} {_quote(entry['fields'][key])}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + "\n"


def catalogue(app: str) -> Path:
    return Path(app) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"


def key_of(fields: dict) -> str:
    """The msgid, or "context\x04msgid" for a message with a context (gettext's key)."""
    context = fields.get("msgctxt")
    return f"{context}\x04{fields['msgid']}" if context is not None else fields["msgid"]


def missing(app: str) -> list[str]:
    out = []
    for entry in parse(catalogue(app).read_text(encoding="utf-8")):
        fields = entry["fields"]
        if not fields.get("msgid"):
            continue
        value = fields.get("msgstr", fields.get("msgstr[0]", ""))
        fuzzy = any("fuzzy" in c for c in entry["comments"] if c.startswith("#,"))
        if not value or fuzzy:
            out.append(key_of(fields))
    return out


def apply(app: str, translations: dict[str, str]) -> int:
    path = catalogue(app)
    entries = parse(path.read_text(encoding="utf-8"))
    filled = 0
    for entry in entries:
        fields = entry["fields"]
        msgid = fields.get("msgid")
        if msgid is None and "msgstr" in fields and not entry["order"][0] == "msgid":
            continue
        if msgid == "":
            # Header: Chinese plural rule, UTF-8, and not fuzzy (msgfmt ignores a fuzzy header).
            header = re.sub(
                r"Plural-Forms: [^\n]*\n", "Plural-Forms: nplurals=1; plural=0;\n", fields["msgstr"]
            )
            header = header.replace("Language: \n", "Language: zh_Hans\n")
            header = header.replace("PACKAGE VERSION", "linli")
            header = header.replace("Language-Team: LANGUAGE <LL@li.org>", "Language-Team: linli")
            header = header.replace(
                "Last-Translator: FULL NAME <EMAIL@ADDRESS>", "Last-Translator: linli"
            )
            fields["msgstr"] = header
            entry["comments"] = [c for c in entry["comments"] if c != "#, fuzzy"]
            continue
        wanted = key_of(fields)
        if wanted not in translations:
            continue
        if "msgstr" in fields:
            fields["msgstr"] = translations[wanted]
        for key in list(fields):
            if key == "msgstr[0]":
                fields[key] = translations[wanted]
            elif key.startswith("msgstr["):
                # Chinese has a single plural form.
                del fields[key]
                entry["order"].remove(key)
        entry["comments"] = [
            c.replace(", fuzzy", "").replace("#, fuzzy", "#") if c.startswith("#,") else c
            for c in entry["comments"]
        ]
        entry["comments"] = [c for c in entry["comments"] if c.strip() != "#"]
        entry["comments"] = [c for c in entry["comments"] if not c.startswith("#| ")]
        filled += 1
    path.write_text(render(entries), encoding="utf-8")
    return filled


def main(argv: list[str]) -> int:
    if len(argv) >= 2 and argv[0] == "missing":
        for msgid in missing(argv[1]):
            print(_quote(msgid))
        return 0
    if len(argv) == 3 and argv[0] == "apply":
        translations = json.loads(Path(argv[2]).read_text(encoding="utf-8"))
        print(f"filled {apply(argv[1], translations)} entries")
        return 0
    print(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
