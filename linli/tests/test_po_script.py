"""scripts/po.py fills the catalogue entries it is given, and only those."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

CATALOGUE = """msgid ""
msgstr ""
"Language: zh_Hans\\n"

msgid "Open"
msgstr ""

msgctxt "order state"
msgid "Open"
msgstr ""
"""


def _po():
    spec = importlib.util.spec_from_file_location("po", ROOT / "scripts" / "po.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_a_message_with_a_context_is_listed_and_filled_by_its_own_key(tmp_path, monkeypatch):
    po = _po()
    path = tmp_path / "demoapp" / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
    path.parent.mkdir(parents=True)
    path.write_text(CATALOGUE, encoding="utf-8")
    monkeypatch.chdir(tmp_path)

    assert po.missing("demoapp") == ["Open", "order state\x04Open"]
    assert po.apply("demoapp", {"order state\x04Open": "未办结"}) == 1

    entries = {
        (e["fields"].get("msgctxt"), e["fields"]["msgid"]): e["fields"]["msgstr"]
        for e in po.parse(path.read_text(encoding="utf-8"))
        if e["fields"].get("msgid")
    }
    assert entries == {(None, "Open"): "", ("order state", "Open"): "未办结"}
    assert po.missing("demoapp") == ["Open"]
