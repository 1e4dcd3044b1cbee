from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from qiqing import views

handler500 = "qiqing.views.server_error"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("readyz", views.readyz, name="readyz"),
    path("accounts/login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/<int:pk>/open/", views.notification_open, name="notification_open"),
    path("notifications/read-all/", views.notification_read_all, name="notification_read_all"),
    path("settings/", views.programme_settings, name="programme_settings"),
    path("jobs/<int:pk>/", views.job, name="job"),
    path("jobs/<int:pk>/status/", views.job_status, name="job_status"),
    path("jobs/<int:pk>/file/", views.job_file, name="job_file"),
    path("enterprises/", include("enterprises.urls")),
    path("cadres/", include("cadres.urls")),
    path("visits/", include("visits.urls")),
    path("requests/", include("requests_tracker.urls")),
    path("groups/", include("groups.urls")),
    path("analytics/", include("analytics.urls")),
    path("api/", include("api.urls")),
    path("sysadmin/", admin.site.urls),
]
