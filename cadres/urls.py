from django.urls import path, re_path

from cadres import views

app_name = "cadres"
urlpatterns = [
    path("", views.cadre_list, name="list"),
    path("attention/", views.attention, name="attention"),
    path("<int:pk>/", views.cadre_detail, name="detail"),
    path("<int:pk>/pairs/", views.cadre_pairs, name="pairs"),
    path("<int:pk>/pairs/add/", views.cadre_pairs_add, name="pairs_add"),
    path("enterprises/<int:pk>/pairs/", views.enterprise_pairs, name="enterprise_pairs"),
    path("enterprises/<int:pk>/pairs/add/", views.enterprise_pairs_add, name="enterprise_pairs_add"),
    path("assignments/<int:pk>/end/", views.assignment_end, name="assignment_end"),
    path("transfer/", views.transfer, name="transfer"),
    path("suggestions/", views.suggestions, name="suggestions"),
    path("suggestions/accept/", views.suggestions_accept, name="suggestions_accept"),
    path("ledger/", views.ledger_home, name="ledger"),
    re_path(
        r"^ledger/templates/(?P<kind>[a-z_]+)\.(?P<fmt>xlsx|csv)$",
        views.ledger_template,
        name="ledger_template",
    ),
    re_path(
        r"^ledger/export/(?P<kind>[a-z_]+)\.(?P<fmt>xlsx|csv)$", views.ledger_export, name="ledger_export"
    ),
]
