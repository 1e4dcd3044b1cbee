from django.urls import path
from django.views.generic import RedirectView

from visits import views

app_name = "visits"
urlpatterns = [
    path("", RedirectView.as_view(pattern_name="visits:list"), name="index"),
    path("mine/", views.my_enterprises, name="my_enterprises"),
    path("new/", views.visit_log_view, name="log"),
    path("sync/", views.visit_sync_view, name="sync"),
    path("sync/token/", views.sync_token, name="sync_token"),
    path("sw.js", views.service_worker, name="service_worker"),
    path("lookup/", views.lookup, name="lookup"),
    path("records/", views.visit_list, name="list"),
    path("records/export/", views.visit_export, name="export"),
    path("<int:pk>/", views.visit_detail, name="detail"),
    path("<int:pk>/correct/", views.visit_correct_view, name="correct"),
    path("<int:pk>/locate/", views.enterprise_locate_view, name="locate"),
    path("<int:pk>/photos/<int:photo_pk>/", views.visit_photo, name="photo"),
    path("<int:pk>/photos/<int:photo_pk>/thumb/", views.visit_photo, {"size": "thumb"}, name="photo_thumb"),
    path("enterprises/<int:pk>/", views.enterprise_file, name="enterprise_file"),
    path("enterprises/mine/", views.my_file, name="my_file"),
]
