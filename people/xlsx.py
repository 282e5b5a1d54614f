"""A small, fast reader for the first sheet of an .xlsx file (cell values as text).

openpyxl builds an object per cell and reads a sheet without a ``<dimension>``
twice; for 100,000 rows that alone takes longer than the whole import may. This
reader streams the sheet's XML (ECMA-376 SpreadsheetML: shared strings, inline
strings, numbers, booleans, formula results) and yields each row as a list of
strings. ``people.excel.read_rows`` falls back to openpyxl for anything this does
not understand.

Guard rails: the archive's declared uncompressed size is limited (a zip bomb is
refused before anything is inflated) and the XML is parsed with defusedxml (no
DTDs, entities or external references).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterator
from xml.etree import ElementTree as ET

from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET

MAX_UNCOMPRESSED = 400 * 1024 * 1024
_NS = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL_NS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PKG_REL_NS = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ROW, _CELL, _VALUE = f"{_NS}row", f"{_NS}c", f"{_NS}v"
_SI, _T, _R, _IS = f"{_NS}si", f"{_NS}t", f"{_NS}r", f"{_NS}is"
_COLUMN = re.compile(r"^([A-Z]+)")


class UnreadableSheet(Exception):
    """The file is not an .xlsx this reader understands."""


def _column_index(ref: str) -> int:
    match = _COLUMN.match(ref)
    if not match:
        raise UnreadableSheet(f"bad cell reference {ref!r}")
    index = 0
    for char in match.group(1):
        index = index * 26 + (ord(char) - 64)
    return index - 1


def _text_of(element) -> str:
    """The text of a shared or inline string: plain ``<t>`` or rich-text runs."""
    direct = element.find(_T)
    if direct is not None:
        return direct.text or ""
    return "".join((run.findtext(_T) or "") for run in element.iter(_R))


def _first_sheet(archive: zipfile.ZipFile) -> str:
    workbook = SafeET.fromstring(archive.read("xl/workbook.xml"))
    sheet = workbook.find(f"{_NS}sheets/{_NS}sheet")
    if sheet is None:
        raise UnreadableSheet("no sheet")
    rel_id = sheet.get(f"{_REL_NS}id")
    rels = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"))
    for rel in rels.iter(f"{_PKG_REL_NS}Relationship"):
        if rel.get("Id") == rel_id:
            target = rel.get("Target", "")
            return target.lstrip("/") if target.startswith("/") else f"xl/{target}"
    raise UnreadableSheet("sheet not found")


def _shared_strings(archive: zipfile.ZipFile) -> list[str]:
    try:
        data = archive.read("xl/sharedStrings.xml")
    except KeyError:
        return []
    return [_text_of(si) for si in SafeET.fromstring(data).iter(_SI)]


def _number(text: str) -> str:
    """A numeric cell as the text a person typed: 13800001234.0 → 13800001234."""
    try:
        value = float(text)
    except ValueError:
        return text
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return text


def iter_rows(data: bytes) -> Iterator[tuple[int, list[str]]]:
    """(row number, cell texts) of the first sheet's rows ('' for empty cells)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise UnreadableSheet("not a zip archive") from exc
    with archive:
        if sum(info.file_size for info in archive.infolist()) > MAX_UNCOMPRESSED:
            raise UnreadableSheet("too large when unpacked")
        try:
            shared = _shared_strings(archive)
            path = _first_sheet(archive)
            stream = archive.open(path)
        except (KeyError, ET.ParseError, DefusedXmlException) as exc:
            raise UnreadableSheet(str(exc)) from exc
        with stream:
            try:
                number = 0
                for _event, element in SafeET.iterparse(stream, events=("end",)):
                    if element.tag != _ROW:
                        continue
                    number = int(element.get("r") or number + 1)
                    values: list[str] = []
                    for position, cell in enumerate(element.iter(_CELL)):
                        ref = cell.get("r")
                        index = _column_index(ref) if ref else position
                        kind = cell.get("t", "n")
                        if kind == "inlineStr":
                            inline = cell.find(_IS)
                            text = _text_of(inline) if inline is not None else ""
                        else:
                            raw = cell.findtext(_VALUE)
                            if raw is None:
                                text = ""
                            elif kind == "s":
                                text = shared[int(raw)]
                            elif kind == "n":
                                text = _number(raw)
                            elif kind == "b":
                                text = "是" if raw == "1" else "否"
                            else:  # str (formula result), e (error), d (ISO date)
                                text = raw
                        if index >= len(values):
                            values.extend([""] * (index + 1 - len(values)))
                        values[index] = text.strip()
                    element.clear()
                    yield number, values
            except (ET.ParseError, IndexError, ValueError, DefusedXmlException) as exc:
                raise UnreadableSheet(str(exc)) from exc
