"""Logging a meetup: one form, several enterprises, problems raised inline become requests."""

from django.urls import reverse
from django.utils import timezone

from groups.models import Meetup
from requests_tracker.models import Request, RequestEvent
from tests import factories as f


def _post(world, problems):
    data = {
        "kind": "tea",
        "theme": "营商早茶会：用工与融资",
        "date": f"{timezone.localdate():%Y-%m-%d}",
        "place": "甲镇便民中心",
        "host_town": world.town_a.pk,
        "enterprises": [world.ent_a1.pk, world.ent_a2.pk, world.ent_a3.pk],
        "units": [world.unit_hr.pk, world.unit_edu.pk],
        "minutes": "现场答复三件。",
        "problems-TOTAL_FORMS": str(len(problems) + 1),  # plus an untouched empty row
        "problems-INITIAL_FORMS": "0",
        "problems-MIN_NUM_FORMS": "0",
        "problems-MAX_NUM_FORMS": "30",
    }
    for index, (enterprise, description) in enumerate(problems):
        data[f"problems-{index}-enterprise"] = enterprise.pk
        data[f"problems-{index}-category"] = f.CategoryFactory().pk
        data[f"problems-{index}-description"] = description
    return data


def test_supervisor_logs_a_meetup_with_three_enterprises_and_two_problems_in_one_form(world, login):
    client = login(world.users["supervisor"])
    problems = [
        (world.ent_a1, "春节后普工缺口二十人，希望协助对接劳务市场。"),
        (world.ent_a3, "技改贷款审批较慢，希望对接银行加快放款。"),
    ]
    response = client.post(reverse("groups:meetup_new"), _post(world, problems))
    meetup = Meetup.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("groups:meetup", args=[meetup.pk])
    assert meetup.enterprises.count() == 3 and meetup.units.count() == 2
    raised = Request.objects.filter(meetup=meetup).order_by("enterprise__name")
    assert [(r.enterprise, r.source, r.status) for r in raised] == [
        (world.ent_a1, "meeting", "submitted"),
        (world.ent_a3, "meeting", "submitted"),
    ]
    assert RequestEvent.objects.filter(request__meetup=meetup, action="submit").count() == 2


def test_the_meetup_page_and_enterprise_file_show_the_meetup(world, login):
    client = login(world.users["supervisor"])
    client.post(
        reverse("groups:meetup_new"), _post(world, [(world.ent_a1, "春节后普工缺口二十人，希望协助招工。")])
    )
    meetup = Meetup.objects.get()
    page = client.get(reverse("groups:meetup", args=[meetup.pk])).content.decode()
    assert "营商早茶会：用工与融资" in page and world.ent_a3.name in page and "春节后普工缺口" in page
    file_page = client.get(reverse("visits:enterprise_file", args=[world.ent_a3.pk])).content.decode()
    assert "data-meetups" in file_page and "营商早茶会：用工与融资" in file_page


def test_town_supervisor_cannot_log_for_another_towns_enterprises(world, login):
    client = login(world.users["town_supervisor"])  # 乙镇
    response = client.post(reverse("groups:meetup_new"), _post(world, []))
    assert response.status_code == 200 and not Meetup.objects.exists()


def test_meetup_export_is_an_xlsx_of_the_visible_meetups(world, groups, login):
    import io

    from openpyxl import load_workbook

    response = login(world.users["town_supervisor"]).get(reverse("groups:meetup_export"))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    themes = [row[2] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert themes == ["乙镇亲清会"]


def test_meetup_photos_are_stored_and_served_only_in_scope(world, login, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.visits.photo_helpers import image_bytes

    settings.MEDIA_ROOT = tmp_path
    client = login(world.users["supervisor"])
    data = _post(world, [])
    data["photos"] = [SimpleUploadedFile("会场.jpg", image_bytes(), content_type="image/jpeg")]
    assert client.post(reverse("groups:meetup_new"), data).status_code == 302
    meetup = Meetup.objects.get()
    photo = meetup.photos.get()
    url = reverse("groups:meetup_photo", args=[meetup.pk, photo.pk])
    assert client.get(url).status_code == 200
    assert login(world.users["contact"]).get(url).status_code == 200  # 甲一 attended
    assert login(world.users["other_contact"]).get(url).status_code == 404


def test_a_pdf_is_not_a_meetup_photo(world, login, settings, tmp_path):
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.MEDIA_ROOT = tmp_path
    data = _post(world, [])
    data["photos"] = [
        SimpleUploadedFile(
            "纪要.pdf", b"%PDF-1.4\n%\xe2\xe3\n1 0 obj<<>>endobj\n%%EOF", content_type="application/pdf"
        )
    ]
    response = login(world.users["supervisor"]).post(reverse("groups:meetup_new"), data)
    assert "会议照片：只能上传图片。" in response.content.decode()
    assert not Meetup.objects.exists()
