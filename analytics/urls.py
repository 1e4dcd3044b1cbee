from django.urls import path

from analytics import views

app_name = "analytics"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("record/", views.my_record, name="my_record"),
    path("cadres/<int:pk>/", views.cadre_record, name="cadre_record"),
    path("cadres/", views.cadre_records, name="cadre_records"),
    path("ranking/", views.ranking, name="ranking"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<slug:name>/run/", views.job_run_now, name="job_run_now"),
]
