"""A deterministic demo county at Jiashan's scale (``manage.py seed_demo``).

At ``scale=1`` over the default 18 months it reproduces the programme's reference figures from
raw rows: 362 active cadres each holding 2–10 enterprises, 1,801 enterprises of which 1,782
were visited (coverage 98.95 %), 10,602 visits and 2,074 requests. Requests follow the seasonal
mix of DESIGN.md §1: hiring (招工用工) peaks in the weeks after Spring Festival, children's
schooling (子女就学) after the summer holiday, and the schooling share falls from about 15 % in
the first calendar year to about 2 % in the next.

Everything is drawn from one ``random.Random(seed)``, so the same seed and end date give the
same county. Rows are written with ``bulk_create`` in batches so ``--scale 50`` stays within
memory.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.contrib.auth import get_user_model
from django.db import transaction

from analytics.dispatch_demo import seed_dispatch
from analytics.periods import spring_festival
from cadres.models import Assignment, Cadre, Level, StaffRole, Unit
from enterprises.models import Enterprise, EnterpriseContact, Tag, Town
from enterprises.validators import org_code_check_char, uscc_check_char
from groups import demo as groups_demo
from qiqing.i18n import stored
from requests_tracker.categories import DEFAULT_CATEGORIES
from requests_tracker.models import Category, Request, RequestAssist, RequestEvent
from requests_tracker.workdays import add_workdays, is_workday
from visits.models import Visit

TZ = ZoneInfo("Asia/Shanghai")
DEMO_PASSWORD = "Demo-2026-qiqing"
BATCH = 5000

# Reference figures per unit of scale (Jiashan 企情在线, first ~17 months).
CADRES = 362
ENTERPRISES = 1801
NEVER_VISITED = 19  # 1,782 of 1,801 visited → 98.95 %
VISITS = 10602
REQUESTS = 2074

TOWNS = [
    ("330421001", "罗星街道", "street", 1.3),
    ("330421002", "魏塘街道", "street", 1.2),
    ("330421003", "惠民街道", "street", 1.2),
    ("330421101", "大云镇", "town", 0.8),
    ("330421102", "西塘镇", "town", 1.0),
    ("330421103", "干窑镇", "town", 0.9),
    ("330421104", "陶庄镇", "town", 0.9),
    ("330421105", "天凝镇", "town", 1.0),
    ("330421106", "姚庄镇", "town", 1.1),
]

DEPARTMENTS = [
    ("D01", "县委组织部"),
    ("D02", "县经信局"),
    ("D03", "县发改局"),
    ("D04", "县人力社保局"),
    ("D05", "县教育局"),
    ("D06", "县自然资源和规划局"),
    ("D07", "县住建局"),
    ("D08", "县交通运输局"),
    ("D09", "县生态环境分局"),
    ("D10", "县行政审批局"),
    ("D11", "县市场监管局"),
    ("D12", "县商务局"),
    ("D13", "县科技局"),
    ("D14", "县金融办"),
    ("D15", "县税务局"),
    ("D16", "县供电公司"),
    ("D17", "县应急管理局"),
    ("D18", "县人才办"),
    ("D19", "县公安局"),
    ("D20", "县水利局"),
]

# Which department leads each category (牵头单位), and who usually assists (协办).
CATEGORY_UNITS = {
    "招工用工": ("D04", ["D19"]),
    "子女就学": ("D05", ["D04"]),
    "融资信贷": ("D14", ["D02"]),
    "土地厂房": ("D06", ["D07", "D02"]),
    "用电用能": ("D16", ["D03"]),
    "审批手续": ("D10", ["D07", "D09"]),
    "人才引育": ("D18", ["D13"]),
    "环保整改": ("D09", ["D11"]),
    "交通道路": ("D08", ["D07"]),
    "政策咨询": ("D02", ["D03", "D15"]),
    "其他": ("D02", []),
}

INDUSTRIES = [
    ("电子信息", 0.16),
    ("装备制造", 0.16),
    ("精密机械", 0.10),
    ("新材料", 0.09),
    ("纺织服装", 0.08),
    ("木业家具", 0.09),
    ("五金紧固件", 0.09),
    ("食品加工", 0.06),
    ("新能源", 0.06),
    ("光学光电", 0.04),
    ("生物医药", 0.03),
    ("现代服务", 0.04),
]
TAGS = [
    ("重点企业", 0.10),
    ("高新技术企业", 0.15),
    ("专精特新", 0.05),
    ("在建项目", 0.05),
    ("在审批项目", 0.04),
]

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力林斌宇浩凯鹏飞俊峰琳雪婷倩晨晓"
NAME_PARTS = "华泰恒盛鑫达宏源嘉瑞联丰永安金鼎佳信诚科创美星新康益凯翔晨明天宇通力高远博胜昌隆润泽中旭海"
NAME_PREFIXES = ["嘉善", "浙江", "嘉兴", "嘉善县"]
INDUSTRY_WORDS = {
    "电子信息": ["电子", "电子科技", "信息技术", "智能科技"],
    "装备制造": ["机械", "装备", "重工", "智能装备"],
    "精密机械": ["精密机械", "精工", "轴承", "模具"],
    "新材料": ["新材料", "复合材料", "化工新材料"],
    "纺织服装": ["纺织", "服饰", "织造", "针织"],
    "木业家具": ["木业", "家具", "装饰材料"],
    "五金紧固件": ["五金", "紧固件", "标准件"],
    "食品加工": ["食品", "粮油", "农产品"],
    "新能源": ["新能源", "光伏科技", "电池"],
    "光学光电": ["光电", "光学", "照明"],
    "生物医药": ["生物科技", "医疗器械", "制药"],
    "现代服务": ["物流", "供应链管理", "检测技术"],
}

DESCRIPTIONS = {
    "招工用工": [
        "春节后返岗率不高，一线普工缺口约{n}人，希望协助对接劳务输出地招工。",
        "企业扩产需招聘技术工人{n}名，请帮助组织专场招聘会。",
        "外地员工返岗交通有困难，希望协调包车接返。",
        "急需焊工、数控操作工{n}人，希望人社部门推荐。",
        "新招员工技能不足，希望争取岗前培训补贴。",
    ],
    "子女就学": [
        "外来务工员工子女{n}人需在本地就读小学，请协调入学名额。",
        "新引进技术骨干子女入学问题，希望协调就近入学。",
        "员工子女秋季转学手续办理困难，请教育部门指导。",
        "员工子女幼儿园入园难，希望协调学位。",
    ],
    "融资信贷": [
        "年底资金周转紧张，希望对接银行续贷约{n}百万元。",
        "技改项目需中长期贷款，希望协调担保。",
        "希望了解科技型企业信用贷款政策。",
    ],
    "土地厂房": [
        "企业扩产需新增用地约{n}亩，请协调用地指标。",
        "现有厂房不足，希望推荐可租赁的标准厂房。",
        "厂区土地证办理遇到历史遗留问题，请协助。",
    ],
    "用电用能": [
        "夏季用电高峰限电影响生产，请协调错峰用电方案。",
        "新增生产线需要增容{n}千伏安，请协调供电部门。",
        "天然气供应不稳定，影响烘干工序。",
    ],
    "审批手续": [
        "新项目环评、能评审批进度慢，希望加快办理。",
        "厂房扩建规划许可办理材料不清楚，请指导。",
        "消防验收预约时间长，影响投产。",
    ],
    "人才引育": [
        "引进的高层次人才住房补贴申请流程不清楚。",
        "希望对接高校开展产学研合作。",
        "技术人才落户手续咨询。",
    ],
    "环保整改": [
        "VOCs 废气治理整改要求不明确，请环保部门上门指导。",
        "危废处置单位少、费用高，希望协调。",
    ],
    "交通道路": [
        "厂区门口道路破损，大货车进出困难。",
        "员工上下班公交班次少，希望增设站点。",
    ],
    "政策咨询": [
        "想了解今年技改补助政策的申报条件。",
        "咨询研发费用加计扣除政策。",
        "出口退税办理进度咨询。",
        "咨询“专精特新”企业认定条件。",
    ],
    "其他": ["周边企业噪音扰民纠纷，希望协调。", "企业周边治安问题，希望加强巡逻。"],
}
REPLIES = {
    "solved": "经协调已落实，{unit}已与企业对接并办结。",
    "partly": "已部分落实，剩余事项{unit}将于下月底前继续跟进。",
    "explained": "经研究，因政策限制暂无法解决，{unit}已向企业当面解释说明。",
}
VISIT_SUMMARIES = [
    "了解企业生产经营情况，订单{orders}，宣传惠企政策。",
    "走访企业负责人，了解用工和订单情况，企业生产正常。",
    "召开座谈，听取企业意见建议，现场答复政策问题。",
    "回访前期诉求办理情况，企业表示满意。",
    "电话了解企业复工复产和用工需求。",
    "实地查看新建生产线进度，协调解决施工问题。",
]


@dataclass
class DemoResult:
    towns: int = 0
    units: int = 0
    cadres: int = 0
    enterprises: int = 0
    assignments: int = 0
    visits: int = 0
    requests: int = 0
    events: int = 0
    logins: list[str] = field(default_factory=list)


@lru_cache(maxsize=200_000)
def _due(start: dt.date, days: int) -> tuple[dt.date, bool]:
    return add_workdays(start, days)


def _working(day: dt.date) -> bool:
    return is_workday(day)[0]


def _at(day: dt.date, rng: random.Random, start_hour: int = 8, end_hour: int = 18) -> dt.datetime:
    return dt.datetime.combine(
        day, dt.time(rng.randrange(start_hour, end_hour), rng.randrange(60)), tzinfo=TZ
    )


def _next_working(day: dt.date, skip: int) -> dt.date:
    return _due(day, skip)[0] if skip else day


def _month_start_back(day: dt.date, months: int) -> dt.date:
    month_index = day.year * 12 + day.month - 1 - months
    return dt.date(month_index // 12, month_index % 12 + 1, 1)


class DemoCounty:
    def __init__(
        self,
        *,
        scale: int = 1,
        seed: int = 2026,
        until: dt.date,
        months: int = 18,
        progress: Callable[[str], None] = lambda message: None,
    ):
        self.scale = scale
        self.rng = random.Random(seed)
        self.until = until
        self.start = _month_start_back(until, months)
        self.progress = progress
        self.result = DemoResult()
        # The seed's texts are written per default category: make sure each exists.
        for order, (name, limit) in enumerate(DEFAULT_CATEGORIES, start=1):
            Category.objects.get_or_create(name=name, defaults={"time_limit_days": limit, "order": order})
        self.categories = {
            c.name: c for c in Category.objects.filter(name__in=[n for n, _ in DEFAULT_CATEGORIES])
        }
        self.used_names: set[str] = set()
        self.used_codes: set[str] = set()

    # --- reference data ------------------------------------------------------------------
    def build(self) -> DemoResult:
        with transaction.atomic():
            self._towns_units()
            self._enterprises()
            self._cadres_and_pairs()
            self._logins()
        self._visits_and_requests()
        self.groups = groups_demo.seed(self, password=DEMO_PASSWORD)
        seed_dispatch(self)  # 派单目录, 交办批次, 并单, first contacts (analytics.dispatch_demo)
        return self.result

    def _towns_units(self):
        self.towns = []
        for order, (code, name, kind, weight) in enumerate(TOWNS, start=1):
            town, _ = Town.objects.update_or_create(
                code=code, defaults={"name": name, "kind": kind, "order": order}
            )
            town.weight = weight
            self.towns.append(town)
        self.departments = {}
        for code, name in DEPARTMENTS:
            unit, _ = Unit.objects.update_or_create(
                code=code,
                defaults={"name": name, "kind": Unit.Kind.DEPARTMENT, "level": Level.COUNTY, "town": None},
            )
            self.departments[code] = unit
        self.town_units = {}
        for town in self.towns:
            unit, _ = Unit.objects.update_or_create(
                code=f"T{town.code[-3:]}",
                defaults={
                    "name": f"{town.name}人民政府" if town.kind == "town" else f"{town.name}办事处",
                    "kind": Unit.Kind.TOWN,
                    "level": Level.TOWN,
                    "town": town,
                },
            )
            self.town_units[town.pk] = unit
        self.result.towns = len(self.towns)
        self.result.units = len(self.departments) + len(self.town_units)
        self.tags = {name: Tag.objects.get_or_create(name=name)[0] for name, _ in TAGS}

    def _person(self) -> str:
        rng = self.rng
        given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
        return rng.choice(SURNAMES) + given

    def _enterprise_name(self, industry: str) -> str:
        rng = self.rng
        for _ in range(1000):
            core = rng.choice(NAME_PARTS) + rng.choice(NAME_PARTS)
            if core[0] == core[1]:
                continue
            suffix = "股份有限公司" if rng.random() < 0.1 else "有限公司"
            name = f"{rng.choice(NAME_PREFIXES)}{core}{rng.choice(INDUSTRY_WORDS[industry])}{suffix}"
            if name not in self.used_names:
                self.used_names.add(name)
                return name
        # Large scales exhaust two-character cores: add a numbered branch instead of looping.
        name = f"{rng.choice(NAME_PREFIXES)}{core}{rng.choice(INDUSTRY_WORDS[industry])}{len(self.used_names)}厂有限公司"
        self.used_names.add(name)
        return name

    def _uscc(self) -> str:
        """A valid code: 9 (工商) 1 (企业) + Jiashan's area code + organisation code + check."""
        rng = self.rng
        while True:
            body = "".join(rng.choice("0123456789ABCDEFGHJKLMNPQRTUWXY") for _ in range(8))
            if body in self.used_codes:
                continue
            self.used_codes.add(body)
            org = body + org_code_check_char(body)
            first17 = "91330421" + org
            return first17 + uscc_check_char(first17)

    def _enterprises(self):
        rng = self.rng
        total = ENTERPRISES * self.scale
        town_weights = [t.weight for t in self.towns]
        industries = [name for name, _ in INDUSTRIES]
        industry_weights = [w for _, w in INDUSTRIES]
        rows = []
        for _ in range(total):
            industry = rng.choices(industries, industry_weights)[0]
            above = rng.random() < 0.25
            output = rng.uniform(2000, 60000) if above else rng.uniform(80, 1999)
            employees = max(5, int(output / rng.uniform(40, 90)))
            town = rng.choices(self.towns, town_weights)[0]
            rows.append(
                Enterprise(
                    uscc=self._uscc(),
                    name=self._enterprise_name(industry),
                    town=town,
                    industry=industry,
                    scale=Enterprise.Scale.ABOVE if above else Enterprise.Scale.BELOW,
                    annual_output=round(output, 2),
                    employees=employees,
                    address=f"{town.name}{rng.choice(['工业园区', '经济开发区', '科创园', ''])}{rng.choice(NAME_PARTS)}{rng.choice('东西南北中')}路{rng.randrange(1, 999)}号",
                    legal_rep=self._person(),
                )
            )
        self.enterprises = []
        for i in range(0, len(rows), BATCH):
            self.enterprises.extend(Enterprise.objects.bulk_create(rows[i : i + BATCH]))
        through = Enterprise.tags.through
        tag_rows = []
        for enterprise in self.enterprises:
            for name, share in TAGS:
                boost = 2.5 if enterprise.scale == Enterprise.Scale.ABOVE and name == "重点企业" else 1.0
                if rng.random() < share * boost:
                    tag_rows.append(through(enterprise_id=enterprise.pk, tag_id=self.tags[name].pk))
        through.objects.bulk_create(tag_rows, batch_size=BATCH)
        self.result.enterprises = len(self.enterprises)
        self.progress(f"企业 {len(self.enterprises)} 家")

    def _cadres_and_pairs(self):
        """362 cadres per scale unit with 2–10 enterprises each; a few pairs changed hands."""
        rng = self.rng
        n_cadres = CADRES * self.scale
        n_ent = len(self.enterprises)
        # Holdings 2..10 per cadre, summing to every enterprise once plus ~4 % second liaisons.
        target = int(n_ent * 1.04)
        holdings = [rng.choice([2, 3, 4, 4, 5, 5, 5, 6, 6, 7, 8, 10]) for _ in range(n_cadres)]
        while sum(holdings) != target:
            i = rng.randrange(n_cadres)
            if sum(holdings) < target and holdings[i] < 10:
                holdings[i] += 1
            elif sum(holdings) > target and holdings[i] > 2:
                holdings[i] -= 1

        by_town: dict[int, list[Enterprise]] = defaultdict(list)
        for enterprise in self.enterprises:
            by_town[enterprise.town_id].append(enterprise)
        for pool in by_town.values():
            rng.shuffle(pool)
        town_ids = [t.pk for t in self.towns]
        units_county = list(self.departments.values())

        cadre_rows = []
        for i in range(n_cadres):
            # About 60 % are town cadres (镇级), the rest from county departments (县级).
            if rng.random() < 0.6:
                town_id = town_ids[i % len(town_ids)]
                unit, level = self.town_units[town_id], Level.TOWN
            else:
                town_id, unit, level = None, rng.choice(units_county), Level.COUNTY
            cadre_rows.append(
                (
                    Cadre(
                        code=f"GB{i + 1:05d}",
                        name=self._person(),
                        unit=unit,
                        level=level,
                        title=rng.choice(["科员", "副科长", "科长", "副主任", "主任", "副镇长", "副局长"]),
                        phone=f"13{rng.randrange(0, 10)}{rng.randrange(10**8):08d}",
                    ),
                    town_id,
                )
            )
        cadres = Cadre.objects.bulk_create([c for c, _ in cadre_rows], batch_size=BATCH)
        self.cadres = cadres

        # Fill primary liaisons first (every enterprise exactly one lead), own town first.
        assigned: dict[int, list[int]] = defaultdict(list)  # cadre pk -> enterprise pks
        lead_of: dict[int, int] = {}
        remaining = sum(len(p) for p in by_town.values())
        order = list(range(n_cadres))
        rng.shuffle(order)
        for idx in order:
            cadre = cadres[idx]
            town_id = cadre_rows[idx][1]
            for _ in range(holdings[idx]):
                if remaining == 0:
                    break
                pool = by_town.get(town_id) if town_id else None
                if not pool:
                    pool = max(by_town.values(), key=len)
                enterprise = pool.pop()
                remaining -= 1
                assigned[cadre.pk].append(enterprise.pk)
                lead_of[enterprise.pk] = cadre.pk
        # Remaining capacity becomes second liaisons (is_lead False) on enterprises of the same town.
        all_ids = [e.pk for e in self.enterprises]
        town_of = {e.pk: e.town_id for e in self.enterprises}
        self.town_of = town_of
        for idx, cadre in enumerate(cadres):
            while len(assigned[cadre.pk]) < holdings[idx]:
                candidate = rng.choice(all_ids)
                if candidate not in assigned[cadre.pk]:
                    assigned[cadre.pk].append(candidate)

        # History: ~3 % of enterprises had an earlier cadre who has since left (调离).
        rows = []
        self.pairs: dict[int, list[tuple[int, dt.date, dt.date | None]]] = defaultdict(list)
        changed = set(rng.sample(all_ids, max(1, n_ent * 3 // 100)))
        former = []
        for i in range(max(1, len(changed) // 4)):
            town_id = rng.choice(town_ids)
            former.append(
                Cadre(
                    code=f"GX{i + 1:05d}",
                    name=self._person(),
                    unit=self.town_units[town_id],
                    level=Level.TOWN,
                    title="科员",
                    active=False,
                )
            )
        former = Cadre.objects.bulk_create(former)
        span = (self.until - self.start).days
        for cadre_pk, enterprise_pks in assigned.items():
            for enterprise_pk in enterprise_pks:
                lead = lead_of.get(enterprise_pk) == cadre_pk
                start = self.start
                if lead and enterprise_pk in changed:
                    handover = self.start + dt.timedelta(days=rng.randrange(span // 4, span * 3 // 4))
                    old = rng.choice(former)
                    rows.append(
                        Assignment(
                            cadre=old,
                            enterprise_id=enterprise_pk,
                            start=self.start,
                            end=handover - dt.timedelta(days=1),
                            is_lead=True,
                        )
                    )
                    self.pairs[enterprise_pk].append((old.pk, self.start, handover - dt.timedelta(days=1)))
                    start = handover
                elif not lead:
                    start = self.start + dt.timedelta(days=rng.randrange(0, span // 2))
                rows.append(
                    Assignment(cadre_id=cadre_pk, enterprise_id=enterprise_pk, start=start, is_lead=lead)
                )
                self.pairs[enterprise_pk].append((cadre_pk, start, None))
        Assignment.objects.bulk_create(rows, batch_size=BATCH)
        self.cadre_units = {c.pk: c.unit_id for c in cadres + former}
        self.result.cadres = len(cadres)
        self.result.assignments = len(rows)
        self.progress(f"干部 {len(cadres)} 名，联系关系 {len(rows)} 条")

    def _logins(self):
        """One login per role; the demo cadre and contact share an enterprise so a walk-through connects."""
        User = get_user_model()

        def make(username, first_name, **extra):
            user, _ = User.objects.update_or_create(
                username=username, defaults={"first_name": first_name, **extra}
            )
            user.set_password(DEMO_PASSWORD)
            user.save()
            self.result.logins.append(username)
            return user

        self.admin = make("admin", "系统管理员", is_staff=True, is_superuser=True)
        self.supervisor = make("supervisor", "王建国（服务企业办）")
        StaffRole.objects.get_or_create(user=self.supervisor, role=StaffRole.Role.SUPERVISOR, town=None)
        self.handler = make("handler", "李敏（人力社保局）")
        StaffRole.objects.get_or_create(
            user=self.handler, role=StaffRole.Role.HANDLER, unit=self.departments["D04"]
        )
        # The demo cadre: the first town cadre of 罗星街道 holding six enterprises.
        cadre_user = make("cadre", "")
        town_unit = self.town_units[self.towns[0].pk]
        cadre = (
            Cadre.objects.filter(unit=town_unit, active=True)
            .with_active_count()
            .filter(active_count__gte=5)
            .order_by("code")
            .first()
            or Cadre.objects.filter(active=True)
            .with_active_count()
            .filter(active_count__gte=3)
            .order_by("code")
            .first()
        )
        cadre.user = cadre_user
        cadre.save(update_fields=["user"])
        cadre_user.first_name = cadre.name
        cadre_user.save(update_fields=["first_name"])
        self.demo_cadre = cadre
        enterprise = (
            cadre.assignments.filter(end__isnull=True, is_lead=True)
            .order_by("enterprise_id")
            .first()
            .enterprise
        )
        contact_user = make("contact", "")
        name = self._person()
        EnterpriseContact.objects.update_or_create(
            user=contact_user,
            defaults={
                "enterprise": enterprise,
                "name": name,
                "title": "工会主席",
                "phone": f"139{self.rng.randrange(10**8):08d}",
            },
        )
        contact_user.first_name = name
        contact_user.save(update_fields=["first_name"])
        self.demo_enterprise = enterprise

    # --- activity ------------------------------------------------------------------------
    def _cadre_on(self, enterprise_pk: int, day: dt.date, lead_only: bool = True) -> int | None:
        choices = [
            c
            for c, start, end in self.pairs.get(enterprise_pk, [])
            if start <= day and (end is None or end >= day)
        ]
        return self.rng.choice(choices) if choices else None

    def _request_plan(self) -> list[tuple[dt.date, str]]:
        """(date, category) for every request, drawn from the seasonal model."""
        rng = self.rng
        days = [self.start + dt.timedelta(days=i) for i in range((self.until - self.start).days + 1)]
        festivals = [spring_festival(y) for y in range(self.start.year - 1, self.until.year + 2)]
        names = list(self.categories)
        first_year = self.start.year

        def weight(day: dt.date, name: str) -> float:
            base = {
                "招工用工": 0.16,
                "子女就学": 0.082,
                "融资信贷": 0.09,
                "土地厂房": 0.08,
                "用电用能": 0.06,
                "审批手续": 0.10,
                "人才引育": 0.07,
                "环保整改": 0.05,
                "交通道路": 0.05,
                "政策咨询": 0.12,
                "其他": 0.05,
            }.get(name, 0.04)
            since = (
                min((day - f).days for f in festivals if f <= day)
                if any(f <= day for f in festivals)
                else 999
            )
            until_next = min((f - day).days for f in festivals if f > day)
            if name == "招工用工":
                if 0 <= since < 28:
                    base *= 5.0  # the post-festival hiring peak
                elif 28 <= since < 56:
                    base *= 2.0
                elif until_next <= 21:
                    base *= 1.4
            elif name == "子女就学":
                # After the summer holiday: places for migrant workers' children (Jul–Sep).
                if (
                    (day.month == 8)
                    or (day.month == 9 and day.day <= 20)
                    or (day.month == 7 and day.day >= 15)
                ):
                    base *= 4.0
                # The county's schooling policy took effect: the share collapses the next year.
                if day.year > first_year:
                    base *= 0.14
            elif name == "用电用能" and day.month in (7, 8):
                base *= 2.0
            elif name == "融资信贷" and (day.month == 12 or until_next <= 30):
                base *= 1.8
            return base

        weights = []
        pairs = []
        for day in days:
            factor = 1.0 if _working(day) else 0.25
            for name in names:
                pairs.append((day, name))
                weights.append(weight(day, name) * factor)
        total = REQUESTS * self.scale
        plan = rng.choices(pairs, weights, k=total)
        plan.sort()
        return plan

    def _visits_and_requests(self):
        rng = self.rng
        enterprises = self.enterprises
        all_ids = [e.pk for e in enterprises]
        never = set(rng.sample(all_ids, NEVER_VISITED * self.scale))
        visitable = [pk for pk in all_ids if pk not in never]
        plan = self._request_plan()
        sources = [
            Request.Source.VISIT,
            Request.Source.ONLINE,
            Request.Source.HOTLINE,
            Request.Source.MEETING,
        ]
        source_weights = [0.55, 0.25, 0.10, 0.10]
        total_visits = VISITS * self.scale
        # Decide each request's enterprise and source first; visit-sourced ones need a visit that day.
        request_specs = []
        visit_specs = []  # (enterprise_pk, cadre_pk, day, mode)
        # A ledger's natural key for a visit is enterprise + cadre + date + mode: never two alike,
        # so the demo county exports and re-imports unchanged.
        visit_keys: dict[tuple, int] = {}
        for day, category in plan:
            source = rng.choices(sources, source_weights)[0]
            if source == Request.Source.VISIT:
                for _ in range(50):
                    enterprise_pk = rng.choice(visitable)
                    cadre_pk = self._cadre_on(enterprise_pk, day)
                    if cadre_pk:
                        break
                else:
                    source, enterprise_pk, cadre_pk = Request.Source.ONLINE, rng.choice(all_ids), None
            else:
                enterprise_pk = rng.choice(all_ids)
                cadre_pk = None
            visit_index = None
            if source == Request.Source.VISIT:
                key = (enterprise_pk, cadre_pk, day, rng.choice(["onsite", "onsite", "meeting"]))
                if key not in visit_keys:
                    visit_keys[key] = len(visit_specs)
                    visit_specs.append(key)
                visit_index = visit_keys[key]
            request_specs.append((day, category, source, enterprise_pk, cadre_pk, visit_index))
        # The demo contact's enterprise gets a handful of online requests of different ages, so
        # the portal shows closed, answered and in-progress ones.
        for age in (150, 60, 25, 12, 6, 1):
            target = self.until - dt.timedelta(days=age)
            for index, spec in enumerate(request_specs):
                if spec[0] >= target and spec[2] == Request.Source.ONLINE:
                    request_specs[index] = (spec[0], spec[1], spec[2], self.demo_enterprise.pk, None, None)
                    break
        # Every visitable enterprise gets at least one visit, then the rest spread at random.
        visited = {spec[0] for spec in visit_specs}
        span = (self.until - self.start).days
        pending = [pk for pk in visitable if pk not in visited]
        while len(visit_specs) < total_visits:
            from_pending = bool(pending)
            enterprise_pk = pending.pop() if pending else rng.choice(visitable)
            for _ in range(20):
                day = self.start + dt.timedelta(days=rng.randrange(span + 1))
                if not _working(day) and rng.random() < 0.8:
                    continue
                cadre_pk = self._cadre_on(enterprise_pk, day)
                if cadre_pk:
                    break
            else:
                day = self.until
                cadre_pk = self._cadre_on(enterprise_pk, day) or self.pairs[enterprise_pk][-1][0]
            mode = rng.choices(["onsite", "phone", "meeting", "followup"], [0.6, 0.2, 0.1, 0.1])[0]
            key = (enterprise_pk, cadre_pk, day, mode)
            if key in visit_keys:
                if from_pending:
                    pending.append(enterprise_pk)  # still owed its first visit
                continue
            visit_keys[key] = len(visit_specs)
            visit_specs.append(key)
        visit_ids = self._write_visits(visit_specs)
        self._write_requests(request_specs, visit_ids)

    def _write_visits(self, specs) -> list[int]:
        rng = self.rng
        employees = {e.pk: e.employees or 20 for e in self.enterprises}
        ids: list[int] = []
        participants = []
        cadre_ids = [c.pk for c in self.cadres]
        for i in range(0, len(specs), BATCH):
            rows = []
            for enterprise_pk, cadre_pk, day, mode in specs[i : i + BATCH]:
                orders = rng.choices(["ample", "normal", "short", ""], [0.3, 0.45, 0.15, 0.1])[0]
                staff = employees[enterprise_pk]
                festival = spring_festival(day.year)
                hiring_season = 0 <= (day - festival).days < 56
                surveyed = rng.random() < 0.85
                rows.append(
                    Visit(
                        enterprise_id=enterprise_pk,
                        cadre_id=cadre_pk,
                        date=day,
                        mode=mode,
                        summary=rng.choice(VISIT_SUMMARIES).format(
                            orders={"ample": "充足", "normal": "基本正常", "short": "不足", "": "平稳"}[
                                orders
                            ]
                        ),
                        orders=orders if surveyed else "",
                        headcount=max(1, int(staff * rng.uniform(0.85, 1.1))) if surveyed else None,
                        vacancies=(
                            int(staff * rng.uniform(0.05, 0.2))
                            if hiring_season
                            else int(staff * rng.uniform(0, 0.06))
                        )
                        if surveyed
                        else None,
                        output_yoy=round(rng.uniform(-15, 25), 2) if surveyed else None,
                        profit_trend=rng.choices(["up", "flat", "down", "loss"], [0.35, 0.35, 0.22, 0.08])[0]
                        if surveyed
                        else "",
                        created_at=_at(day, rng),
                    )
                )
            created = Visit.objects.bulk_create(rows)
            for visit in created:
                ids.append(visit.pk)
                if rng.random() < 0.1:
                    other = rng.choice(cadre_ids)
                    if other != visit.cadre_id:
                        participants.append(Visit.participants.through(visit_id=visit.pk, cadre_id=other))
            self.progress(f"走访 {len(ids)}/{len(specs)}")
        Visit.participants.through.objects.bulk_create(participants, batch_size=BATCH)
        self.result.visits = len(ids)
        return ids

    def _write_requests(self, specs, visit_ids):
        rng = self.rng
        now = dt.datetime.combine(self.until, dt.time(18, 0), tzinfo=TZ)
        per_year: dict[int, int] = defaultdict(int)
        written = 0
        events_total = 0
        for i in range(0, len(specs), BATCH // 5):
            chunk = specs[i : i + BATCH // 5]
            rows, histories, assists = [], [], []
            for day, category_name, source, enterprise_pk, cadre_pk, visit_index in chunk:
                per_year[day.year] += 1
                category = self.categories[category_name]
                request = Request(
                    ref=f"QQ{day.year}{per_year[day.year]:06d}",
                    enterprise_id=enterprise_pk,
                    source=source,
                    category=category,
                    cadre_id=cadre_pk,
                    visit_id=visit_ids[visit_index] if visit_index is not None else None,
                    description=rng.choice(DESCRIPTIONS[category_name]).format(n=rng.randrange(3, 60)),
                    submitted_at=_at(day, rng),
                )
                events, co_units = self._lifecycle(request, category, now)
                rows.append(request)
                histories.append(events)
                assists.append(co_units)
            created = Request.objects.bulk_create(rows)
            event_rows, assist_rows = [], []
            for request, events, co_units in zip(created, histories, assists, strict=True):
                for event in events:
                    event.request_id = request.pk
                    event_rows.append(event)
                for unit, due, answered in co_units:
                    assist_rows.append(
                        RequestAssist(
                            request_id=request.pk,
                            unit=unit,
                            due=due,
                            answered_at=answered,
                            answer="已配合牵头单位提供材料。" if answered else "",
                        )
                    )
            RequestEvent.objects.bulk_create(event_rows, batch_size=BATCH)
            RequestAssist.objects.bulk_create(assist_rows, batch_size=BATCH)
            written += len(created)
            events_total += len(event_rows)
            self.progress(f"诉求 {written}/{len(specs)}")
        self.result.requests = written
        self.result.events = events_total

    def _lifecycle(self, request: Request, category: Category, now: dt.datetime):
        """Walk one request through the states its age allows; return its events and co-units."""
        rng = self.rng
        S, A = Request.Status, RequestEvent.Action
        events: list[RequestEvent] = []
        co_units = []

        def event(action, at, from_status, to_status, note="", public=True, actor=None):
            events.append(
                RequestEvent(
                    action=action,
                    at=at,
                    from_status=from_status,
                    to_status=to_status,
                    note=note,
                    public=public,
                    actor=actor,
                )
            )

        t0 = request.submitted_at
        submitter = self.supervisor if request.source == Request.Source.HOTLINE else None
        event(A.SUBMIT, t0, "", S.SUBMITTED, "", actor=submitter)
        day0 = t0.astimezone(TZ).date()
        assign_day = _next_working(day0, rng.choice([0, 1, 1, 2]))
        assigned_at = _at(assign_day, rng, 9, 17)
        if assigned_at <= t0:
            assigned_at = t0 + dt.timedelta(minutes=rng.randrange(30, 240))
        if assigned_at > now:
            return events, co_units
        if rng.random() < 0.03:
            request.status = S.REJECTED
            request.reject_reason = rng.choice(
                ["不属于企业服务范围（民事纠纷），已引导走司法途径。", "与已受理诉求重复。"]
            )
            event(
                A.REJECT, assigned_at, S.SUBMITTED, S.REJECTED, request.reject_reason, actor=self.supervisor
            )
            return events, co_units
        lead_code, helpers = CATEGORY_UNITS.get(category.name, ("D02", []))
        lead = self.departments[lead_code]
        handler = self.handler if lead_code == "D04" else None
        assign_date = assigned_at.astimezone(TZ).date()
        request.lead_unit = lead
        request.status = S.ASSIGNED
        request.assigned_at = assigned_at
        request.sign_due, e1 = _due(assign_date, 1)
        request.contact_due, e2 = _due(assign_date, 3)
        request.response_due, e3 = _due(assign_date, category.time_limit_days)
        request.deadline_estimated = e1 or e2 or e3
        # The basis the deadlines were counted from (requests_tracker recounts and explains them).
        request.clock_start = assign_date
        request.sign_days, request.contact_days = 1, 3
        request.response_days = category.time_limit_days
        event(
            A.ASSIGN,
            assigned_at,
            S.SUBMITTED,
            S.ASSIGNED,
            f"交办{lead.name}办理，{category.time_limit_days}个工作日内答复。",
            actor=self.supervisor,
        )
        if helpers and rng.random() < 0.15:
            unit = self.departments[rng.choice(helpers)]
            due = _due(assign_date, 3)[0]
            answered = _at(due, rng)
            co_units.append((unit, due, answered if answered <= now else None))

        signed_at = _at(_next_working(assign_date, rng.choice([0, 0, 1, 1, 1, 2])), rng, 8, 18)
        signed_at = max(signed_at, assigned_at + dt.timedelta(minutes=20))
        if signed_at > now:
            request.is_overdue = request.response_due < now.date()
            request.sign_overdue = request.sign_due < now.date()
            request.contact_overdue = request.contact_due < now.date()
            return events, co_units
        request.status = S.IN_PROGRESS
        request.signed_at = signed_at
        event(A.SIGN, signed_at, S.ASSIGNED, S.IN_PROGRESS, "", actor=handler)
        contacted_at = _at(_next_working(signed_at.astimezone(TZ).date(), rng.choice([0, 1, 1, 2, 3])), rng)
        contacted_at = max(contacted_at, signed_at + dt.timedelta(minutes=30))
        if contacted_at <= now:
            request.contacted_at = contacted_at
            event(
                A.CONTACT,
                contacted_at,
                S.IN_PROGRESS,
                S.IN_PROGRESS,
                "已电话联系企业，了解具体情况。",
                actor=handler,
            )

        limit = category.time_limit_days
        late = rng.random() < 0.07
        spend = rng.randrange(limit + 1, limit + 6) if late else rng.randrange(max(1, limit // 3), limit + 1)
        if (now - assigned_at).days < 60 and rng.random() < 0.3:
            spend = limit + rng.randrange(10, 40)  # still on a desk: the supervision board's material
        responded_at = _at(_due(assign_date, spend)[0], rng)
        responded_at = max(responded_at, (request.contacted_at or signed_at) + dt.timedelta(hours=1))
        if responded_at > now:
            request.is_overdue = request.response_due < now.date()
            request.contact_overdue = request.contacted_at is None and request.contact_due < now.date()
            return events, co_units
        outcome = rng.choices(["solved", "partly", "explained"], [0.75, 0.15, 0.10])[0]
        self._respond(request, responded_at, outcome, lead, handler, event)

        while True:
            rated_day = _next_working(
                request.responded_at.astimezone(TZ).date(),
                rng.choice([0, 1, 1, 2, 2, 3, 4, 7, 0, 1, 1, 2, 3]),
            )
            rated_at = max(_at(rated_day, rng), request.responded_at + dt.timedelta(hours=1))
            if rated_at > now:
                return events, co_units
            if (rated_at - request.responded_at).days >= 7:
                closed_at = _at(_due(request.responded_at.astimezone(TZ).date(), 5)[0], rng)
                closed_at = max(closed_at, request.responded_at + dt.timedelta(hours=1))
                if closed_at > now:
                    return events, co_units
                request.status, request.closed_at = S.CLOSED, closed_at
                event(
                    A.AUTO_CLOSE,
                    closed_at,
                    S.RESPONDED,
                    S.CLOSED,
                    "答复后 5 个工作日内企业未评价，自动办结。",
                )
                return events, co_units
            satisfaction = rng.choices(["satisfied", "basic", "unsatisfied"], [0.86, 0.10, 0.04])[0]
            if request.reopen_count >= 2:
                satisfaction = rng.choice(["satisfied", "basic"])
            request.last_rating, request.last_rated_at = satisfaction, rated_at
            if satisfaction != "unsatisfied":
                request.satisfaction, request.rated_at, request.rating_due = satisfaction, rated_at, None
                event(
                    A.RATE,
                    rated_at,
                    S.RESPONDED,
                    S.RESPONDED,
                    stored(Request.Satisfaction(satisfaction).label),
                )
                closed_at = _at(_next_working(rated_at.astimezone(TZ).date(), rng.choice([0, 0, 1])), rng)
                closed_at = max(closed_at, rated_at + dt.timedelta(minutes=10))
                if closed_at > now:
                    return events, co_units
                request.status, request.closed_at = S.CLOSED, closed_at
                event(
                    A.CLOSE,
                    closed_at,
                    S.RESPONDED,
                    S.CLOSED,
                    "企业评价满意，销号办结。",
                    actor=self.supervisor,
                )
                return events, co_units
            # Unsatisfied: the rating itself reopens the request to the same unit with a fresh
            # deadline (one RATE event, responded → reopened), which the unit signs for again.
            request.reopen_count += 1
            request.status = S.REOPENED
            reopen_date = rated_at.astimezone(TZ).date()
            request.clock_start = reopen_date
            request.sign_days, request.contact_days, request.response_days = 1, None, limit
            request.sign_due, e1 = _due(reopen_date, 1)
            request.response_due, e3 = _due(reopen_date, limit)
            request.deadline_estimated = e1 or e3
            event(
                A.RATE,
                rated_at,
                S.RESPONDED,
                S.REOPENED,
                f"不满意：答复未解决问题。已重新交办{lead.name}，答复期限 {request.response_due:%Y-%m-%d}。",
            )
            request.satisfaction, request.rated_at, request.outcome, request.rating_due = "", None, "", None
            second = max(
                _at(_due(reopen_date, rng.randrange(2, limit + 1))[0], rng), rated_at + dt.timedelta(hours=2)
            )
            if second > now:
                request.status = S.IN_PROGRESS
                event(A.SIGN, rated_at + dt.timedelta(hours=1), S.REOPENED, S.IN_PROGRESS, "", actor=handler)
                request.is_overdue = request.response_due < now.date()
                return events, co_units
            event(A.SIGN, rated_at + dt.timedelta(hours=1), S.REOPENED, S.IN_PROGRESS, "", actor=handler)
            request.status = S.IN_PROGRESS
            self._respond(request, second, "solved", lead, handler, event)

    @staticmethod
    def _respond(request, at, outcome, lead, handler, event):
        S, A = Request.Status, RequestEvent.Action
        request.status = S.RESPONDED
        request.responded_at = at
        request.outcome = outcome
        request.response = REPLIES[outcome].format(unit=lead.name)
        request.is_overdue = False
        request.sign_overdue = request.contact_overdue = False
        # The enterprise has this many working days to rate before the request closes on its own.
        request.rating_due = _due(at.astimezone(TZ).date(), 5)[0]
        event(A.RESPOND, at, S.IN_PROGRESS, S.RESPONDED, request.response, actor=handler)
