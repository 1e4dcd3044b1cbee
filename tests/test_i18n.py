"""The English translation is complete and honest.

* the catalogue (qiqing/locale/en/LC_MESSAGES/django.po) has a translation for every entry, none
  fuzzy, with the same placeholders as the Chinese source;
* the compiled .mo says what the .po says (nobody forgot ``make messages``);
* with the language switched to English, the pages each role works in show no Chinese except
  the data the county typed in (names of towns, units, enterprises, cadres, categories, texts);
* without the switch — even for an English-language browser — the pages stay Chinese.
"""

from __future__ import annotations

import ast
import gettext
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse

from cadres.models import Cadre, StaffRole, Unit
from enterprises.models import Enterprise, EnterpriseContact, Tag, Town
from qiqing.models import Notification
from requests_tracker.models import (
    Category,
    Escalation,
    ExtensionRequest,
    Request,
    RequestAssist,
    RequestEvent,
)
from requests_tracker.services import request_assign
from tests.analytics.test_reports import LAST_MONTH, history  # noqa: F401 - history is a fixture
from visits.models import Visit, VisitRevision

LOCALE = Path(settings.BASE_DIR) / "qiqing" / "locale" / "en" / "LC_MESSAGES"
CJK = re.compile(r"[\u4e00-\u9fff]")
# %(name)s, %s, %d, %.1f, %%: the conversions Python's % operator reads.
PYTHON_FORMAT = re.compile(r"%(?:\([^)]*\))?[-#0 +]*\d*(?:\.\d+)?[sdifr%]")
BRACE_FORMAT = re.compile(r"(?<!\{)\{[A-Za-z_]\w*\}(?!\})")


# --- the catalogue ---------------------------------------------------------------------------
def _unquote(line: str) -> str:
    return ast.literal_eval(line)


def parse_po(path: Path) -> list[dict]:
    """Entries of a .po file as dicts: msgctxt, msgid, msgid_plural, msgstr (str) or
    msgstr_plural ({n: str}), flags (set), obsolete (bool). Enough of the format for our file."""
    entries, entry, field = [], None, None

    def finish():
        if entry is not None and ("msgid" in entry):
            entries.append(entry)

    def new_entry():
        return {"flags": set(), "msgctxt": None, "msgid_plural": None, "msgstr_plural": {}, "obsolete": False}

    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line:
            finish()
            entry, field = None, None
            continue
        if entry is None:
            entry = new_entry()
        if line.startswith("#~"):
            # An obsolete entry: parsed like any other and flagged, so a test can refuse it.
            entry["obsolete"] = True
            line = line[2:].strip()
        if line.startswith("#,"):
            entry["flags"] |= {flag.strip() for flag in line[2:].split(",")}
            continue
        if line.startswith("#"):
            continue
        if line.startswith('"'):
            value = _unquote(line)
            if isinstance(field, tuple):
                entry["msgstr_plural"][field[1]] += value
            else:
                entry[field] += value
            continue
        keyword, _space, rest = line.partition(" ")
        match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
        if match:
            field = ("msgstr_plural", int(match.group(1)))
            entry["msgstr_plural"][field[1]] = _unquote(rest)
        else:
            field = keyword
            entry[field] = _unquote(rest)
    finish()
    return entries


@pytest.fixture(scope="module")
def catalogue() -> list[dict]:
    entries = parse_po(LOCALE / "django.po")
    return [e for e in entries if e["msgid"] != ""]  # the header


def _label(entry) -> str:
    return f"{entry['msgctxt'] + ' | ' if entry['msgctxt'] else ''}{entry['msgid']!r}"


def _translations(entry) -> list[str]:
    if entry["msgid_plural"] is not None:
        return [entry["msgstr_plural"][n] for n in sorted(entry["msgstr_plural"])]
    return [entry["msgstr"]]


def test_the_catalogue_is_the_english_one_and_not_trivially_small(catalogue):
    header = parse_po(LOCALE / "django.po")[0]
    assert header["msgid"] == "" and "Language: en" in header["msgstr"]
    assert "Plural-Forms: nplurals=2; plural=(n != 1);" in header["msgstr"]
    assert "fuzzy" not in header["flags"]
    assert len(catalogue) > 1000


def test_every_entry_is_translated_and_none_is_fuzzy(catalogue):
    problems = []
    for entry in catalogue:
        if entry["obsolete"]:
            problems.append(f"obsolete entry left in the file: {_label(entry)}")
        if "fuzzy" in entry["flags"]:
            problems.append(f"fuzzy: {_label(entry)}")
        texts = _translations(entry)
        if entry["msgid_plural"] is not None and len(texts) != 2:
            problems.append(f"needs two plural forms: {_label(entry)}")
        if any(not text.strip() for text in texts):
            problems.append(f"untranslated: {_label(entry)}")
    assert not problems, "\n".join(problems)


def test_translations_keep_the_placeholders_of_the_source(catalogue):
    problems = []
    for entry in catalogue:
        for text in _translations(entry):
            python = "python-format" in entry["flags"]
            if python and sorted(PYTHON_FORMAT.findall(entry["msgid"])) != sorted(
                PYTHON_FORMAT.findall(text)
            ):
                problems.append(f"placeholders differ: {_label(entry)} → {text!r}")
            brace = "python-brace-format" in entry["flags"]
            if brace and sorted(BRACE_FORMAT.findall(entry["msgid"])) != sorted(BRACE_FORMAT.findall(text)):
                problems.append(f"{{}} placeholders differ: {_label(entry)} → {text!r}")
    assert not problems, "\n".join(problems)


def test_translations_are_english(catalogue):
    """A msgstr holding Chinese is a copy of the source, not a translation — except where the
    English text must name what is typed into a Chinese spreadsheet (ledger headers, examples)."""
    ledger_words = re.compile(
        r"属地编码|所属镇街编码|镇街名称|编号|镇街|部门|镇级|西塘镇|人民政府|办事处|招工用工|返岗|普工|招工"
    )
    leftovers = [
        f"{_label(entry)} → {text!r}"
        for entry in catalogue
        for text in _translations(entry)
        if CJK.search(ledger_words.sub("", text))
    ]
    assert not leftovers, "\n".join(leftovers)


# What `make messages` leaves out (MESSAGES_IGNORE in the Makefile), and the catalogues themselves:
# makemessages writes into any ``locale`` directory it finds, so it must only ever see a copy.
NOT_SCANNED = (
    ".venv",
    ".tools",
    "var",
    "tests",
    "static",
    "test-artifacts",
    ".git",
    "locale",
    "node_modules",
)


def test_every_translatable_string_in_the_code_is_in_the_catalogue(
    catalogue, tmp_path, settings, monkeypatch
):
    """makemessages over a copy of the project finds nothing the committed catalogue lacks: a
    new string without its English fails here, not in front of a user."""
    import shutil

    from django.core.management import call_command

    copy = tmp_path / "src"
    shutil.copytree(
        settings.BASE_DIR,
        copy,
        ignore=lambda directory, names: [
            n
            for n in names
            if n in NOT_SCANNED or n == "__pycache__" or n.endswith((".mo", ".po", ".sqlite3"))
        ],
    )
    settings.LOCALE_PATHS = [copy / "locale"]
    monkeypatch.chdir(copy)
    call_command("makemessages", locale=["en"], no_location=True, verbosity=0)
    found = {
        (e["msgctxt"], e["msgid"])
        for e in parse_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po")
        if e["msgid"] and not e["obsolete"]
    }
    assert len(found) > 1000, f"makemessages found only {len(found)} strings: did it scan the project?"
    committed = {(e["msgctxt"], e["msgid"]) for e in catalogue if not e["obsolete"]}
    missing = sorted(found - committed, key=repr)
    assert not missing, f"run `make messages` and translate: {missing[:10]}"


def test_the_compiled_catalogue_matches_the_po(catalogue):
    """Every entry of the .po translates the same through the .mo: an edit without
    ``make messages`` (or a stale .mo) fails here."""
    with open(LOCALE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)
    stale = []
    for entry in catalogue:
        context, msgid = entry["msgctxt"], entry["msgid"]
        if entry["msgid_plural"] is not None:
            got = [
                compiled.npgettext(context, msgid, entry["msgid_plural"], n)
                if context
                else compiled.ngettext(msgid, entry["msgid_plural"], n)
                for n in (1, 2)
            ]
        else:
            got = [compiled.pgettext(context, msgid) if context else compiled.gettext(msgid)]
        if got != _translations(entry):
            stale.append(f"{_label(entry)}: .mo {got!r} ≠ .po {_translations(entry)!r}")
    assert not stale, "\n".join(stale[:20])


# --- the pages ---------------------------------------------------------------------------------
class _VisibleText(HTMLParser):
    """Text a person sees or hears on a page: text nodes (not scripts or styles), the accessible
    attributes, button values, and every string in the JSON that charts are drawn from."""

    ATTRIBUTES = (
        "placeholder",
        "title",
        "aria-label",
        "alt",
        "data-label-ok",
        "data-label-over",
        "data-label-under",
    )

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._json = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._skip += 1
            self._json = tag == "script" and attrs.get("type") == "application/json"
        for name in self.ATTRIBUTES:
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1
            self._json = False

    def handle_data(self, data):
        if self._json:
            self.parts.extend(_strings(json.loads(data)))
        elif not self._skip:
            self.parts.append(data)


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def visible_text(html: str) -> str:
    parser = _VisibleText()
    parser.feed(html)
    return "\n".join(parser.parts)


# The language switcher names each language in its own language, as switchers do.
ENDONYMS = ("简体中文",)


def data_values() -> list[str]:
    """What the county typed in (or the seed data installed): shown as it is in every language."""
    user_model = get_user_model()
    values = set(ENDONYMS)
    for model, fields in (
        (Town, ("name",)),
        (Unit, ("name",)),
        (Tag, ("name",)),
        (Enterprise, ("name", "industry", "address", "legal_rep")),
        (Cadre, ("name", "title")),
        (EnterpriseContact, ("name", "title")),
        (Category, ("name",)),
        (Request, ("description", "contact_name", "response", "reject_reason")),
        (RequestEvent, ("note",)),
        (RequestAssist, ("answer",)),
        (ExtensionRequest, ("reason", "decision_note")),
        (Escalation, ("reason", "answer")),
        (Visit, ("summary",)),
        (VisitRevision, ("reason",)),
        (Notification, ("title", "body")),
        (user_model, ("first_name", "last_name")),
    ):
        for row in model.objects.values_list(*fields):
            values.update(value for value in row if value)
    for changes in VisitRevision.objects.values_list("changes", flat=True):
        values.update(
            text for change in changes.values() for text in (change["before"], change["after"]) if text
        )
    # Longest first, so that 甲镇人民政府 goes before 甲镇.
    return sorted(values, key=len, reverse=True)


def chinese_left(html: str, extra_data=()) -> list[str]:
    text = visible_text(html)
    for value in sorted({*data_values(), *extra_data}, key=len, reverse=True):
        text = text.replace(value, " ")
    return sorted({line.strip() for line in text.splitlines() if CJK.search(line)})


@pytest.fixture
def english(client):
    """``english(user)``: the test client logged in as ``user`` with English chosen in the switcher."""

    def _english(user):
        client.force_login(user)
        response = client.post(reverse("set_language"), {"language": "en", "next": "/"})
        assert response.status_code == 302
        return client

    return _english


def _pages(world):
    ent_a1, req_a1, visit_a1 = world.ent_a1, world.req_a1, world.visit_a1
    return {
        "cadre": [
            (reverse("visits:my_enterprises"), ["My enterprises", "Last visit", "Log a visit"]),
            (reverse("visits:log"), ["Log a visit", "Visit date", "Visit mode", "Summary", "Submit visit"]),
            (reverse("visits:detail", args=[visit_a1.pk]), ["Visit date", "Visiting cadre", "Corrections"]),
            (reverse("visits:enterprise_file", args=[ent_a1.pk]), ["Profile", "Unified social credit code"]),
            (reverse("visits:list"), ["Visit log", "Filter"]),
            (reverse("requests_tracker:detail", args=[req_a1.pk]), ["History", "Deadlines"]),
            (reverse("analytics:my_record"), ["My record"]),
        ],
        "supervisor": [
            (reverse("requests_tracker:triage"), ["Triage", "Extension requests awaiting a decision"]),
            (
                reverse("requests_tracker:detail", args=[req_a1.pk]),
                ["Lead unit", "Source", "Handling", "History"],
            ),
            (reverse("requests_tracker:list"), ["Requests", "Status", "Filter"]),
            (reverse("requests_tracker:notices"), ["Supervision"]),
            (reverse("analytics:coverage"), ["Visit coverage", "Visit coverage by town", "Export to Excel"]),
            (reverse("analytics:coverage_town", args=[world.town_a.pk]), ["Visit coverage in"]),
            (reverse("analytics:issues"), ["Issue mix and seasonal patterns"]),
            (reverse("analytics:overdue"), ["Overdue supervision"]),
            (reverse("analytics:ranking"), ["Town ranking"]),
            (reverse("analytics:problems"), ["Common problems"]),
            (reverse("analytics:overview"), ["Programme overview", "Open requests"]),
            (reverse("analytics:cadre_records"), ["Cadre records"]),
            (reverse("analytics:reports"), ["Monthly report", "Generate monthly report"]),
            (reverse("cadres:list"), ["Liaison cadres"]),
            (reverse("cadres:attention"), ["Pairings needing attention"]),
            (reverse("enterprises:list"), ["Enterprise directory"]),
        ],
        "handler": [
            (reverse("requests_tracker:inbox"), ["My unit's requests to do", "Next deadline"]),
            (reverse("requests_tracker:detail", args=[req_a1.pk]), ["Sign for", "Return", "History"]),
        ],
        "contact": [
            (reverse("requests_tracker:portal"), ["My requests", "Submit a request"]),
            (reverse("requests_tracker:submit"), ["Submit a request", "Category", "Description"]),
            (reverse("visits:my_file"), ["Profile", "Visits and requests"]),
        ],
        "admin": [
            (reverse("cadres:ledger"), ["Ledger import and export", "Upload and import", "Units"]),
            (reverse("analytics:jobs"), ["Scheduled jobs", "Run now"]),
            (reverse("requests_tracker:calendar"), ["Holiday calendar"]),
            (reverse("notifications"), ["Notifications"]),
        ],
    }


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["cadre", "supervisor", "handler", "contact", "admin"])
def test_pages_are_english_apart_from_the_data(english, world, persona):
    client = english(world.users[persona])
    failures = []
    for url, expected in _pages(world)[persona]:
        response = client.get(url, follow=True)
        if response.status_code != 200:
            failures.append(f"{url}: status {response.status_code}")
            continue
        html = response.content.decode()
        if '<html lang="en">' not in html:
            failures.append(f"{url}: not rendered in English")
        text = visible_text(html)
        missing = [phrase for phrase in expected if phrase not in text]
        if missing:
            failures.append(f"{url}: missing {missing}")
        left = chinese_left(html)
        if left:
            failures.append(f"{url}: Chinese outside the data: {left}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_an_english_supervisor_assigning_a_request_reads_english_and_records_chinese(english, world):
    """What the actor is told follows their language; the event note is the record everyone
    reads later, so it stays Chinese (and is shown as data)."""
    client = english(world.users["supervisor"])
    request = world.req_b1
    Request.objects.filter(pk=request.pk).update(status=Request.Status.SUBMITTED, lead_unit=None)
    response = client.post(
        reverse("requests_tracker:action", args=[request.pk, "assign"]),
        {"lead_unit": world.unit_edu.pk, "category": request.category_id, "version": request.version},
        follow=True,
    )
    html = response.content.decode()
    assert response.status_code == 200 and f"Assigned to {world.unit_edu.name}" in html, html[-2000:]
    note = RequestEvent.objects.filter(request=request, action=RequestEvent.Action.ASSIGN).get().note
    assert note.startswith(f"交办{world.unit_edu.name}办理")
    assert not chinese_left(html), chinese_left(html)


@pytest.mark.django_db
def test_english_validation_messages(english, world):
    client = english(world.users["cadre"])
    response = client.post(reverse("visits:log"), {"enterprise": world.ent_a1.pk, "mode": "onsite"})
    text = visible_text(response.content.decode())
    assert response.status_code == 200
    assert "Please enter the visit date." in text and "Please write the visit summary." in text
    assert not chinese_left(response.content.decode())


@pytest.mark.django_db
def test_request_assign_service_messages_follow_the_active_language(world):
    from django.core.exceptions import ValidationError
    from django.utils import translation

    Request.objects.filter(pk=world.req_a1.pk).update(status=Request.Status.SUBMITTED)
    world.req_a1.refresh_from_db()
    supervisor = world.users["supervisor"]
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        request_assign(actor=supervisor, request=world.req_a1, lead_unit=None)
    assert refused.value.message_dict == {"lead_unit": ["Please choose an active lead unit."]}
    with translation.override("zh-hans"), pytest.raises(ValidationError) as refused:
        request_assign(actor=supervisor, request=world.req_a1, lead_unit=None)
    assert refused.value.message_dict == {"lead_unit": ["请选择启用中的牵头单位。"]}


@pytest.mark.django_db
def test_without_the_switch_pages_stay_chinese_even_for_an_english_browser(client, world):
    client.force_login(world.users["cadre"])
    response = client.get(reverse("visits:my_enterprises"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    html = response.content.decode()
    assert response.status_code == 200 and '<html lang="zh-hans">' in html
    assert "我的企业" in html and "走访登记" in html
    assert "My enterprises" not in html and "Log a visit" not in html


@pytest.mark.django_db
def test_the_staff_role_labels_are_translated_in_the_user_menu(english, world):
    assert StaffRole.objects.filter(user=world.users["supervisor"]).exists()
    html = english(world.users["supervisor"]).get(reverse("analytics:overview")).content.decode()
    assert "Enterprise Service Office" in html


@pytest.mark.django_db
def test_an_english_admin_gets_the_ledger_report_in_english(
    english, world, tmp_path, django_capture_on_commit_callbacks
):
    """The import runs in the background in the language of who uploaded the file; the column
    headers and cell values it quotes are the spreadsheet's own (Chinese) and stay as they are."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from qiqing import ledger
    from qiqing.models import BackgroundJob
    from tests.ledger.conftest import replace, write_csv

    client = english(world.users["admin"])
    header, rows = replace("enterprises", 0, "属地编码", "NOPE")
    path = write_csv(tmp_path / "ents.csv", header, rows)
    with open(path, "rb") as handle, django_capture_on_commit_callbacks(execute=True):
        upload = SimpleUploadedFile(path.name, handle.read())
        response = client.post(reverse("cadres:ledger"), {"kind": "enterprises", "file": upload})
    job = BackgroundJob.objects.get(kind="ledger_import")
    assert job.status == "done" and job.title == f"Import Enterprises ledger: {path.name}"
    html = client.get(response.url).content.decode()
    assert "Enterprises ledger: 3 errors, nothing was written." in html
    assert "Unknown territory code: import the town in the units ledger first." in html
    headers = {column.label for kind in ledger.kinds() for column in kind.columns}
    cells = {cell for row in rows for cell in row if cell}
    assert not chinese_left(html, headers | cells), chinese_left(html, headers | cells)


@pytest.mark.django_db
@pytest.mark.usefixtures("history")
def test_dashboards_with_data_and_the_monthly_report_are_english(
    english, world, django_capture_on_commit_callbacks
):
    """Last month's activity (visits, a closed and an overdue request, a town ranking) on the
    dashboards, in the charts' data and in the monthly report workbook."""
    from openpyxl import load_workbook

    from qiqing.models import BackgroundJob

    Visit.objects.filter(enterprise=world.ent_a2).update(orders="ample", headcount=120)
    Request.objects.filter(status="in_progress").update(is_overdue=True)
    client = english(world.users["supervisor"])
    failures = []
    for name, params in (
        ("analytics:coverage", {"period": "month"}),
        ("analytics:coverage", {"period": "custom", "start": "2026-01-02", "end": "2026-01-01"}),
        ("analytics:issues", {}),
        ("analytics:overdue", {}),
        ("analytics:ranking", {}),
        ("analytics:cadre_records", {}),
        ("analytics:overview", {}),
    ):
        response = client.get(reverse(name), params)
        left = chinese_left(response.content.decode())
        if response.status_code != 200 or left:
            failures.append(f"{name} {params}: {response.status_code} {left}")
    assert not failures, "\n".join(failures)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("analytics:reports"), {"month": f"{LAST_MONTH.start:%Y-%m}"})
    job = BackgroundJob.objects.get()
    assert job.title.startswith("Monthly report ") and job.params["language"] == "en"
    page = client.get(response.url).content.decode()
    assert not chinese_left(page), chinese_left(page)
    download = client.get(reverse("job_file", args=[job.pk]))
    sheets = load_workbook(filename=__import__("io").BytesIO(b"".join(download.streaming_content))).sheetnames
    assert sheets[0] == "Note" and "Headline figures" in sheets
    assert not [name for name in sheets if CJK.search(name)], sheets


@pytest.mark.django_db
def test_the_login_page_follows_the_switch(client):
    client.post(reverse("set_language"), {"language": "en", "next": "/"})
    html = client.get(reverse("login")).content.decode()
    assert '<html lang="en">' in html and "Log in" in html
    assert chinese_left(html) == [], chinese_left(html)
