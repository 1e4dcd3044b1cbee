"""The one implementation of the programme's metrics (DESIGN.md §5).

Dashboards, exports, snapshots, rankings, the cadre record and ``manage.py metrics`` all call
this module; nothing else counts visits or requests for a metric. Everything is computed with
database aggregates (``COUNT`` with ``GROUP BY``), never by loading fact rows into Python, and one
call computes a metric for *every* key of a scope kind at once (``compute_grouped``): the
single-scope ``compute`` is the same queries restricted to one key, so a snapshot row and a
figure computed on demand cannot disagree.

Period P
    Whole local days ``[start, end]`` in Asia/Shanghai (``analytics.periods.Period``). A timestamp
    belongs to P when ``start 00:00 <= t < (end + 1 day) 00:00`` local time — 23:30 on the last
    day is inside P, 00:10 on the next day is not. "The end of P" is that exclusive instant.

Scopes S (kind + key) — which rows belong to a scope
    county   key "": every enterprise, every visit, every request.
    town     key Town.code: enterprises whose 属地 is the town; visits to them; requests of them.
    industry key Enterprise.industry: the same, by the enterprise's industry.
    unit     key Unit.code: enterprises paired (Assignment) during P with a cadre of the unit;
             visits made or joined (同行) by a cadre of the unit; requests the unit leads (牵头单位).
    cadre    key Cadre.code: enterprises paired with the cadre during P; visits the cadre made or
             joined; requests the cadre raised (Request.cadre).
    "Paired during P": the assignment starts on or before the end of P and has no end or ends on
    or after the start of P. A cadre's unit is their current unit (units have no history).
    Scope kinds overlap by design: the towns partition the county, the industries too, but a
    visit joined by cadres of two units counts for both units.

Enterprise and visit metrics
    enterprises_active   active (在册) enterprises in S. ``Enterprise.active`` has no history, so
                         a past period uses today's flag.
    enterprises_visited  of those, the ones with at least one visit dated in P — by any cadre
                         (coverage is about the enterprise being served; who served it shows in
                         ``visits``).
    coverage_rate        enterprises_visited ÷ enterprises_active.
    visits               visits in S dated in P (a visit made by one of S's cadres and joined by
                         another counts once).

Request metrics — the cohort is the requests of S *received in P* (``submitted_at`` in P),
their state evaluated as of the end of P from the timestamps on the request:
    requests             received in P. An optional category filter restricts every request
                         metric (never the visit metrics).
    closed               received in P, status closed (已办结) with ``closed_at`` before the end of P.
    closure_rate         closed ÷ requests.
    closed_on_time       closed requests whose (last) response came on or before the response
                         deadline, comparing the local date of ``responded_at`` with
                         ``response_due`` (the deadline as it stands, after any approved
                         extension or a reopening's fresh deadline). No deadline: not on time.
    on_time_rate         closed_on_time ÷ closed.
    assigned             received in P and assigned (交办) before the end of P.
    assigned_responded   of those, answered (``responded_at``) before the end of P.
    feedback_rate        assigned_responded ÷ assigned.
    rated                received in P whose latest rating (``last_rating``: a 不满意 that
                         reopened the request still counts until the enterprise rates again)
                         was given before the end of P (a rating without a time counts).
    satisfied            latest rating 满意 or 基本满意.
    satisfaction_rate    satisfied ÷ rated.
    reopened             received in P and reopened at least once (``reopen_count`` > 0, as now).
    category_counts      requests received in P per category name; issue share of c =
                         category_counts[c] ÷ requests.

Overdue (超期件) — a stock, not a flow: requests of S (received at any time) open past their
response deadline as of day D = min(today, end of P).
    D is today: ``Request.objects.overdue(today)`` — status with a running clock (assigned, in
    progress, escalated, reopened) and ``response_due`` before today; the lifecycle's own rule.
    D is in the past: reconstructed — assigned before the end of D, ``response_due`` before D, and
    not answered by the end of D (no ``responded_at`` or a later one); rejected requests never
    count. The current deadline is used, so an extension granted after D is not undone.

Rates are exact ``Decimal`` percentages with two places, computed from the counts with integer
arithmetic and ROUND_HALF_UP (1782 of 1801 → 98.95); a zero denominator gives ``None``, shown
"—", never 0.00.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, fields
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q
from django.utils import timezone

from analytics.periods import Period, local_midnight
from cadres.models import Assignment, Cadre, Unit
from enterprises.models import Enterprise, Town
from requests_tracker.models import Category, Request
from visits.models import Visit

COUNTY, TOWN, UNIT, CADRE, INDUSTRY = "county", "town", "unit", "cadre", "industry"
SCOPE_KINDS = (COUNTY, TOWN, UNIT, CADRE, INDUSTRY)
SCOPE_LABELS = {COUNTY: "全县", TOWN: "镇街", UNIT: "单位", CADRE: "干部", INDUSTRY: "行业"}

SATISFIED_VALUES = (Request.Satisfaction.SATISFIED, Request.Satisfaction.BASIC)


def rate(numerator: int, denominator: int) -> Decimal | None:
    """numerator ÷ denominator as a percentage with two places, ROUND_HALF_UP; None when undefined."""
    if not denominator:
        return None
    # Exact integer rounding: hundredths of a percent = floor(n·10000/d + ½).
    hundredths = (2 * numerator * 10000 + denominator) // (2 * denominator)
    return Decimal(hundredths).scaleb(-2)


def rate_str(value: Decimal | None) -> str | None:
    return None if value is None else f"{value:.2f}"


@dataclass(frozen=True)
class Scope:
    """A slice of the county the metrics are computed for."""

    kind: str = COUNTY
    key: str = ""

    def __post_init__(self):
        if self.kind not in SCOPE_KINDS:
            raise ValueError(f"unknown scope kind {self.kind!r}")


COUNTY_SCOPE = Scope()


@dataclass(frozen=True, eq=True)
class Metrics:
    """The counts of one period and scope; every rate is derived from them."""

    enterprises_active: int = 0
    enterprises_visited: int = 0
    visits: int = 0
    requests: int = 0
    closed: int = 0
    closed_on_time: int = 0
    assigned: int = 0
    assigned_responded: int = 0
    rated: int = 0
    satisfied: int = 0
    overdue: int = 0
    reopened: int = 0
    # Category name → requests received in P; categories with none are left out.
    category_counts: dict = field(default_factory=dict, hash=False)

    @property
    def coverage_rate(self) -> Decimal | None:
        return rate(self.enterprises_visited, self.enterprises_active)

    @property
    def closure_rate(self) -> Decimal | None:
        return rate(self.closed, self.requests)

    @property
    def on_time_rate(self) -> Decimal | None:
        return rate(self.closed_on_time, self.closed)

    @property
    def feedback_rate(self) -> Decimal | None:
        return rate(self.assigned_responded, self.assigned)

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return rate(self.satisfied, self.rated)

    def issue_share(self, categories: Iterable[str] | None = None) -> dict[str, Decimal | None]:
        """Category → share of requests; ``categories`` lists every name to show (zeros included)."""
        names = list(categories) if categories is not None else sorted(self.category_counts)
        for name in self.category_counts:
            if name not in names:
                names.append(name)
        return {name: rate(self.category_counts.get(name, 0), self.requests) for name in names}

    def as_json(self, categories: Iterable[str] | None = None) -> dict:
        """Counts as integers, rates as "98.95" strings or None (the ``metrics --json`` shape)."""
        data = {name: getattr(self, name) for name in COUNT_FIELDS}
        for name in RATE_FIELDS:
            data[name] = rate_str(getattr(self, name))
        data["category_counts"] = dict(self.category_counts)
        data["issue_share"] = {k: rate_str(v) for k, v in self.issue_share(categories).items()}
        return data

    @classmethod
    def from_snapshot(cls, snapshot) -> Metrics:
        """The same object read back from a stored ``analytics.Snapshot`` row."""
        values = {name: getattr(snapshot, name) for name in COUNT_FIELDS}
        return cls(**values, category_counts=dict(snapshot.category_counts or {}))


COUNT_FIELDS = tuple(f.name for f in fields(Metrics) if f.name != "category_counts")
RATE_FIELDS = ("coverage_rate", "closure_rate", "on_time_rate", "feedback_rate", "satisfaction_rate")


# --- scope kinds: how each one maps rows to keys ------------------------------------------------


@dataclass(frozen=True)
class _KindSpec:
    # Path grouping enterprises (county/town/industry) or assignments (unit/cadre).
    enterprise_key: str | None
    assignment_key: str | None
    # Visits: the maker's path, and for unit/cadre the participant's path on the M2M through row.
    visit_key: str | None
    participant_key: str | None
    request_key: str | None


_SPECS = {
    COUNTY: _KindSpec(None, None, None, None, None),
    TOWN: _KindSpec("town_id", None, "enterprise__town_id", None, "enterprise__town_id"),
    INDUSTRY: _KindSpec("industry", None, "enterprise__industry", None, "enterprise__industry"),
    UNIT: _KindSpec(None, "cadre__unit_id", "cadre__unit_id", "cadre__unit_id", "lead_unit_id"),
    CADRE: _KindSpec(None, "cadre_id", "cadre_id", "cadre_id", "cadre_id"),
}
_KEY_MODELS = {TOWN: Town, UNIT: Unit, CADRE: Cadre}


class UnknownScope(LookupError):
    """A scope key (code or industry name) that names nothing."""


class KeyMap:
    """Database ids ↔ scope keys (codes) for one scope kind; identity for county and industry."""

    def __init__(self, kind: str, codes: Iterable[str] | None = None):
        self.kind = kind
        self.to_key: dict = {}
        self.to_id: dict = {}
        model = _KEY_MODELS.get(kind)
        if model is None:
            return
        queryset = model.objects.order_by()
        if codes is not None:
            queryset = queryset.filter(code__in=list(codes))
        for pk, code in queryset.values_list("pk", "code"):
            self.to_key[pk] = code
            self.to_id[code] = pk

    @classmethod
    def from_objects(cls, kind: str, objects: Iterable) -> KeyMap:
        """A key map for rows already loaded (a page of cadres), saving the lookup query."""
        key_map = cls.__new__(cls)
        key_map.kind = kind
        key_map.to_key = {obj.pk: obj.code for obj in objects}
        key_map.to_id = {code: pk for pk, code in key_map.to_key.items()}
        return key_map

    def ids(self, keys: Iterable[str]) -> list:
        if self.kind not in _KEY_MODELS:
            return list(keys)
        missing = [key for key in keys if key not in self.to_id]
        if missing:
            raise UnknownScope(f"{SCOPE_LABELS[self.kind]}编码不存在：{', '.join(missing)}")
        return [self.to_id[key] for key in keys]

    def key(self, raw) -> str:
        if self.kind == COUNTY:
            return ""
        if self.kind == INDUSTRY:
            return raw or ""
        return self.to_key[raw]


def baseline_keys(kind: str) -> list[str]:
    """Keys that get a snapshot row even without activity: every town, active unit, active
    cadre and industry in use, so a quiet scope reads 0 rather than missing."""
    if kind == COUNTY:
        return [""]
    if kind == TOWN:
        return list(Town.objects.order_by().values_list("code", flat=True))
    if kind == UNIT:
        return list(Unit.objects.filter(active=True).order_by().values_list("code", flat=True))
    if kind == CADRE:
        return list(Cadre.objects.filter(active=True).order_by().values_list("code", flat=True))
    return list(Enterprise.objects.order_by().values_list("industry", flat=True).distinct())


# --- the computation -----------------------------------------------------------------------------


def _grouped(queryset, key_path: str | None, **aggregates) -> dict:
    """One aggregate query: {raw key: {name: value}}; county (no key path) → {None: {...}}."""
    if key_path is None:
        return {None: queryset.aggregate(**aggregates)}
    rows = queryset.order_by().values(key_path).annotate(**aggregates)
    return {row.pop(key_path): row for row in rows}


def _restrict(queryset, key_path: str | None, ids: list | None):
    if ids is None or key_path is None:
        return queryset
    return queryset.filter(**{f"{key_path}__in": ids})


def _paired_during(period: Period) -> Q:
    return Q(start__lte=period.end) & (Q(end__isnull=True) | Q(end__gte=period.start))


def _enterprise_counts(period: Period, spec: _KindSpec, ids) -> dict:
    """{raw key: {"enterprises_active", "enterprises_visited", "visits"}}."""
    out: dict = defaultdict(dict)
    visited_in_p = Visit.objects.filter(
        enterprise=OuterRef("enterprise"), date__range=(period.start, period.end)
    )
    if spec.assignment_key is None:
        # county / town / industry: the enterprise's own columns decide membership.
        actives = _restrict(Enterprise.objects.filter(active=True), spec.enterprise_key, ids)
        for key, row in _grouped(actives, spec.enterprise_key, n=Count("pk")).items():
            out[key]["enterprises_active"] = row["n"]
        visits = _restrict(Visit.objects.filter(date__range=(period.start, period.end)), spec.visit_key, ids)
        for key, row in _grouped(
            visits,
            spec.visit_key,
            visits=Count("pk"),
            visited=Count("enterprise", distinct=True, filter=Q(enterprise__active=True)),
        ).items():
            out[key]["visits"] = row["visits"]
            out[key]["enterprises_visited"] = row["visited"]
        return out

    # unit / cadre: membership comes from pairings in force during P.
    pairs = _restrict(
        Assignment.objects.filter(_paired_during(period), enterprise__active=True), spec.assignment_key, ids
    )
    for key, row in _grouped(pairs, spec.assignment_key, n=Count("enterprise", distinct=True)).items():
        out[key]["enterprises_active"] = row["n"]
    visited = pairs.filter(Exists(visited_in_p))
    for key, row in _grouped(visited, spec.assignment_key, n=Count("enterprise", distinct=True)).items():
        out[key]["enterprises_visited"] = row["n"]
    # Visits made by the scope's cadres, plus those joined by them and made by someone outside
    # the scope: disjoint sets, so the sum counts each visit once.
    made = _restrict(Visit.objects.filter(date__range=(period.start, period.end)), spec.visit_key, ids)
    for key, row in _grouped(made, spec.visit_key, n=Count("pk")).items():
        out[key]["visits"] = row["n"]
    through = Visit.participants.through
    joined = _restrict(
        through.objects.filter(visit__date__range=(period.start, period.end)).exclude(
            **{f"visit__{spec.visit_key}": F(spec.participant_key)}
        ),
        spec.participant_key,
        ids,
    )
    for key, row in _grouped(joined, spec.participant_key, n=Count("visit", distinct=True)).items():
        out[key]["visits"] = out[key].get("visits", 0) + row["n"]
    return out


def overdue_queryset(period: Period, today: dt.date | None = None):
    """Requests (of any scope) overdue as of min(today, end of P) — see the module docstring."""
    today = today or timezone.localdate()
    as_of = min(today, period.end)
    if as_of >= today:
        return Request.objects.overdue(today)
    end_of_day = local_midnight(as_of + dt.timedelta(days=1))
    return (
        Request.objects.filter(assigned_at__lt=end_of_day, response_due__lt=as_of)
        .filter(Q(responded_at__isnull=True) | Q(responded_at__gte=end_of_day))
        .exclude(status=Request.Status.REJECTED)
    )


def _request_counts(period: Period, spec: _KindSpec, ids, category_id, today) -> tuple[dict, dict]:
    """({raw key: {count name: n}}, {raw key: {category name: n}}).

    One scan of the period's requests grouped by key *and* category: the per-key totals are the
    sums of at most (keys × categories) aggregate rows, so the category split costs no second scan.
    """
    end_at = period.end_at
    received = Request.objects.filter(submitted_at__gte=period.start_at, submitted_at__lt=end_at)
    overdue = overdue_queryset(period, today)
    if category_id is not None:
        received = received.filter(category_id=category_id)
        overdue = overdue.filter(category_id=category_id)
    received = _restrict(received, spec.request_key, ids)
    closed = Q(status=Request.Status.CLOSED, closed_at__lt=end_at)
    rated = ~Q(last_rating="") & (Q(last_rated_at__isnull=True) | Q(last_rated_at__lt=end_at))
    assigned = Q(assigned_at__lt=end_at)
    key_fields = [spec.request_key] if spec.request_key else []
    rows = (
        received.order_by()
        .values(*key_fields, "category_id")
        .annotate(
            requests=Count("pk"),
            closed=Count("pk", filter=closed),
            closed_on_time=Count("pk", filter=closed & Q(responded_at__date__lte=F("response_due"))),
            assigned=Count("pk", filter=assigned),
            assigned_responded=Count("pk", filter=assigned & Q(responded_at__lt=end_at)),
            rated=Count("pk", filter=rated),
            satisfied=Count("pk", filter=rated & Q(last_rating__in=SATISFIED_VALUES)),
            reopened=Count("pk", filter=Q(reopen_count__gt=0)),
        )
    )
    names = dict(Category.objects.values_list("pk", "name"))
    counts: dict = defaultdict(lambda: defaultdict(int))
    by_category: dict = defaultdict(dict)
    for row in rows:
        key = row.pop(spec.request_key) if spec.request_key else None
        by_category[key][names[row.pop("category_id")]] = row["requests"]
        for name, value in row.items():
            counts[key][name] += value
    for key, row in _grouped(
        _restrict(overdue, spec.request_key, ids), spec.request_key, n=Count("pk")
    ).items():
        counts[key]["overdue"] = row["n"]
    return counts, by_category


def compute_grouped(
    period: Period,
    kind: str,
    *,
    keys: Iterable[str] | None = None,
    category: str | Category | None = None,
    today: dt.date | None = None,
    key_map: KeyMap | None = None,
    with_baseline: bool = False,
) -> dict[str, Metrics]:
    """Metrics for every key of ``kind`` with any activity in P (or only ``keys``), in a fixed
    handful of GROUP BY queries whatever the number of keys.

    ``with_baseline`` adds a zero row for every key that should always be reported
    (``baseline_keys``); ``keys`` given → exactly those keys are returned.
    """
    spec = _SPECS[kind]
    wanted = None if keys is None else list(dict.fromkeys(keys))
    if key_map is None:
        key_map = KeyMap(kind, wanted)
    ids = None
    if wanted is not None:
        if kind == COUNTY:
            wanted = [""]
        ids = key_map.ids(wanted)
    category_id = _category_id(category)
    today = today or timezone.localdate()

    by_key: dict = defaultdict(dict)
    for raw, values in _enterprise_counts(period, spec, ids).items():
        by_key[raw].update(values)
    counts, by_category = _request_counts(period, spec, ids, category_id, today)
    for raw, values in counts.items():
        by_key[raw].update(values)

    result: dict[str, Metrics] = {}
    for raw, values in by_key.items():
        if raw is None and kind != COUNTY:
            continue  # e.g. a request no unit leads yet: in no unit's scope
        key = key_map.key(raw)
        result[key] = Metrics(
            **{name: values.get(name) or 0 for name in COUNT_FIELDS},
            category_counts={k: v for k, v in by_category.get(raw, {}).items() if v},
        )
    if wanted is not None:
        return {key: result.get(key, Metrics()) for key in wanted}
    if with_baseline:
        for key in baseline_keys(kind):
            result.setdefault(key, Metrics())
    return result


def compute(
    period: Period,
    scope: Scope = COUNTY_SCOPE,
    *,
    category: str | Category | None = None,
    today: dt.date | None = None,
) -> Metrics:
    """Metrics for one period and one scope: ``compute_grouped`` restricted to that key."""
    key = scope.key if scope.kind != COUNTY else ""
    return compute_grouped(period, scope.kind, keys=[key], category=category, today=today)[key]


def _category_id(category) -> int | None:
    if category is None or category == "":
        return None
    if isinstance(category, Category):
        return category.pk
    pk = Category.objects.filter(name=category).values_list("pk", flat=True).first()
    if pk is None:
        raise UnknownScope(f"问题类别不存在：{category}")
    return pk


def category_names() -> list[str]:
    """Every category name in display order (for issue shares that list zeros too)."""
    return list(Category.objects.order_by("order", "name").values_list("name", flat=True))


# --- predicates that reuse the scope definitions ----------------------------------------------------


def cadre_visits_q(period: Period) -> Q:
    """Cadres with at least one visit in P in their scope (made or joined): the same visit set
    as the ``visits`` metric of the cadre scope, as a filter for cadre lists."""
    made = Visit.objects.filter(cadre=OuterRef("pk"), date__range=(period.start, period.end))
    joined = Visit.participants.through.objects.filter(
        cadre=OuterRef("pk"), visit__date__range=(period.start, period.end)
    )
    return Q(Exists(made)) | Q(Exists(joined))
