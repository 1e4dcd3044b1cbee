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
    chain    key IndustryChain.code: the chain's member enterprises (an enterprise in two chains
             counts in both); visits to them; requests of them.
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
                         ``visits``) — or that attended a meetup (亲清会/座谈会, ``groups.Meetup``)
                         dated in P: each attending enterprise counts as visited on the meetup's
                         date. For the unit and cadre scopes the enterprise must be paired with
                         the scope during P, as for visits. A meetup is not a visit: it adds to
                         coverage, never to ``visits``; coverage with check-in only ignores it.
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
    feedback_rate        assigned_responded ÷ assigned (反馈率).
    assigned_face_to_face
                         of the assigned, those whose first contact with the enterprise came
                         before the end of P and was face to face: the unit's first 联系企业
                         (``contacted_at``, its method kept in ``first_contact_method``) was
                         上门走访 (onsite) or 约见座谈 (meeting); by phone or online it is not.
    face_to_face_rate    问题见面率 = assigned_face_to_face ÷ assigned. With feedback_rate and
                         satisfaction_rate one of the "three 100 %" (三个100%).
    rated                received in P whose latest rating (``last_rating``: a 不满意 that
                         reopened the request still counts until the enterprise rates again)
                         was given before the end of P (a rating without a time counts).
    satisfied            latest rating 满意 or 基本满意.
    satisfaction_rate    satisfied ÷ rated (满意率).
    reopened             received in P and reopened at least once (``reopen_count`` > 0, as now).
    category_counts      requests received in P per category name; issue share of c =
                         category_counts[c] ÷ requests.

Batches (交办批次) — ``compute_batches``: the cohort is the requests assigned in the batch
(``Request.batch``), whenever received, their state as of now; the same counts as above with
"the end of P" read as now and overdue as ``Request.objects.overdue(today)``. So a batch's
closure rate is its closed requests ÷ its requests (Lin'an: 508 of 676 → 75.15).

Overdue (超期件) — a stock, not a flow: requests of S (received at any time) open past their
response deadline as of day D = min(today, end of P).
    D is today: ``Request.objects.overdue(today)`` — status with a running clock (assigned, in
    progress, escalated, reopened) and ``response_due`` before today; the lifecycle's own rule.
    D is in the past: reconstructed — assigned before the end of D, ``response_due`` before D, and
    not answered by the end of D (no ``responded_at`` or a later one); rejected requests never
    count. The current deadline is used, so an extension granted after D is not undone.

Restrictions — enterprise attributes intersected with any scope
    ``Restriction(town_ids, industries, scale, tag_ids)`` keeps only the rows whose enterprise
    matches every attribute given: enterprises by their own columns, visits and pairings by the
    visited / paired enterprise, requests (and overdue) by the requesting enterprise. So
    ``Scope(UNIT, u)`` restricted to town t is "unit u's work in town t", and county restricted to
    industry i equals ``Scope(INDUSTRY, i)``. ``enterprise_ids`` keeps the listed enterprises (the
    enterprises a service team serves). A tag restriction keeps enterprises carrying any of
    the tags (tested through a subquery, so an enterprise with two tags still counts once).
    Snapshots are kept for unrestricted scopes only; restricted figures are computed on demand.

Series and per-enterprise facts
    ``category_counts_series`` gives the category counts of many periods (months, weeks around
    Spring Festival, years) from one scan grouped by local day; each period's counts equal the
    ``category_counts`` of ``compute`` for that period. ``overdue_now`` is the overdue stock as of
    today, ``visited_q`` / ``enterprise_visits`` the per-enterprise facts behind coverage.

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

from django.db import connection
from django.db.models import Count, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import TruncDate
from django.utils import timezone

from analytics.periods import Period, local_midnight
from cadres.models import Assignment, Cadre, Unit
from enterprises.models import Enterprise, Town
from groups.models import IndustryChain, Meetup
from requests_tracker.models import Callback, Category, RatingAppeal, Request
from visits.models import Visit

COUNTY, TOWN, UNIT, CADRE, INDUSTRY, CHAIN = "county", "town", "unit", "cadre", "industry", "chain"
SCOPE_KINDS = (COUNTY, TOWN, UNIT, CADRE, INDUSTRY, CHAIN)
SCOPE_LABELS = {COUNTY: "全县", TOWN: "镇街", UNIT: "单位", CADRE: "干部", INDUSTRY: "行业", CHAIN: "产业链"}
# Attendance rows (meetup × enterprise): each counts as a visit of the enterprise on that date.
ATTENDANCE = Meetup.enterprises.through

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
    assigned_face_to_face: int = 0
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

    @property
    def face_to_face_rate(self) -> Decimal | None:
        """问题见面率: assigned requests first contacted face to face ÷ assigned requests."""
        return rate(self.assigned_face_to_face, self.assigned)

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

    @classmethod
    def from_counts(cls, counts: dict, category_counts: dict) -> Metrics:
        """``cls(**counts, category_counts=category_counts)`` with every count not given 0,
        built without the frozen dataclass's ``object.__setattr__`` per field (a snapshot run
        builds thousands: it was a third of a day's run)."""
        metrics = object.__new__(cls)
        state = metrics.__dict__
        state.update(_ZERO_COUNTS)
        state.update(counts)
        state["category_counts"] = category_counts
        return metrics


COUNT_FIELDS = tuple(f.name for f in fields(Metrics) if f.name != "category_counts")
_ZERO_COUNTS = dict.fromkeys(COUNT_FIELDS, 0)
RATE_FIELDS = (
    "coverage_rate",
    "closure_rate",
    "on_time_rate",
    "feedback_rate",
    "satisfaction_rate",
    "face_to_face_rate",
)
# The "three 100 %" (三个100%) shown together: 问题见面率, 反馈率, 满意率.
THREE_RATES = ("face_to_face_rate", "feedback_rate", "satisfaction_rate")


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
    CHAIN: _KindSpec("chains", None, "enterprise__chains", None, "enterprise__chains"),
}
_KEY_MODELS = {TOWN: Town, UNIT: Unit, CADRE: Cadre, CHAIN: IndustryChain}


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
    if kind == CHAIN:
        return list(IndustryChain.objects.filter(active=True).order_by().values_list("code", flat=True))
    return list(Enterprise.objects.order_by().values_list("industry", flat=True).distinct())


# --- restrictions: enterprise attributes intersected with any scope ------------------------------


@dataclass(frozen=True)
class Restriction:
    """Enterprise attributes every counted row must match (属地, 行业, 规模, 标签); None = any."""

    town_ids: frozenset | None = None
    industries: frozenset | None = None
    scale: str | None = None
    tag_ids: frozenset | None = None
    enterprise_ids: frozenset | None = None

    def __post_init__(self):
        # Accept any iterable; keep frozensets so the restriction is hashable and order-free.
        for name in ("town_ids", "industries", "tag_ids", "enterprise_ids"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, frozenset):
                object.__setattr__(self, name, frozenset(value))

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def q(self, prefix: str = "") -> Q:
        """The condition on a queryset whose enterprise is reached through ``prefix``
        ("" for Enterprise, "enterprise__" for visits, pairings and requests)."""
        q = Q()
        if self.town_ids is not None:
            q &= Q(**{f"{prefix}town_id__in": sorted(self.town_ids)})
        if self.industries is not None:
            q &= Q(**{f"{prefix}industry__in": sorted(self.industries)})
        if self.scale is not None:
            q &= Q(**{f"{prefix}scale": self.scale})
        if self.tag_ids is not None:
            tagged = Enterprise.tags.through.objects.filter(tag_id__in=sorted(self.tag_ids))
            q &= Q(**{f"{prefix}pk__in": tagged.values("enterprise_id")})
        if self.enterprise_ids is not None:
            q &= Q(**{f"{prefix}pk__in": sorted(self.enterprise_ids)})
        return q


NO_RESTRICTION = Restriction()


def _limit(queryset, restriction: Restriction | None, prefix: str):
    return queryset.filter(restriction.q(prefix)) if restriction else queryset


# --- the computation -----------------------------------------------------------------------------


def _grouped(queryset, key_path: str | None, split_path: str | None = None, **aggregates) -> dict:
    """One aggregate query: {raw key: {name: value}}; county (no key path) → {None: {...}}.

    With ``split_path`` (the enterprise's town) every raw key is a pair (key, town id).
    """
    paths = [path for path in (key_path, split_path) if path]
    if not paths:
        return {None: queryset.aggregate(**aggregates)}
    rows = queryset.order_by().values(*paths).annotate(**aggregates)
    out = {}
    for row in rows:
        key = row.pop(key_path) if key_path else None
        out[(key, row.pop(split_path)) if split_path else key] = row
    return out


def _restrict(queryset, key_path: str | None, ids: list | None):
    if ids is None or key_path is None:
        return queryset
    return queryset.filter(**{f"{key_path}__in": ids})


def paired_during(period: Period) -> Q:
    """Assignments in force at some point of P: the pairing rule of the unit and cadre scopes."""
    return Q(start__lte=period.end) & (Q(end__isnull=True) | Q(end__gte=period.start))


def _enterprise_counts(
    period: Period,
    spec: _KindSpec,
    ids,
    restriction: Restriction | None = None,
    split: bool = False,
    visits_q: Q | None = None,
) -> dict:
    """{raw key: {"enterprises_active", "enterprises_visited", "visits"}}.

    ``visits_q`` narrows which visits count (coverage with check-in only: meetups then do not
    count, a meetup carries no check-in)."""
    out: dict = defaultdict(dict)
    with_meetups = visits_q is None
    visits_q = visits_q or Q()

    def served(outer: str) -> Q:
        """The enterprise at ``outer`` was visited, or attended a meetup, in P."""
        q = Q(
            Exists(
                Visit.objects.filter(
                    visits_q, enterprise=OuterRef(outer), date__range=(period.start, period.end)
                )
            )
        )
        if with_meetups:
            q |= Q(
                Exists(
                    ATTENDANCE.objects.filter(
                        enterprise=OuterRef(outer), meetup__date__range=(period.start, period.end)
                    )
                )
            )
        return q

    if spec.assignment_key is None:
        # county / town / industry: the enterprise's own columns decide membership.
        actives = _restrict(
            _limit(Enterprise.objects.filter(active=True), restriction, ""), spec.enterprise_key, ids
        )
        for key, row in _grouped(
            actives, spec.enterprise_key, "town_id" if split else None, n=Count("pk")
        ).items():
            out[key]["enterprises_active"] = row["n"]
        for key, row in _grouped(
            actives.filter(served("pk")), spec.enterprise_key, "town_id" if split else None, n=Count("pk")
        ).items():
            out[key]["enterprises_visited"] = row["n"]
        visits = _restrict(
            _limit(
                Visit.objects.filter(visits_q, date__range=(period.start, period.end)),
                restriction,
                "enterprise__",
            ),
            spec.visit_key,
            ids,
        )
        for key, row in _grouped(
            visits,
            spec.visit_key,
            "enterprise__town_id" if split else None,
            visits=Count("pk"),
        ).items():
            out[key]["visits"] = row["visits"]
        return out

    # unit / cadre: membership comes from pairings in force during P.
    pairs = _restrict(
        _limit(
            Assignment.objects.filter(paired_during(period), enterprise__active=True),
            restriction,
            "enterprise__",
        ),
        spec.assignment_key,
        ids,
    )
    town = "enterprise__town_id" if split else None
    for key, row in _grouped(pairs, spec.assignment_key, town, n=Count("enterprise", distinct=True)).items():
        out[key]["enterprises_active"] = row["n"]
    visited = pairs.filter(served("enterprise"))
    for key, row in _grouped(
        visited, spec.assignment_key, town, n=Count("enterprise", distinct=True)
    ).items():
        out[key]["enterprises_visited"] = row["n"]
    # Visits made by the scope's cadres, plus those joined by them and made by someone outside
    # the scope: disjoint sets, so the sum counts each visit once.
    made = _restrict(
        _limit(Visit.objects.filter(date__range=(period.start, period.end)), restriction, "enterprise__"),
        spec.visit_key,
        ids,
    )
    for key, row in _grouped(made, spec.visit_key, town, n=Count("pk")).items():
        out[key]["visits"] = row["n"]
    through = Visit.participants.through
    joined = _restrict(
        _limit(
            through.objects.filter(visit__date__range=(period.start, period.end)).exclude(
                **{f"visit__{spec.visit_key}": F(spec.participant_key)}
            ),
            restriction,
            "visit__enterprise__",
        ),
        spec.participant_key,
        ids,
    )
    for key, row in _grouped(
        joined,
        spec.participant_key,
        "visit__enterprise__town_id" if split else None,
        n=Count("visit", distinct=True),
    ).items():
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


def _request_counts(
    period: Period,
    spec: _KindSpec,
    ids,
    category_id,
    today,
    restriction: Restriction | None = None,
    split: bool = False,
) -> tuple[dict, dict]:
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
    received = _restrict(_limit(received, restriction, "enterprise__"), spec.request_key, ids)
    town = "enterprise__town_id" if split else None
    key_fields = [path for path in (spec.request_key, town) if path]
    rows = received.order_by().values(*key_fields, "category_id").annotate(**_request_aggregates(end_at))
    names = dict(Category.objects.values_list("pk", "name"))
    counts: dict = defaultdict(lambda: defaultdict(int))
    by_category: dict = defaultdict(dict)
    for row in rows:
        key = row.pop(spec.request_key) if spec.request_key else None
        if split:
            key = (key, row.pop(town))
        by_category[key][names[row.pop("category_id")]] = row["requests"]
        for name, value in row.items():
            counts[key][name] += value
    overdue = _restrict(_limit(overdue, restriction, "enterprise__"), spec.request_key, ids)
    for key, row in _grouped(overdue, spec.request_key, town, n=Count("pk")).items():
        counts[key]["overdue"] = row["n"]
    return counts, by_category


def _request_aggregates(end_at) -> dict:
    """The request counts of the module docstring, as aggregates over a cohort, as of ``end_at``."""
    closed = Q(status=Request.Status.CLOSED, closed_at__lt=end_at)
    rated = ~Q(last_rating="") & (Q(last_rated_at__isnull=True) | Q(last_rated_at__lt=end_at))
    assigned = Q(assigned_at__lt=end_at)
    met = assigned & Q(contacted_at__lt=end_at, first_contact_method__in=Request.FACE_TO_FACE)
    return {
        "requests": Count("pk"),
        "closed": Count("pk", filter=closed),
        "closed_on_time": Count("pk", filter=closed & Q(responded_at__date__lte=F("response_due"))),
        "assigned": Count("pk", filter=assigned),
        "assigned_responded": Count("pk", filter=assigned & Q(responded_at__lt=end_at)),
        "assigned_face_to_face": Count("pk", filter=met),
        "rated": Count("pk", filter=rated),
        "satisfied": Count("pk", filter=rated & Q(last_rating__in=SATISFIED_VALUES)),
        "reopened": Count("pk", filter=Q(reopen_count__gt=0)),
    }


def compute_batches(batch_ids: Iterable[int], today: dt.date | None = None) -> dict[int, Metrics]:
    """{batch id: Metrics} of each assignment batch (交办批次), as of now — see the module docstring.

    Two aggregate queries for any number of batches; visit counts stay zero.
    """
    ids = list(batch_ids)
    today = today or timezone.localdate()
    now = timezone.now()
    cohort = Request.objects.filter(batch_id__in=ids).order_by()
    result: dict[int, dict] = {pk: {} for pk in ids}
    for row in cohort.values("batch_id").annotate(**_request_aggregates(now)):
        result[row.pop("batch_id")].update(row)
    overdue = Request.objects.overdue(today).filter(batch_id__in=ids).order_by()
    for row in overdue.values("batch_id").annotate(n=Count("pk")):
        result[row["batch_id"]]["overdue"] = row["n"]
    return {pk: _metrics(values, {}) for pk, values in result.items()}


def _compute_raw(period, spec, ids, category_id, today, restriction, split) -> tuple[dict, dict]:
    by_key: dict = defaultdict(dict)
    for raw, values in _enterprise_counts(period, spec, ids, restriction, split).items():
        by_key[raw].update(values)
    counts, by_category = _request_counts(period, spec, ids, category_id, today, restriction, split)
    for raw, values in counts.items():
        by_key[raw].update(values)
    return by_key, by_category


def _metrics(values: dict, categories: dict) -> Metrics:
    return Metrics(
        **{name: values.get(name) or 0 for name in COUNT_FIELDS},
        category_counts={k: v for k, v in categories.items() if v},
    )


def _wanted_ids(kind: str, keys, key_map: KeyMap | None) -> tuple[list | None, list | None, KeyMap]:
    wanted = None if keys is None else list(dict.fromkeys(keys))
    if key_map is None:
        key_map = KeyMap(kind, wanted)
    ids = None
    if wanted is not None:
        if kind == COUNTY:
            wanted = [""]
        ids = key_map.ids(wanted)
    return wanted, ids, key_map


def compute_grouped(
    period: Period,
    kind: str,
    *,
    keys: Iterable[str] | None = None,
    category: str | Category | None = None,
    today: dt.date | None = None,
    key_map: KeyMap | None = None,
    with_baseline: bool = False,
    restriction: Restriction | None = None,
) -> dict[str, Metrics]:
    """Metrics for every key of ``kind`` with any activity in P (or only ``keys``), in a fixed
    handful of GROUP BY queries whatever the number of keys.

    ``with_baseline`` adds a zero row for every key that should always be reported
    (``baseline_keys``); ``keys`` given → exactly those keys are returned. ``restriction``
    keeps only rows whose enterprise matches it (see "Restrictions" above).
    """
    spec = _SPECS[kind]
    wanted, ids, key_map = _wanted_ids(kind, keys, key_map)
    today = today or timezone.localdate()
    by_key, by_category = _compute_raw(
        period, spec, ids, _category_id(category), today, restriction, split=False
    )
    result: dict[str, Metrics] = {}
    for raw, values in by_key.items():
        if raw is None and kind != COUNTY:
            continue  # e.g. a request no unit leads yet: in no unit's scope
        result[key_map.key(raw)] = _metrics(values, by_category.get(raw, {}))
    if wanted is not None:
        return {key: result.get(key, Metrics()) for key in wanted}
    if with_baseline:
        for key in baseline_keys(kind):
            result.setdefault(key, Metrics())
    return result


def compute_by_town(
    period: Period,
    kind: str,
    *,
    keys: Iterable[str] | None = None,
    today: dt.date | None = None,
    restriction: Restriction | None = None,
) -> dict[tuple[str, str], Metrics]:
    """{(key, town code): Metrics} — each scope key's figures split by the enterprises' towns,
    in the same handful of queries (a unit's work in each town). Every (key, town) pair equals
    ``compute`` for that key restricted to that town."""
    if kind == TOWN:
        raise ValueError("a town scope is already one town: use compute_grouped")
    spec = _SPECS[kind]
    wanted, ids, key_map = _wanted_ids(kind, keys, None)
    towns = KeyMap(TOWN)
    by_key, by_category = _compute_raw(
        period, spec, ids, None, today or timezone.localdate(), restriction, split=True
    )
    result = {}
    for (raw, town_id), values in by_key.items():
        if (raw is None and kind != COUNTY) or town_id is None:
            continue
        result[(key_map.key(raw), towns.key(town_id))] = _metrics(values, by_category.get((raw, town_id), {}))
    return result


# A check-in that counts as proof of presence: present, and not marked 位置不符.
CHECKED_IN = Q(checkin_latitude__isnull=False, location_mismatch=False)


def checkin_coverage(
    period: Period, scope: Scope = COUNTY_SCOPE, *, restriction: Restriction | None = None
) -> tuple[int, int, Decimal | None]:
    """Coverage with check-in only (走访覆盖率·仅签到, DESIGN.md §8).

    enterprises_checked_in  active enterprises of S with at least one visit in P that carries a
                            check-in not marked 位置不符 (far from the enterprise).
    checkin_coverage_rate   enterprises_checked_in ÷ enterprises_active (the same denominator as
                            coverage_rate, so the two figures read side by side).
    Returns (enterprises_checked_in, enterprises_active, rate). Computed live (two aggregates);
    snapshots do not store it.
    """
    spec = _SPECS[scope.kind]
    key = scope.key if scope.kind != COUNTY else ""
    _wanted, ids, key_map = _wanted_ids(scope.kind, [key], None)
    by_raw = _enterprise_counts(period, spec, ids, restriction, visits_q=CHECKED_IN)
    values = next(
        (
            v
            for raw, v in by_raw.items()
            if (raw is not None or scope.kind == COUNTY) and key_map.key(raw) == key
        ),
        {},
    )
    active = values.get("enterprises_active") or 0
    checked = values.get("enterprises_visited") or 0
    return checked, active, rate(checked, active)


def compute(
    period: Period,
    scope: Scope = COUNTY_SCOPE,
    *,
    category: str | Category | None = None,
    today: dt.date | None = None,
    restriction: Restriction | None = None,
) -> Metrics:
    """Metrics for one period and one scope: ``compute_grouped`` restricted to that key."""
    key = scope.key if scope.kind != COUNTY else ""
    return compute_grouped(
        period, scope.kind, keys=[key], category=category, today=today, restriction=restriction
    )[key]


def overdue_now(
    kind: str = COUNTY,
    *,
    keys: Iterable[str] | None = None,
    today: dt.date | None = None,
    restriction: Restriction | None = None,
) -> dict[str, int]:
    """The overdue stock (超期件) as of today per key: the ``overdue`` metric of any period that
    has not ended yet, in one query."""
    spec = _SPECS[kind]
    wanted, ids, key_map = _wanted_ids(kind, keys, None)
    today = today or timezone.localdate()
    overdue = _restrict(
        _limit(overdue_queryset(Period(today, today), today), restriction, "enterprise__"),
        spec.request_key,
        ids,
    )
    result = {
        key_map.key(raw): row["n"]
        for raw, row in _grouped(overdue, spec.request_key, n=Count("pk")).items()
        if raw is not None or kind == COUNTY
    }
    if wanted is not None:
        return {key: result.get(key, 0) for key in wanted}
    return result


@dataclass(frozen=True)
class CategoryCounts:
    """Requests received in one period per category name: the ``category_counts`` of a period."""

    counts: dict = field(default_factory=dict, hash=False)

    @property
    def total(self) -> int:
        # Every request has a category, so the counts add up to the ``requests`` metric.
        return sum(self.counts.values())

    def get(self, name: str) -> int:
        return self.counts.get(name, 0)

    def share(self, name: str) -> Decimal | None:
        """Issue share (问题占比) of ``name``: its count ÷ all requests of the period."""
        return rate(self.get(name), self.total)

    @classmethod
    def combined(cls, parts: Iterable[CategoryCounts]) -> CategoryCounts:
        """The counts of a period from those of periods that partition it (months → a year):
        requests received are a flow, so they add up exactly."""
        total: dict = defaultdict(int)
        for part in parts:
            for name, n in part.counts.items():
                total[name] += n
        return cls({name: n for name, n in total.items() if n})


def _merged_ranges(periods: list[Period]) -> list[tuple[dt.date, dt.date]]:
    """The days the periods cover, as few [start, end] runs as possible."""
    runs: list[list[dt.date]] = []
    for period in sorted(periods, key=lambda p: p.start):
        if runs and period.start <= runs[-1][1] + dt.timedelta(days=1):
            runs[-1][1] = max(runs[-1][1], period.end)
        else:
            runs.append([period.start, period.end])
    return [(start, end) for start, end in runs]


def category_counts_series(
    periods: Iterable[Period],
    kind: str = COUNTY,
    *,
    keys: Iterable[str] | None = None,
    restriction: Restriction | None = None,
) -> dict[str, list[CategoryCounts]]:
    """{key: [CategoryCounts of each period, in order]} for many periods in one scan.

    The requests received within the periods (only those days: weeks around each Spring
    Festival do not scan the months between) are grouped by local day of ``submitted_at`` (the
    same boundary as every request metric) and category, and each period sums its days — so
    overlapping periods and custom windows are as exact as calendar months. One period needs no
    day grouping at all.
    """
    periods = list(periods)
    spec = _SPECS[kind]
    wanted, ids, key_map = _wanted_ids(kind, keys, None)
    if not periods:
        return {key: [] for key in (wanted or [])}
    within = Q()
    for start, end in _merged_ranges(periods):
        within |= Q(
            submitted_at__gte=local_midnight(start),
            submitted_at__lt=local_midnight(end + dt.timedelta(days=1)),
        )
    received = Request.objects.filter(within)
    received = _restrict(_limit(received, restriction, "enterprise__"), spec.request_key, ids)
    by_day = len(periods) > 1
    paths = [path for path in (spec.request_key,) if path]
    if by_day:
        received = received.annotate(day=TruncDate("submitted_at", tzinfo=timezone.get_default_timezone()))
        paths.append("day")
    rows = received.order_by().values(*paths, "category_id").annotate(n=Count("pk"))
    names = dict(Category.objects.values_list("pk", "name"))
    # day → indexes of the periods containing it (periods may overlap).
    index: dict = defaultdict(list)
    if by_day:
        for i, period in enumerate(periods):
            day = period.start
            while day <= period.end:
                index[day].append(i)
                day += dt.timedelta(days=1)
    totals: dict = defaultdict(lambda: [defaultdict(int) for _ in periods])
    for row in rows:
        raw = row[spec.request_key] if spec.request_key else None
        if raw is None and kind != COUNTY:
            continue
        slots = index.get(row["day"], ()) if by_day else (0,)
        for i in slots:
            totals[key_map.key(raw)][i][names[row["category_id"]]] += row["n"]
    result = {key: [CategoryCounts(dict(counts)) for counts in series] for key, series in totals.items()}
    if wanted is not None:
        empty = [CategoryCounts() for _ in periods]
        return {key: result.get(key, empty) for key in wanted}
    return result


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


def visited_q(period: Period) -> Q:
    """Enterprises (an Enterprise queryset) with at least one visit dated in P, by any cadre, or
    at a meetup dated in P: the numerator of the coverage rate, as a filter for enterprise lists
    (未走访 = its negation)."""
    days = (period.start, period.end)
    return Q(Exists(Visit.objects.filter(enterprise=OuterRef("pk"), date__range=days))) | Q(
        Exists(ATTENDANCE.objects.filter(enterprise=OuterRef("pk"), meetup__date__range=days))
    )


def enterprise_visits(period: Period, enterprise_ids: Iterable[int]) -> dict[int, tuple[int, dt.date]]:
    """{enterprise id: (visits dated in P, the last date it was visited or met at a meetup)};
    enterprises neither visited nor met in P are absent (a meetup only: 0 visits, still covered)."""
    ids = list(enterprise_ids)
    rows = (
        Visit.objects.filter(enterprise_id__in=ids, date__range=(period.start, period.end))
        .order_by()
        .values("enterprise_id")
        .annotate(n=Count("pk"), last=Max("date"))
    )
    out = {row["enterprise_id"]: (row["n"], row["last"]) for row in rows}
    met = (
        ATTENDANCE.objects.filter(enterprise_id__in=ids, meetup__date__range=(period.start, period.end))
        .order_by()
        .values("enterprise_id")
        .annotate(last=Max("meetup__date"))
    )
    for row in met:
        visits, last = out.get(row["enterprise_id"], (0, None))
        out[row["enterprise_id"]] = (visits, max(filter(None, (last, row["last"]))))
    return out


# --- trusted ratings (callbacks, spot checks, appeals) -------------------------------------------
#
# Request cohort: as the request metrics above — requests of S received in P, as of the end of P.
#     rated / satisfied     the latest real rating, exactly as ``Metrics.rated`` / ``satisfied``.
#     unrated_closed        closed before the end of P without any rating (销号 needs 满意 or 基本
#                           满意, so these are the automatic closes): shown apart, never counted
#                           as satisfied.
#     callback_confirmed    not rated by the end of P, and the enterprise gave a verdict on a
#                           callback (reached; 已解决 or 未解决) done before the end of P.
#     callback_solved       of those, the latest such verdict is 已解决.
#     overturned            rated, the latest rating is 不满意, and the appeal of that very rating
#                           (RatingAppeal.rated_at = last_rated_at) was overturned before the end of P.
#     satisfaction_rate               (satisfied + callback_solved)
#                                     ÷ (rated + callback_confirmed)            — before appeals
#     satisfaction_after_appeals_rate (satisfied + callback_solved)
#                                     ÷ (rated − overturned + callback_confirmed) — after appeals
# Callback cohort: callback tasks of S created in P (S: the task's town and unit, recorded when it
# was created), as of the end of P.
#     callbacks             tasks created in P.
#     callbacks_reached     of those, done before the end of P with the enterprise reached.
#     callback_rate         callbacks_reached ÷ callbacks.
#     closures_checked      tasks on a closure (自动办结 or 随机抽查) done with a verdict of
#                           已解决 or 未解决 before the end of P.
#     false_closures        of those, found false (不实办结: 未解决 on a closed request).
#     false_closure_rate    false_closures ÷ closures_checked.
# Scope kinds: county, town (the enterprise's town / the task's town) and unit (the lead unit /
# the task's unit). By batch (交办批次) is a follow-up once batches exist.

TRUST_KINDS = (COUNTY, TOWN, UNIT)
_TRUST_REQUEST_KEY = {COUNTY: None, TOWN: "enterprise__town_id", UNIT: "lead_unit_id"}
_TRUST_CALLBACK_KEY = {COUNTY: None, TOWN: "town_id", UNIT: "unit_id"}


@dataclass(frozen=True)
class TrustMetrics:
    """The counts behind the trusted-rating figures of one period and scope."""

    rated: int = 0
    satisfied: int = 0
    unrated_closed: int = 0
    callback_confirmed: int = 0
    callback_solved: int = 0
    overturned: int = 0
    callbacks: int = 0
    callbacks_reached: int = 0
    closures_checked: int = 0
    false_closures: int = 0

    @property
    def satisfaction_rate(self) -> Decimal | None:
        return rate(self.satisfied + self.callback_solved, self.rated + self.callback_confirmed)

    @property
    def satisfaction_after_appeals_rate(self) -> Decimal | None:
        return rate(
            self.satisfied + self.callback_solved, self.rated - self.overturned + self.callback_confirmed
        )

    @property
    def callback_rate(self) -> Decimal | None:
        return rate(self.callbacks_reached, self.callbacks)

    @property
    def false_closure_rate(self) -> Decimal | None:
        return rate(self.false_closures, self.closures_checked)

    def as_json(self) -> dict:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data.update({name: rate_str(getattr(self, name)) for name in TRUST_RATE_FIELDS})
        return data

    def sum_of(self, expression: str) -> int:
        """The value of "a + b - c" over these counts (count names and + / - only): the
        numerators and denominators the screen and ``metrics`` print beside each rate."""
        total, sign = 0, 1
        for token in expression.split():
            if token in "+-":
                sign = 1 if token == "+" else -1
            else:
                total += sign * getattr(self, token)
        return total

    @classmethod
    def combined(cls, parts: Iterable[TrustMetrics]) -> TrustMetrics:
        """Several towns together: the towns partition the county, so the counts add up."""
        totals = {f.name: 0 for f in fields(cls)}
        for part in parts:
            for name in totals:
                totals[name] += getattr(part, name)
        return cls(**totals)


TRUST_RATE_FIELDS = (
    "satisfaction_rate",
    "satisfaction_after_appeals_rate",
    "callback_rate",
    "false_closure_rate",
)


def _trust_request_counts(period: Period, key_path, ids, town_ids) -> dict:
    end_at = period.end_at
    received = _restrict(
        Request.objects.filter(submitted_at__gte=period.start_at, submitted_at__lt=end_at), key_path, ids
    )
    if town_ids is not None:
        received = received.filter(enterprise__town_id__in=list(town_ids))
    verdicts = (
        Callback.Verdict.SOLVED,
        Callback.Verdict.NOT_SOLVED,
    )
    latest_verdict = (
        Callback.objects.filter(
            request=OuterRef("pk"),
            status=Callback.Status.DONE,
            result=Callback.Result.REACHED,
            verdict__in=verdicts,
            done_at__lt=end_at,
        )
        .order_by("-done_at", "-pk")
        .values("verdict")[:1]
    )
    overturned = RatingAppeal.objects.filter(
        request=OuterRef("pk"),
        rated_at=OuterRef("last_rated_at"),
        status=RatingAppeal.Status.OVERTURNED,
        decided_at__lt=end_at,
    )
    rated = ~Q(last_rating="") & (Q(last_rated_at__isnull=True) | Q(last_rated_at__lt=end_at))
    annotated = received.annotate(
        callback_verdict=Subquery(latest_verdict), was_overturned=Exists(overturned)
    )
    return _grouped(
        annotated,
        key_path,
        rated=Count("pk", filter=rated),
        satisfied=Count("pk", filter=rated & Q(last_rating__in=SATISFIED_VALUES)),
        unrated_closed=Count(
            "pk", filter=Q(status=Request.Status.CLOSED, closed_at__lt=end_at, last_rating="")
        ),
        callback_confirmed=Count("pk", filter=~rated & Q(callback_verdict__in=verdicts)),
        callback_solved=Count("pk", filter=~rated & Q(callback_verdict=Callback.Verdict.SOLVED)),
        overturned=Count(
            "pk",
            filter=rated & Q(last_rating=Request.Satisfaction.UNSATISFIED, was_overturned=True),
        ),
    )


def _trust_callback_counts(period: Period, key_path, ids, town_ids) -> dict:
    end_at = period.end_at
    created = _restrict(
        Callback.objects.filter(created_at__gte=period.start_at, created_at__lt=end_at), key_path, ids
    )
    if town_ids is not None:
        created = created.filter(town_id__in=list(town_ids))
    done = Q(status=Callback.Status.DONE, done_at__lt=end_at)
    reached = done & Q(result=Callback.Result.REACHED)
    on_closure = Q(reason__in=(Callback.Reason.AUTO_CLOSED, Callback.Reason.SPOT_CHECK))
    checked = reached & on_closure & Q(verdict__in=(Callback.Verdict.SOLVED, Callback.Verdict.NOT_SOLVED))
    return _grouped(
        created,
        key_path,
        callbacks=Count("pk"),
        callbacks_reached=Count("pk", filter=reached),
        closures_checked=Count("pk", filter=checked),
        false_closures=Count("pk", filter=checked & Q(false_closure=True)),
    )


def trust_grouped(
    period: Period,
    kind: str = COUNTY,
    *,
    keys: Iterable[str] | None = None,
    town_ids: Iterable[int] | None = None,
) -> dict[str, TrustMetrics]:
    """Trusted-rating figures for every key of ``kind`` (county, town or unit) with activity in
    P, or exactly ``keys``; ``town_ids`` keeps only the enterprises / tasks of those towns (a town
    supervisor's view). Two aggregate queries whatever the number of keys."""
    if kind not in TRUST_KINDS:
        raise ValueError(f"trusted-rating figures have no {kind!r} scope")
    wanted, ids, key_map = _wanted_ids(kind, keys, None)
    by_key: dict = defaultdict(dict)
    for raw, values in _trust_request_counts(period, _TRUST_REQUEST_KEY[kind], ids, town_ids).items():
        by_key[raw].update(values)
    for raw, values in _trust_callback_counts(period, _TRUST_CALLBACK_KEY[kind], ids, town_ids).items():
        by_key[raw].update(values)
    names = [f.name for f in fields(TrustMetrics)]
    result = {
        key_map.key(raw): TrustMetrics(**{name: values.get(name) or 0 for name in names})
        for raw, values in by_key.items()
        if raw is not None or kind == COUNTY
    }
    if wanted is not None:
        return {key: result.get(key, TrustMetrics()) for key in wanted}
    return result


def trust(period: Period, scope: Scope = COUNTY_SCOPE) -> TrustMetrics:
    """Trusted-rating figures of one scope: ``trust_grouped`` restricted to that key."""
    key = scope.key if scope.kind != COUNTY else ""
    return trust_grouped(period, scope.kind, keys=[key])[key]


# --- every scope kind at once (the snapshot job) ---------------------------------------------------


@dataclass
class RunLookups:
    """What a snapshot run reads once rather than once per period: the key maps of every scope
    kind, the keys that always get a row (active units, cadres and chains; towns come from the key map,
    industries from the enterprise count) and the category names."""

    key_maps: dict
    units: list
    cadres: list
    chains: list
    category_names: dict

    @classmethod
    def load(cls, key_maps: dict | None = None) -> RunLookups:
        return cls(
            key_maps=key_maps or {kind: KeyMap(kind) for kind in SCOPE_KINDS},
            units=list(Unit.objects.filter(active=True).order_by().values_list("code", flat=True)),
            cadres=list(Cadre.objects.filter(active=True).order_by().values_list("code", flat=True)),
            chains=list(IndustryChain.objects.filter(active=True).order_by().values_list("code", flat=True)),
            category_names=dict(Category.objects.values_list("pk", "name")),
        )


def _add(target: dict, row: dict, names: Iterable[str]) -> None:
    for name in names:
        target[name] = target.get(name, 0) + (row[name] or 0)


# The counts ``_request_aggregates`` produces (the request metrics of the module docstring).
_REQUEST_FIELDS = (
    "requests",
    "closed",
    "closed_on_time",
    "assigned",
    "assigned_responded",
    "assigned_face_to_face",
    "rated",
    "satisfied",
    "reopened",
)


def _seen_sql() -> str:
    """The CTE ``seen``: each enterprise visited, or at a meetup, in P once (four parameters:
    P's first and last day, twice). Joined, not probed: the coverage statements below LEFT JOIN
    it, so PostgreSQL builds it once (a hash aggregate, which spills to disk in batches when a
    year at province scale outgrows ``work_mem``) and hash-joins it, where a correlated EXISTS
    probes the visit index for every enterprise even on a day with a dozen visits, and an
    ``IN (subquery)`` falls back to rescanning the subquery per enterprise once its hash no longer
    fits (a year at scale 50 ran for 18 minutes)."""
    q = connection.ops.quote_name
    visit, attendance, meetup = Visit._meta.db_table, ATTENDANCE._meta.db_table, Meetup._meta.db_table
    return f"""seen AS (
  SELECT v.{q("enterprise_id")} AS enterprise_id FROM {q(visit)} v WHERE v.{q("date")} BETWEEN %s AND %s
  UNION
  SELECT t.{q("enterprise_id")} FROM {q(attendance)} t JOIN {q(meetup)} m ON m.{q("id")} = t.{q("meetup_id")}
   WHERE m.{q("date")} BETWEEN %s AND %s
)"""


def _enterprises_sql() -> str:
    """Every enterprise grouped by (town, industry) — active, and active and in ``seen`` —, the
    territorial kinds' coverage counts (an enterprise has one town and one industry, so they add
    up exactly)."""
    q = connection.ops.quote_name
    enterprise = Enterprise._meta.db_table
    return f"""
WITH {_seen_sql()}
SELECT e.{q("town_id")}, e.{q("industry")},
       COUNT(CASE WHEN e.{q("active")} THEN 1 END),
       COUNT(CASE WHEN e.{q("active")} THEN s.enterprise_id END)
  FROM {q(enterprise)} e LEFT JOIN seen s ON s.enterprise_id = e.{q("id")}
 GROUP BY e.{q("town_id")}, e.{q("industry")}
"""


def _chain_enterprises_sql() -> str:
    """Member enterprises per industry chain, active and active and in ``seen``, through the
    membership table (each (chain, enterprise) pair once, so plain counts are exact)."""
    q = connection.ops.quote_name
    members, enterprise = IndustryChain.enterprises.through._meta.db_table, Enterprise._meta.db_table
    return f"""
WITH {_seen_sql()}
SELECT x.{q("industrychain_id")},
       COUNT(CASE WHEN e.{q("active")} THEN 1 END),
       COUNT(CASE WHEN e.{q("active")} THEN s.enterprise_id END)
  FROM {q(members)} x JOIN {q(enterprise)} e ON e.{q("id")} = x.{q("enterprise_id")}
  LEFT JOIN seen s ON s.enterprise_id = e.{q("id")}
 GROUP BY x.{q("industrychain_id")}
"""


def _pairs_sql() -> str:
    """Active pairings in force during P (``paired_during``) with the paired enterprise's id when
    it is in ``seen``, counted as distinct enterprises per cadre and per unit (plain SQL that both
    PostgreSQL and SQLite run: CTEs and UNION ALL). Parameters: ``seen``'s four, then P's last
    and first day."""
    q = connection.ops.quote_name
    assignment, enterprise, cadre = (m._meta.db_table for m in (Assignment, Enterprise, Cadre))
    return f"""
WITH {_seen_sql()},
pairs AS (
  SELECT a.{q("cadre_id")} AS cadre_id, c.{q("unit_id")} AS unit_id, a.{q("enterprise_id")} AS enterprise_id,
         s.enterprise_id AS seen_id
    FROM {q(assignment)} a
    JOIN {q(enterprise)} e ON e.{q("id")} = a.{q("enterprise_id")}
    JOIN {q(cadre)} c ON c.{q("id")} = a.{q("cadre_id")}
    LEFT JOIN seen s ON s.enterprise_id = a.{q("enterprise_id")}
   WHERE e.{q("active")} AND a.{q("start")} <= %s AND (a.{q("end")} IS NULL OR a.{q("end")} >= %s)
)
SELECT 'c', cadre_id, COUNT(DISTINCT enterprise_id), COUNT(DISTINCT seen_id) FROM pairs GROUP BY cadre_id
UNION ALL
SELECT 'u', unit_id, COUNT(DISTINCT enterprise_id), COUNT(DISTINCT seen_id) FROM pairs GROUP BY unit_id
"""


def compute_every_scope(
    period: Period, *, today: dt.date | None = None, lookups: RunLookups | None = None
) -> dict[str, dict[str, Metrics]]:
    """{kind: {key: Metrics}} for every scope kind, each equal to ``compute_grouped(period, kind,
    with_baseline=True)``: seven statements for county, towns, industries, units and cadres
    together and four for the chains, whatever the number of keys.

    Each source table is read once, grouped by the finest columns that every kind's key can be
    summed from, and the kinds are rolled up in Python:
      - enterprises by (town, industry): active, and active and served in P (visited, or at a
        meetup) — an enterprise has one town and one industry, so the counts add up exactly;
      - visits by (town, industry), and by (maker, maker's unit) for the made part of the
        people kinds; participations in P as rows (joined visits, each kind excluding its own
        makers);
      - pairings in force during P, counted per cadre and per unit in one statement (distinct
        enterprises cannot be summed over cadres);
      - requests received in P by (town, industry, lead unit, cadre, category) and the overdue
        stock by (town, industry, lead unit, cadre): each request is in one group, so every
        kind's counts and category split are sums of groups.
    Industry chains share enterprises: four grouped queries of their own.
    """
    today = today or timezone.localdate()
    lookups = lookups or RunLookups.load()
    key_maps = lookups.key_maps
    raw: dict = {kind: defaultdict(dict) for kind in SCOPE_KINDS}
    categories: dict = {kind: defaultdict(lambda: defaultdict(int)) for kind in SCOPE_KINDS}

    def into(kind, key, row, names):
        if key is None and kind != COUNTY:
            return  # e.g. a request no unit leads yet: in no unit's scope
        _add(raw[kind][key], row, names)

    # Enterprises: every enterprise is grouped, so industries in use with no active enterprise
    # still get their baseline row; visited = visited or met at a meetup in P (``_seen_sql``).
    days = (period.start, period.end)
    dated = Q(date__range=days)
    seen_params = [*days, *days]
    industries = set()
    with connection.cursor() as cursor:
        cursor.execute(_enterprises_sql(), seen_params)
        for town_id, industry, active, visited in cursor.fetchall():
            industries.add(industry)
            row = {"enterprises_active": active, "enterprises_visited": visited}
            for kind, key in ((COUNTY, None), (TOWN, town_id), (INDUSTRY, industry)):
                into(kind, key, row, ("enterprises_active", "enterprises_visited"))

    for row in (
        Visit.objects.filter(dated)
        .order_by()
        .values("enterprise__town_id", "enterprise__industry")
        .annotate(visits=Count("pk"))
    ):
        for kind, key in (
            (COUNTY, None),
            (TOWN, row["enterprise__town_id"]),
            (INDUSTRY, row["enterprise__industry"]),
        ):
            into(kind, key, row, ("visits",))
    for row in (
        Visit.objects.filter(dated)
        .order_by()
        .values("cadre_id", "cadre__unit_id")
        .annotate(visits=Count("pk"))
    ):
        into(CADRE, row["cadre_id"], row, ("visits",))
        into(UNIT, row["cadre__unit_id"], row, ("visits",))
    # Joined visits: those made by someone outside the scope (the made ones are counted above).
    joined_units: dict = defaultdict(set)
    one = {"visits": 1}
    for visit_id, cadre_id, unit_id, maker_id, maker_unit_id in (
        Visit.participants.through.objects.filter(visit__date__range=(period.start, period.end))
        .order_by()
        .values_list("visit_id", "cadre_id", "cadre__unit_id", "visit__cadre_id", "visit__cadre__unit_id")
    ):
        if cadre_id != maker_id:
            into(CADRE, cadre_id, one, ("visits",))
        if unit_id is not None and unit_id != maker_unit_id:
            joined_units[unit_id].add(visit_id)
    for unit_id, visit_ids in joined_units.items():
        into(UNIT, unit_id, {"visits": len(visit_ids)}, ("visits",))

    # Pairings in force during P, with whether the paired enterprise was visited in P: one
    # statement for both people kinds (the pairings are joined once, then counted per cadre and
    # per unit), the same rows as ``_enterprise_counts`` reads per kind.
    by_kind = {"c": raw[CADRE], "u": raw[UNIT]}
    with connection.cursor() as cursor:
        cursor.execute(_pairs_sql(), [*seen_params, period.end, period.start])
        for kind, key, active, visited in cursor.fetchall():
            if key is not None:  # the only source of these two counts for the people kinds
                counts = by_kind[kind][key]
                counts["enterprises_active"] = active
                counts["enterprises_visited"] = visited or 0

    # Requests received in P, and the overdue stock as of min(today, end of P).
    end_at = period.end_at
    paths = ("enterprise__town_id", "enterprise__industry", "lead_unit_id", "cadre_id")

    def kinds_of(row):
        return (
            (COUNTY, None),
            (TOWN, row["enterprise__town_id"]),
            (INDUSTRY, row["enterprise__industry"]),
            (UNIT, row["lead_unit_id"]),
            (CADRE, row["cadre_id"]),
        )

    names = lookups.category_names
    for row in (
        Request.objects.filter(submitted_at__gte=period.start_at, submitted_at__lt=end_at)
        .order_by()
        .values(*paths, "category_id")
        .annotate(**_request_aggregates(end_at))
    ):
        if row["category_id"] not in names:  # a category added since the run's lookups were read
            names.update(Category.objects.values_list("pk", "name"))
        name = names[row["category_id"]]
        for kind, key in kinds_of(row):
            if key is None and kind != COUNTY:
                continue
            into(kind, key, row, _REQUEST_FIELDS)
            categories[kind][key][name] += row["requests"]
    for row in overdue_queryset(period, today).order_by().values(*paths).annotate(overdue=Count("pk")):
        for kind, key in kinds_of(row):
            into(kind, key, row, ("overdue",))

    # Industry chains share enterprises (an enterprise may be in two), so they cannot be summed
    # from the groups above: four grouped queries of their own, through the membership table
    # (each (chain, enterprise) pair once, so plain counts are exact) — ``compute_grouped``'s
    # chain queries, with the served test folded into the enterprise count.
    with connection.cursor() as cursor:
        cursor.execute(_chain_enterprises_sql(), seen_params)
        for chain_id, active, visited in cursor.fetchall():
            row = {"enterprises_active": active, "enterprises_visited": visited}
            into(CHAIN, chain_id, row, ("enterprises_active", "enterprises_visited"))
    for row in (
        Visit.objects.filter(dated).order_by().values("enterprise__chains").annotate(visits=Count("pk"))
    ):
        into(CHAIN, row["enterprise__chains"], row, ("visits",))
    for row in (
        Request.objects.filter(submitted_at__gte=period.start_at, submitted_at__lt=end_at)
        .order_by()
        .values("enterprise__chains", "category_id")
        .annotate(**_request_aggregates(end_at))
    ):
        key = row["enterprise__chains"]
        if key is None:
            continue
        if row["category_id"] not in names:
            names.update(Category.objects.values_list("pk", "name"))
        into(CHAIN, key, row, _REQUEST_FIELDS)
        categories[CHAIN][key][names[row["category_id"]]] += row["requests"]
    for row in (
        overdue_queryset(period, today).order_by().values("enterprise__chains").annotate(overdue=Count("pk"))
    ):
        into(CHAIN, row["enterprise__chains"], row, ("overdue",))

    baselines = {
        COUNTY: [""],
        TOWN: list(key_maps[TOWN].to_id),
        UNIT: lookups.units,
        CADRE: lookups.cadres,
        INDUSTRY: sorted(industries),
        CHAIN: lookups.chains,
    }
    result: dict = {}
    for kind in SCOPE_KINDS:
        split = categories[kind]
        if kind in _KEY_MODELS:  # KeyMap.key, without a method call per key
            to_key = key_maps[kind].to_key.__getitem__
        else:
            to_key = (lambda raw: "") if kind == COUNTY else (lambda raw: raw or "")
        by_key = {
            to_key(k): Metrics.from_counts(values, dict(split[k]) if k in split else {})
            for k, values in raw[kind].items()
        }
        for key in baselines[kind]:
            if key not in by_key:  # (not setdefault: it would build a Metrics for every key)
                by_key[key] = Metrics.from_counts({}, {})
        result[kind] = by_key
    return result
