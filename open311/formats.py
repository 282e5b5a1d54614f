"""Open311 answers in XML (required by the standard) and JSON (its Spark mapping).

Both come from the same Python structure: a list of dicts (or one dict for a
service definition). In JSON an empty value is ``null``; in XML an empty element.
"""

from __future__ import annotations

import json
from xml.etree import ElementTree as ET  # noqa: S405 — only builds XML, never parses

from django.http import HttpResponse

# Containers and the element each of their items is wrapped in.
CHILD = {
    "services": "service",
    "service_requests": "request",
    "errors": "error",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
}

XML_TYPE = "text/xml; charset=utf-8"
JSON_TYPE = "application/json; charset=utf-8"


def _text(value) -> str | None:
    if value is None:
        return None
    if value is True:
        return "true"
    if value is False:
        return "false"
    return str(value)


def _fill(element, value) -> None:
    if isinstance(value, dict):
        for key, child in value.items():
            _fill(ET.SubElement(element, key), child)
    elif isinstance(value, list | tuple):
        child_tag = CHILD.get(element.tag, "item")
        for item in value:
            _fill(ET.SubElement(element, child_tag), item)
    else:
        element.text = _text(value)


def to_xml(root: str, data) -> bytes:
    element = ET.Element(root)
    _fill(element, data)
    body = ET.tostring(element, encoding="unicode")
    return ('<?xml version="1.0" encoding="utf-8"?>\n' + body).encode()


def _json_ready(value):
    if isinstance(value, dict):
        return {k: _json_ready(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_ready(v) for v in value]
    if value == "":
        return None
    if isinstance(value, bool | int | float) or value is None:
        return value
    return str(value)


def render(fmt: str, root: str, data, status: int = 200) -> HttpResponse:
    if fmt == "json":
        return HttpResponse(
            json.dumps(_json_ready(data), ensure_ascii=False), status=status, content_type=JSON_TYPE
        )
    return HttpResponse(to_xml(root, data), status=status, content_type=XML_TYPE)


def errors(fmt: str, status: int, *problems: tuple[int | str, str]) -> HttpResponse:
    """The standard's error list: [{code, description}, …] / <errors><error>…."""
    data = [{"code": code, "description": str(description)} for code, description in problems]
    return render(fmt, "errors", data, status=status)
