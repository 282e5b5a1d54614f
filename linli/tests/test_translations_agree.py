"""The apps' Chinese catalogues agree with each other and leave nothing untranslated.

Django merges every app's catalogue into one: linli's own (in LOCALE_PATHS) wins,
otherwise the app listed first in INSTALLED_APPS. An English msgid translated one
way in one app and another way in a second app therefore shows the first app's word
on the second app's pages ("Home" as 首页 where a resident's 住址 was meant). Strings
that mean different things need distinct msgids or a context (`pgettext`), not two
translations of the same msgid.
"""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CATALOGUES = sorted(ROOT.glob("*/locale/zh_Hans/LC_MESSAGES/django.po"))


def _po_module():
    spec = importlib.util.spec_from_file_location("po", ROOT / "scripts" / "po.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


parse = _po_module().parse


def _entries():
    """(app, msgctxt, msgid, translation, fuzzy) for every live entry of every catalogue."""
    for path in CATALOGUES:
        app = path.relative_to(ROOT).parts[0]
        for entry in parse(path.read_text(encoding="utf-8")):
            fields = entry["fields"]
            msgid = fields.get("msgid")
            # The header has an empty msgid; obsolete entries are "#~" comments only.
            if not msgid:
                continue
            fuzzy = any(c.startswith("#,") and "fuzzy" in c for c in entry["comments"])
            translation = fields.get("msgstr", fields.get("msgstr[0]", ""))
            yield app, fields.get("msgctxt", ""), msgid, translation, fuzzy


def test_every_app_has_a_chinese_catalogue_to_check():
    apps = {path.relative_to(ROOT).parts[0] for path in CATALOGUES}
    assert {"linli", "people", "hotline", "care"} <= apps


def test_a_msgid_has_one_chinese_translation_across_all_apps():
    seen: dict[tuple[str, str], dict[str, list[str]]] = {}
    for app, context, msgid, translation, fuzzy in _entries():
        if translation and not fuzzy:
            seen.setdefault((context, msgid), {}).setdefault(translation, []).append(app)
    conflicts = [
        f"{msgid!r}"
        + (f" (context {context!r})" if context else "")
        + ": "
        + "; ".join(f"{tr} in {', '.join(apps)}" for tr, apps in sorted(translations.items()))
        for (context, msgid), translations in sorted(seen.items())
        if len(translations) > 1
    ]
    assert not conflicts, "Translated differently in different apps:\n" + "\n".join(conflicts)


def test_no_msgid_is_left_untranslated():
    # compilemessages leaves fuzzy entries out, so they show English like empty ones.
    untranslated = [
        f"{app}: {msgid!r}"
        + (f" (context {context!r})" if context else "")
        + (" (fuzzy)" if fuzzy else "")
        for app, context, msgid, translation, fuzzy in _entries()
        if not translation or fuzzy
    ]
    assert not untranslated, "Untranslated UI strings:\n" + "\n".join(untranslated)
