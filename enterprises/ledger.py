"""The enterprises ledger (企业台账): one row per enterprise, keyed by its USCC."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.apps import apps
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from enterprises.models import Enterprise, Town
from enterprises.validators import normalize_uscc, uscc_error
from qiqing.ledger import CellError, Choice, Column, ImportContext, LedgerKind, Row


def clean_uscc(text: str) -> str:
    """A USCC cell: trimmed, upper-cased and with a correct check character (GB 32100-2015)."""
    reason = uscc_error(text)
    if reason:
        raise CellError(reason)
    return normalize_uscc(text)


def _coordinate(text: str, limit: int) -> str:
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        raise CellError(_("应为十进制度数，如 30.830512。")) from None
    if not value.is_finite() or not -limit <= value <= limit:
        raise CellError(_("应在 -%(limit)s 到 %(limit)s 之间。") % {"limit": limit})
    return f"{value.quantize(Decimal('0.000001'), rounding=ROUND_HALF_UP):f}"


def clean_latitude(text: str) -> str:
    return _coordinate(text, 90)


def clean_longitude(text: str) -> str:
    return _coordinate(text, 180)


USCC_COLUMN = Column(
    "uscc", "统一社会信用代码", required=True, clean=clean_uscc, help=gettext_lazy("校验位须正确")
)


def town_lookup() -> dict[str, int]:
    """Town ids by the codes a ledger may use: the town's own code, or its town unit's code."""
    codes = dict(Town.objects.values_list("code", "id"))
    # Town units (镇街政府) may carry a code of their own (T101 for 西塘镇 330421102): accept both.
    # The registry, not an import: cadres builds on enterprises, never the other way round.
    Unit = apps.get_model("cadres", "Unit")
    for code, town_id in Unit.objects.filter(kind="town", town__isnull=False).values_list("code", "town_id"):
        codes.setdefault(code, town_id)
    return codes


FIELDS = ("name", "town_id", "industry", "scale", "annual_output", "employees", "address", "legal_rep")


def _field(name):
    return Enterprise._meta.get_field(name)


class EnterprisesKind(LedgerKind):
    name = "enterprises"
    title = pgettext_lazy("ledger", "企业")
    order = 30
    columns = (
        USCC_COLUMN,
        Column("name", "企业名称", required=True, max_length=_field("name").max_length),
        Column("town_code", "属地编码", required=True, help=gettext_lazy("镇街单位的单位编码（见单位台账）")),
        Column("industry", "行业", max_length=_field("industry").max_length),
        Column(
            "scale",
            "规模",
            type="choice",
            choices=(Choice("above", "规上", ("规模以上",)), Choice("below", "规下", ("规模以下",))),
            help=gettext_lazy("留空时新企业按规下，已有企业保持不变"),
        ),
        Column("annual_output", "年产值(万元)", type="decimal"),
        Column("employees", "员工数", type="int"),
        Column("address", "地址", max_length=_field("address").max_length),
        Column("legal_rep", "法定代表人", max_length=_field("legal_rep").max_length),
        Column(
            "longitude", "经度", clean=clean_longitude, help=gettext_lazy("WGS 84 十进制度，如 120.921830")
        ),
        Column("latitude", "纬度", clean=clean_latitude, help=gettext_lazy("WGS 84 十进制度，如 30.830512")),
    )
    key_columns = ("uscc",)
    notes = (
        gettext_lazy(
            "属地编码填镇街单位的编码（先导入单位台账）；标签与“在册”状态不在台账中，导入时保持不变。"
        ),
        gettext_lazy("年产值、员工数、行业、地址、法定代表人留空表示清空该项。"),
        gettext_lazy(
            "经度、纬度用于走访定位签到（离企业过远的走访标为“位置不符”）；两项须同时填写，留空表示保持不变。"
        ),
    )

    def begin(self, ctx: ImportContext) -> None:
        ctx.state["towns"] = town_lookup()

    def check(self, rows: list[Row], ctx: ImportContext) -> None:
        towns = ctx.state["towns"]
        for row in rows:
            if (row.get("longitude") is None) != (row.get("latitude") is None):
                missing = "latitude" if row.get("latitude") is None else "longitude"
                ctx.error(row, missing, _("经度和纬度须同时填写。"))
            code = row.get("town_code")
            if code is not None and code not in towns:
                ctx.error(row, "town_code", _("找不到这个属地编码：请先在单位台账中导入该镇街。"))

    def write(self, rows: list[Row], ctx: ImportContext, phase: int) -> None:
        towns = ctx.state["towns"]
        existing = Enterprise.objects.in_bulk([row.get("uscc") for row in rows], field_name="uscc")
        new, changed = [], []
        now = timezone.now()
        for row in rows:
            values = {
                "name": row.get("name"),
                "town_id": towns[row.get("town_code")],
                "industry": row.get("industry") or "",
                "scale": row.get("scale"),
                "annual_output": row.get("annual_output"),
                "employees": row.get("employees"),
                "address": row.get("address") or "",
                "legal_rep": row.get("legal_rep") or "",
            }
            if row.get("latitude") is not None:
                # Blank keeps what is there: a position an admin set from a check-in survives.
                values["latitude"] = Decimal(row.get("latitude"))
                values["longitude"] = Decimal(row.get("longitude"))
            enterprise = existing.get(row.get("uscc"))
            if enterprise is None:
                values["scale"] = values["scale"] or Enterprise.Scale.BELOW
                new.append(Enterprise(uscc=row.get("uscc"), **values))
                ctx.created += 1
                continue
            if values["scale"] is None:
                values["scale"] = enterprise.scale
            if all(getattr(enterprise, name) == value for name, value in values.items()):
                ctx.unchanged += 1
                continue
            for name, value in values.items():
                setattr(enterprise, name, value)
            enterprise.updated_at = now
            changed.append(enterprise)
            ctx.updated += 1
        Enterprise.objects.bulk_create(new)
        Enterprise.objects.bulk_update(changed, [*FIELDS, "latitude", "longitude", "updated_at"])

    def export_rows(self):
        rows = (
            Enterprise.objects.order_by("uscc")
            .values_list("uscc", "name", "town__code", *FIELDS[2:], "longitude", "latitude")
            .iterator(chunk_size=2000)
        )
        for uscc, name, town_code, industry, scale, output, employees, address, legal_rep, lon, lat in rows:
            yield {
                "uscc": uscc,
                "name": name,
                "town_code": town_code,
                "industry": industry,
                "scale": scale,
                "annual_output": output,
                "employees": employees,
                "address": address,
                "legal_rep": legal_rep,
                "longitude": None if lon is None else f"{lon:f}",
                "latitude": None if lat is None else f"{lat:f}",
            }


KINDS = [EnterprisesKind()]
