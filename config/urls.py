"""URL map: the admin, the REST API under /api/v1/, the notification centre, the web pages."""

from django.contrib import admin
from django.urls import include, path

from serviceloop.server.api import api

admin.site.site_header = "ServiceLoop 服务闭环"
admin.site.site_title = "ServiceLoop"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("notifications/", include("serviceloop.notifications.urls")),
    path("", include("serviceloop.web.urls")),
]
