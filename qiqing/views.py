from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from qiqing.navigation import home_url_name


@login_required
def home(request):
    """Send each user to their role's landing page; users with no role get an explanation."""
    url_name = home_url_name(request.user)
    if url_name:
        return redirect(url_name)
    return render(request, "home_no_role.html")


@never_cache
def healthz(request):
    """Liveness for load balancers, and the bare view the load benchmark compares pages against."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request):
    """Readiness: the database answers."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception as exc:  # noqa: BLE001 - report any database failure as not ready
        return JsonResponse({"database": "error", "detail": exc.__class__.__name__}, status=503)
    return JsonResponse({"database": "ok"})


def csrf_failure(request, reason=""):
    return render(request, "403_csrf.html", status=403)
