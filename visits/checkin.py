"""Check-in (定位签到): the phone's position when a visit was logged, and its distance to the enterprise."""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from qiqing import programme

EARTH_RADIUS_M = 6_371_008.8  # mean radius (IUGG)
SIX_PLACES = Decimal("0.000001")


@dataclass(frozen=True)
class Position:
    latitude: Decimal
    longitude: Decimal
    accuracy: int  # metres, as the phone reports it (radius of 68 % confidence)


def clean_position(latitude, longitude, accuracy) -> Position | None:
    """A position from the three posted values (all or none); refuses impossible or useless ones."""
    values = (latitude, longitude, accuracy)
    if all(v in (None, "") for v in values):
        return None
    if any(v in (None, "") for v in values):
        raise ValidationError(
            {"checkin": _("签到位置不完整（缺经度、纬度或精度），请重新定位或不签到提交。")}
        )
    try:
        latitude = Decimal(str(latitude)).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
        longitude = Decimal(str(longitude)).quantize(SIX_PLACES, rounding=ROUND_HALF_UP)
        accuracy = Decimal(str(accuracy))
    except (InvalidOperation, ValueError):
        raise ValidationError({"checkin": _("签到位置须为数字，请重新定位。")}) from None
    if not (latitude.is_finite() and longitude.is_finite() and accuracy.is_finite()):
        raise ValidationError({"checkin": _("签到位置须为数字，请重新定位。")})
    if not (-90 <= latitude <= 90) or not (-180 <= longitude <= 180):
        raise ValidationError({"checkin": _("签到位置的经纬度超出范围，请重新定位。")})
    limit = programme.value("checkin_max_accuracy_m")
    if accuracy <= 0 or accuracy > limit:
        raise ValidationError(
            {
                "checkin": _(
                    "签到定位精度为 %(accuracy)s 米，不在 1—%(limit)s 米之内，不能用于签到。"
                    "请到开阔处打开卫星定位后重新定位，或不签到提交。"
                )
                % {"accuracy": f"{accuracy:.0f}", "limit": limit}
            }
        )
    return Position(
        latitude=latitude, longitude=longitude, accuracy=max(1, int(accuracy.to_integral_value()))
    )


def distance_m(lat1, lon1, lat2, lon2) -> int:
    """Great-circle distance in whole metres (haversine; plenty for a few hundred metres)."""
    phi1, phi2 = math.radians(float(lat1)), math.radians(float(lat2))
    dphi = phi2 - phi1
    dlambda = math.radians(float(lon2) - float(lon1))
    a = math.sin(dphi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(dlambda / 2) ** 2
    return round(2 * EARTH_RADIUS_M * math.asin(math.sqrt(a)))


def place(visit, position: Position | None, enterprise) -> None:
    """Put the check-in on the visit (unsaved) and mark it when it is too far from the enterprise."""
    if position is None:
        return
    visit.checkin_latitude = position.latitude
    visit.checkin_longitude = position.longitude
    visit.checkin_accuracy = position.accuracy
    if enterprise.latitude is None or enterprise.longitude is None:
        return
    visit.checkin_distance = distance_m(
        position.latitude, position.longitude, enterprise.latitude, enterprise.longitude
    )
    visit.location_mismatch = visit.checkin_distance > programme.value("checkin_distance_m")
