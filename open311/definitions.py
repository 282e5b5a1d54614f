"""Open311 service definitions: the extra questions some categories ask.

This is data, kept here rather than on ``hotline.Category`` because only Open311
needs it. A definition applies to every category whose code is in ``codes`` (the
catalogue may call the drain "drain" or "sewer"). To add questions to a category,
add an entry; ``metadata`` becomes true for it in services.xml automatically.

A definition may also make a service ``batch``: its submissions are answered with a
token and filed by the background worker (useful for a bulk feed from a 12345
platform that must not wait on the hotline's database).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

STRING, NUMBER, DATETIME, TEXT = "string", "number", "datetime", "text"
SINGLE, MULTI = "singlevaluelist", "multivaluelist"
DATATYPES = (STRING, NUMBER, DATETIME, TEXT, SINGLE, MULTI)


@dataclass(frozen=True)
class Attribute:
    code: str
    datatype: str
    description: str
    required: bool = False
    variable: bool = True
    datatype_description: str = ""
    values: tuple[tuple[str, str], ...] = ()  # (key, name)
    # An answer with this key makes the order urgent (sewage in a home cannot wait).
    urgent_if: str = ""

    def value_name(self, key: str) -> str:
        return str(dict(self.values).get(key, key))


@dataclass(frozen=True)
class Definition:
    codes: tuple[str, ...]
    attributes: tuple[Attribute, ...] = ()
    keywords: tuple[str, ...] = ()
    service_notice: str = ""
    type: str = "realtime"
    extra: dict = field(default_factory=dict)


YES_NO = (("yes", _("Yes")), ("no", _("No")))

DEFINITIONS: list[Definition] = [
    Definition(
        codes=("drain", "sewer", "drain_blockage", "sewer_blockage", "drain-blockage"),
        keywords=("下水道", "污水", "堵塞", "sewer", "drain"),
        service_notice=_(
            "Sewage in a home or shop is handled as urgent; the grid worker will come."
        ),
        attributes=(
            Attribute(
                code="sewage_backing_up",
                datatype=SINGLE,
                required=True,
                description=_("Is sewage backing up into a home or shop?"),
                values=YES_NO,
                urgent_if="yes",
            ),
            Attribute(
                code="where",
                datatype=SINGLE,
                description=_("Where is the blockage?"),
                values=(
                    ("main", _("Main sewer in the lane")),
                    ("yard", _("Courtyard or building drain")),
                    ("inside", _("Inside a home")),
                ),
            ),
        ),
    ),
    Definition(
        codes=("roof_leak", "roof-leak", "leak"),
        keywords=("屋顶", "漏水", "roof", "leak"),
        attributes=(
            Attribute(
                code="dripping_now",
                datatype=SINGLE,
                required=True,
                description=_("Is water coming through the ceiling now?"),
                values=YES_NO,
            ),
            Attribute(
                code="floor",
                datatype=NUMBER,
                description=_("Which floor is affected?"),
                datatype_description=_("A whole number, e.g. 6"),
            ),
        ),
    ),
    Definition(
        codes=("streetlight", "street_light", "lighting"),
        keywords=("路灯", "照明", "streetlight"),
        attributes=(
            Attribute(
                code="lights_out",
                datatype=NUMBER,
                description=_("How many lights are out?"),
                datatype_description=_("A whole number, e.g. 2"),
            ),
        ),
    ),
]


def definition_for(code: str) -> Definition | None:
    for definition in DEFINITIONS:
        if code in definition.codes:
            return definition
    return None
