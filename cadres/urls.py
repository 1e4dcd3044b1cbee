from django.urls import path

from cadres import views

app_name = "cadres"
urlpatterns = [
    path("", views.cadre_list, name="list"),
    path("attention/", views.attention, name="attention"),
    path("<int:pk>/", views.cadre_detail, name="detail"),
]
