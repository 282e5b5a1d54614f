"""The insights app's one action with a trace: exporting a list of orders.

Everything else here only reads. An export is a copy of personal data leaving the
system, so it is checked, masked for the viewer (``insights.access``) and written to
the audit log as ``orders.export`` with the filters and the number of rows.
"""

from __future__ import annotations

import io

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts import audit
from accounts.permissions import require_role
from hotline.models import Order, OrderContact
from insights.access import LIST_ROLES, Reach, mask_name, name_communities
from linli.lib.errors import NotFound, ServiceError

MAX_EXPORT_ROWS = 50_000
CHUNK = 500

RELATED = (
    "category",
    "community",
    "grid",
    "compound",
    "assignee_user",
    "assignee_volunteer",
    "assignee_provider",
    "assignee_unit",
)


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else ""


def export_orders(*, acting_user, filters, facts) -> tuple[bytes, str]:
    """An .xlsx of the orders behind ``facts`` (the orders list's query), newest first.

    Phone numbers are always masked; callers' names are shown only where the user's
    grant is over the community itself, masked (王**) elsewhere.
    """
    require_role(acting_user, *LIST_ROLES)
    reach = Reach(acting_user, LIST_ROLES)
    wanted = filters.community_ids
    if (
        reach.is_empty
        or (wanted is not None and not all(reach.covers(c) for c in wanted))
        or (wanted is None and not reach.everything)
    ):
        raise NotFound(_("This place does not exist or is outside your area."))

    ids = list(
        facts.order_by("-day", "-order_id").values_list("order_id", flat=True)[
            : MAX_EXPORT_ROWS + 1
        ]
    )
    if len(ids) > MAX_EXPORT_ROWS:
        raise ServiceError(
            _(
                "More than %(limit)d orders match; narrow the filters (a shorter period, one "
                "grid) and export again."
            )
            % {"limit": MAX_EXPORT_ROWS}
        )
    names_for = name_communities(acting_user)

    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet(pgettext("spreadsheet", "Orders"))
    sheet.append(
        [
            _("Number"),
            _("Received at"),
            _("Category"),
            _("Urgency"),
            _("Community"),
            _("Grid"),
            _("Compound"),
            _("Location"),
            _("What happened"),
            _("State"),
            _("Assigned to"),
            _("Accepted at"),
            _("Resolved at"),
            _("What was done"),
            _("Call-back result"),
            _("Times reopened"),
            _("Under supervision"),
            _("Caller"),
            _("Caller's phone"),
        ]
    )
    states = dict(Order.State.choices)
    urgencies = dict(Order._meta.get_field("urgency").choices)
    results = dict(Order.Satisfaction.choices)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        orders = Order.objects.select_related(*RELATED).in_bulk(chunk)
        first_contact: dict[int, OrderContact] = {}
        for contact in OrderContact.objects.filter(order_id__in=chunk).order_by(
            "order_id", "attached_at", "id"
        ):
            first_contact.setdefault(contact.order_id, contact)
        for pk in chunk:
            order = orders.get(pk)
            if order is None:
                continue
            contact = first_contact.get(pk)
            name = contact.name if contact else ""
            if names_for is not None and order.community_id not in names_for:
                name = mask_name(name)
            sheet.append(
                [
                    order.number,
                    _local(order.created_at),
                    str(order.category),
                    str(urgencies.get(order.urgency, order.urgency)),
                    str(order.community),
                    str(order.grid or ""),
                    str(order.compound or ""),
                    order.location_text or str(order.compound or ""),
                    order.description[:1000],
                    str(states.get(order.state, order.state)),
                    order.assignee_label,
                    _local(order.accepted_at),
                    _local(order.resolved_at),
                    order.resolution[:1000],
                    str(results.get(order.satisfaction, "")),
                    order.reopen_count,
                    _("yes") if order.is_supervised else "",
                    name,
                    # Only the masked form is ever read here: the full number stays
                    # encrypted in the hotline's tables.
                    contact.phone_masked if contact else "",
                ]
            )
    buffer = io.BytesIO()
    book.save(buffer)

    community_ids = sorted(wanted) if wanted is not None else []
    with transaction.atomic():
        audit.record(
            acting_user,
            "orders.export",
            object_type="hotline.order",
            object_repr=_("%(count)d orders") % {"count": len(ids)},
            community_id=community_ids[0] if len(community_ids) == 1 else None,
            after={
                "filters": filters.params(),
                "rows": len(ids),
                "names": "full" if names_for is None else "by community",
                "communities": community_ids,
            },
            note=_("Exported %(count)d orders to a spreadsheet.") % {"count": len(ids)},
        )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return buffer.getvalue(), f"orders-{stamp}.xlsx"
