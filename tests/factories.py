"""factory_boy factories for every model; codes and USCCs are valid and unique by sequence."""

import datetime as dt

import factory
from django.contrib.auth import get_user_model
from django.utils import timezone

from analytics.models import Snapshot
from cadres.models import Assignment, Cadre, Level, StaffRole, Unit
from enterprises.models import Enterprise, EnterpriseContact, Tag, Town
from enterprises.validators import build_uscc
from requests_tracker.models import Category, Request, RequestEvent
from visits.models import Visit


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"用户{n}")
    password = factory.django.Password("Test-password-2026")


class TownFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Town

    code = factory.Sequence(lambda n: f"3304219{n:02d}")
    name = factory.Sequence(lambda n: f"测试{n}镇")
    order = factory.Sequence(lambda n: n)


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag
        django_get_or_create = ("name",)

    name = factory.Sequence(lambda n: f"标签{n}")


class UnitFactory(factory.django.DjangoModelFactory):
    """A county department by default; pass kind/level/town for a town unit."""

    class Meta:
        model = Unit

    code = factory.Sequence(lambda n: f"U{n:03d}")
    name = factory.Sequence(lambda n: f"测试局{n}")
    kind = Unit.Kind.DEPARTMENT
    level = Level.COUNTY


class TownUnitFactory(UnitFactory):
    kind = Unit.Kind.TOWN
    level = Level.TOWN
    town = factory.SubFactory(TownFactory)
    name = factory.LazyAttribute(lambda o: f"{o.town.name}人民政府")


class EnterpriseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Enterprise

    uscc = factory.Sequence(lambda n: build_uscc("330421", f"T{n:07d}"))
    name = factory.Sequence(lambda n: f"嘉善测试{n}号机械有限公司")
    town = factory.SubFactory(TownFactory)
    industry = "装备制造"
    scale = Enterprise.Scale.BELOW
    employees = 100


class CadreFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Cadre

    code = factory.Sequence(lambda n: f"C{n:05d}")
    name = factory.Sequence(lambda n: f"干部{n}")
    unit = factory.SubFactory(UnitFactory)
    level = factory.LazyAttribute(lambda o: o.unit.level)
    phone = "13800000000"


class AssignmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assignment

    cadre = factory.SubFactory(CadreFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    start = factory.LazyFunction(lambda: timezone.localdate() - dt.timedelta(days=365))


class StaffRoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = StaffRole

    user = factory.SubFactory(UserFactory)
    role = StaffRole.Role.SUPERVISOR


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = EnterpriseContact

    user = factory.SubFactory(UserFactory)
    enterprise = factory.SubFactory(EnterpriseFactory)
    name = factory.Sequence(lambda n: f"联络人{n}")
    title = "工会主席"


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name",)

    name = "招工用工"
    time_limit_days = 10


class VisitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Visit

    enterprise = factory.SubFactory(EnterpriseFactory)
    cadre = factory.SubFactory(CadreFactory)
    date = factory.LazyFunction(timezone.localdate)
    mode = Visit.Mode.ONSITE
    summary = "了解企业生产经营情况。"


class RequestFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Request

    ref = factory.Sequence(lambda n: f"T{n:08d}")
    enterprise = factory.SubFactory(EnterpriseFactory)
    source = Request.Source.ONLINE
    category = factory.SubFactory(CategoryFactory)
    description = "春节后普工缺口 20 人，希望协助招工。"
    satisfaction = ""
    rated_at = None
    # The latest verdict follows the current one unless a test sets it (a reopened request).
    last_rating = factory.LazyAttribute(lambda o: o.satisfaction)
    last_rated_at = factory.LazyAttribute(lambda o: o.rated_at)


class RequestEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RequestEvent

    request = factory.SubFactory(RequestFactory)
    action = RequestEvent.Action.SUBMIT
    to_status = Request.Status.SUBMITTED


class SnapshotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Snapshot

    period = Snapshot.Period.MONTH
    period_start = dt.date(2026, 1, 1)
    period_end = dt.date(2026, 1, 31)
    scope = Snapshot.Scope.COUNTY
