"""The request personas (``tests/requests_tracker/conftest.py``) plus a dispatch catalogue."""

import pytest

from tests import factories as f
from tests.requests_tracker.conftest import Cast, build_request, cast  # noqa: F401, F811


@pytest.fixture
def rule(cast):  # noqa: F811
    """招工用工 → 县人力社保局 leads, 县教育局 assists, 8 working days."""
    from requests_tracker.models import DispatchRule

    entry = DispatchRule.objects.create(category=cast.category, lead_unit=cast.lead_unit, time_limit_days=8)
    entry.assist_units.set([cast.assist_unit])
    return entry


@pytest.fixture
def other_enterprise(cast):  # noqa: F811
    """A second enterprise of the same town with its own contact (a duplicate's author)."""
    enterprise = f.EnterpriseFactory(town=cast.town, name="西塘纺织有限公司")
    contact = f.ContactFactory(
        user__username="t_contact2", user__email="contact2@example.cn", enterprise=enterprise
    )
    return enterprise, contact.user
