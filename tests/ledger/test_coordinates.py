"""Enterprise coordinates from the ledger (经度/纬度), for check-in distances (issue 17)."""

from decimal import Decimal

import pytest

from enterprises.models import Enterprise
from qiqing.ledger import export_ledger, import_ledger
from tests.ledger.conftest import COUNTY, E1, E2

# The marker brings the conftest's reference-data restore (categories after a flush on PostgreSQL).
pytestmark = pytest.mark.django_db


def _with_coordinates(cells):
    header, rows = COUNTY["enterprises"]
    rows = [list(r) + list(cells.get(i, ("", ""))) for i, r in enumerate(rows)]
    return [*header, "经度", "纬度"], rows


def test_coordinates_are_imported_with_six_decimals(county, ledger_file):
    header, rows = _with_coordinates({0: ("120.9218304", "30.83")})
    report = import_ledger("enterprises", ledger_file(header, rows))
    assert report.ok and report.updated == 1
    e1 = Enterprise.objects.get(uscc=E1)
    assert (e1.longitude, e1.latitude) == (Decimal("120.921830"), Decimal("30.830000"))


def test_blank_coordinates_keep_what_is_there(county, ledger_file):
    Enterprise.objects.filter(uscc=E2).update(latitude=Decimal("30.8"), longitude=Decimal("120.9"))
    header, rows = _with_coordinates({})
    assert import_ledger("enterprises", ledger_file(header, rows)).ok
    assert Enterprise.objects.get(uscc=E2).latitude == Decimal("30.800000")


def test_bad_or_half_coordinates_are_refused_naming_the_cell(county, ledger_file):
    header, rows = _with_coordinates({0: ("200", "30.8"), 1: ("120.9", "")})
    report = import_ledger("enterprises", ledger_file(header, rows))
    messages = " ".join(e.reason for e in report.errors)
    assert not report.ok and "-180 到 180" in messages and "经度和纬度须同时填写" in messages
    assert Enterprise.objects.get(uscc=E1).longitude is None


def test_export_then_import_keeps_the_coordinates(county, tmp_path):
    Enterprise.objects.filter(uscc=E1).update(latitude=Decimal("30.83"), longitude=Decimal("120.92"))
    path = tmp_path / "enterprises.csv"
    export_ledger("enterprises", path, fmt="csv")
    assert "120.920000" in path.read_text(encoding="utf-8-sig")
    Enterprise.objects.filter(uscc=E1).update(latitude=None, longitude=None)
    assert import_ledger("enterprises", path).ok
    assert Enterprise.objects.get(uscc=E1).longitude == Decimal("120.920000")
