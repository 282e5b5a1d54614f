"""Name and address words a resident is found by: pinyin, initials, door labels.

王秀兰 → ``wangxiulan`` / ``wxl``; 供销巷小区 3号楼 2单元 401 → ``3-2-401``.
"""

from __future__ import annotations

import re

from pypinyin import Style, lazy_pinyin

# Surnames whose reading differs from the character's everyday reading.
_SURNAME_READINGS = {
    "单": "shan",
    "曾": "zeng",
    "解": "xie",
    "仇": "qiu",
    "朴": "piao",
    "查": "zha",
    "区": "ou",
    "乐": "yue",
    "尉": "yu",
    "万俟": "moqi",
    "尉迟": "yuchi",
    "长孙": "zhangsun",
}
_NOT_ALNUM = re.compile(r"[^0-9a-z]")


def _syllables(name: str) -> list[str]:
    name = name.strip()
    for surname, reading in _SURNAME_READINGS.items():
        if len(surname) > 1 and name.startswith(surname):
            return [reading, *_syllables_plain(name[len(surname) :])]
    if name[:1] in _SURNAME_READINGS:
        return [_SURNAME_READINGS[name[0]], *_syllables_plain(name[1:])]
    return _syllables_plain(name)


def _syllables_plain(text: str) -> list[str]:
    syllables = lazy_pinyin(text, style=Style.NORMAL, errors="default", v_to_u=False)
    cleaned = [_NOT_ALNUM.sub("", s.lower()) for s in syllables]
    return [s for s in cleaned if s]


def name_pinyin(name: str) -> str:
    """Full pinyin without tones or spaces: 王秀兰 → wangxiulan (ü is written v)."""
    return "".join(_syllables(name))[:120]


def name_initials(name: str) -> str:
    """The first letter of each syllable: 王秀兰 → wxl."""
    return "".join(s[0] for s in _syllables(name))[:30]


def building_number(building_name: str) -> str:
    """3号楼 → 3; 12号院 → 12; anything else unchanged."""
    for suffix in ("号楼", "号院", "栋", "幢", "号"):
        if building_name.endswith(suffix):
            return building_name.removesuffix(suffix)
    return building_name


def address_words(household) -> list[str]:
    """Words of a household's address a caller might say: compound, building, door."""
    if household is None:
        return []
    building = household.building
    compound = building.compound
    words = [compound.name, building.name, household.door]
    if household.unit:
        words.append(f"{household.unit}单元")
    words.append(household.room)
    return words


def search_text(name: str, pinyin: str, initials: str, household) -> str:
    """Everything one search box should find a resident by, in one line."""
    return " ".join([name, pinyin, initials, *address_words(household)])[:500]
