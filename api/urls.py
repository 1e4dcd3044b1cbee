from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerSplitView

from api import views

app_name = "api"

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("v1/enterprises/<str:uscc>/", views.EnterpriseDetail.as_view(), name="enterprise"),
    path("v1/requests/", views.RequestSubmit.as_view(), name="request_submit"),
    path("v1/requests/<str:service_request_id>/", views.RequestDetail.as_view(), name="request"),
    path(
        "v1/requests/<str:service_request_id>/history/",
        views.RequestHistory.as_view(),
        name="request_history",
    ),
    path("v1/changes/", views.Changes.as_view(), name="changes"),
    path("v1/categories/", views.Categories.as_view(), name="categories"),
    path("v1/units/", views.Units.as_view(), name="units"),
]
