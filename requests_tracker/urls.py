from django.urls import path

from requests_tracker import views
from requests_tracker.dispatch import views as dispatch
from requests_tracker.trust import views as trust

app_name = "requests_tracker"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("portal/", views.portal, name="portal"),
    path("portal/new/", views.portal_submit, name="submit"),
    path("triage/new/", views.staff_entry, name="staff_entry"),
    path("triage/", views.triage, name="triage"),
    path("triage/batch/", views.batch_assign, name="batch_assign"),
    path("triage/merge/", views.merge, name="merge"),
    path("dispatch/", dispatch.rule_list, name="dispatch_rules"),
    path("dispatch/new/", dispatch.rule_new, name="dispatch_rule_new"),
    path("dispatch/<int:pk>/", dispatch.rule_edit, name="dispatch_rule"),
    path("inbox/", views.inbox, name="inbox"),
    path("notices/", views.notice_list, name="notices"),
    path("notices/red/", views.notice_board, name="notice_board"),
    path("calendar/", views.calendar_coverage, name="calendar"),
    path("calendar/paste/", views.calendar_paste, name="calendar_paste"),
    path("callbacks/", trust.callback_list, name="callbacks"),
    path("callbacks/<int:pk>/", trust.callback_detail, name="callback"),
    path("callbacks/<int:pk>/record/", trust.callback_record, name="callback_record"),
    path("spotchecks/", trust.spotcheck_list, name="spotchecks"),
    path("appeals/", trust.appeal_list, name="appeals"),
    path("appeals/<int:pk>/decide/", trust.appeal_decide, name="appeal_decide"),
    path("rate/<str:token>/", views.rate_by_link, name="rate_by_link"),
    path("<int:pk>/", views.request_detail, name="detail"),
    path("<int:pk>/rating-link/", views.rating_link, name="rating_link"),
    path("<int:pk>/unmerge/", views.unmerge, name="unmerge"),
    path("<int:pk>/appeal/", trust.appeal_submit, name="appeal"),
    path("<int:pk>/files/<int:attachment_pk>/", views.attachment, name="attachment"),
    path("<int:pk>/<slug:action>/", views.request_action, name="action"),
]
