from django.urls import path

from . import views

app_name = "notifications"

urlpatterns = [
    path("", views.notification_list, name="list"),
    path("bell/", views.bell, name="bell"),
    path("read-all/", views.mark_all_read, name="read-all"),
    path("settings/", views.settings_view, name="settings"),
    path("<int:notification_id>/read/", views.mark_read, name="read"),
]
