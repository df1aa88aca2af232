"""URL map: the admin, the REST API under /api/v1/, the notification centre, the web pages."""

from django.contrib import admin
from django.urls import include, path

from serviceloop.server.api import api
from serviceloop.web.views.auth import admin_login

admin.site.site_header = "ServiceLoop 服务闭环"
admin.site.site_title = "ServiceLoop"

urlpatterns = [
    path("admin/login/", admin_login),  # one login page, with its lockout and per-address limit
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("notifications/", include("serviceloop.notifications.urls")),
    path("", include("serviceloop.web.urls")),
]
