from django.urls import path

from requests_tracker import views

app_name = "requests_tracker"
urlpatterns = [
    path("", views.request_list, name="list"),
    path("<int:pk>/", views.request_detail, name="detail"),
]
