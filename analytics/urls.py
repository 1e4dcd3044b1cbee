from django.urls import path
from django.views.generic import RedirectView

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="analytics:coverage"), name="index"),
    path("overview/", views.overview, name="overview"),
    path("coverage/", views.coverage, name="coverage"),
    path("coverage/towns/<int:pk>/", views.coverage_town, name="coverage_town"),
    path("coverage/cadres/<int:pk>/", views.coverage_cadre, name="coverage_cadre"),
    path("issues/", views.issues, name="issues"),
    path("problems/", views.problems, name="problems"),
    path("problems/recompute/", views.problems_recompute, name="problems_recompute"),
    path("problems/<int:pk>/", views.problem, name="problem"),
    path("problems/<int:pk>/case/", views.problem_case, name="problem_case"),
    path("overdue/", views.overdue, name="overdue"),
    path("ranking/", views.ranking, name="ranking"),
    path("trust/", views.trust, name="trust"),
    path("batches/", views.batches, name="batches"),
    path("batches/<int:pk>/", views.batch, name="batch"),
    path("board/", views.board, name="board"),
    path("reports/", views.reports, name="reports"),
    path("record/", views.my_record, name="my_record"),
    path("cadres/<int:pk>/", views.cadre_record, name="cadre_record"),
    path("cadres/", views.cadre_records, name="cadre_records"),
    path("teams/<int:pk>/", views.team, name="team"),
    path("chains/<int:pk>/", views.chain, name="chain"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<slug:name>/run/", views.job_run_now, name="job_run_now"),
]
