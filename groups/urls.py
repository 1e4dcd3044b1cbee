from django.urls import path

from groups import views

app_name = "groups"
urlpatterns = [
    path("teams/", views.team_list, name="teams"),
    path("teams/new/", views.team_new, name="team_new"),
    path("teams/<int:pk>/edit/", views.team_edit, name="team_edit"),
    path("chains/", views.chain_list, name="chains"),
    path("commissioners/", views.commissioners, name="commissioners"),
    path("meetups/", views.meetup_list, name="meetups"),
    path("meetups/export/", views.meetup_export, name="meetup_export"),
    path("meetups/new/", views.meetup_new, name="meetup_new"),
    path("meetups/<int:pk>/", views.meetup_detail, name="meetup"),
    path("meetups/<int:pk>/photos/<int:photo_pk>/", views.meetup_photo, name="meetup_photo"),
]
