from django.urls import path

from . import views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.login_view, name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("language/", views.language_view, name="language"),
    path("submit/", views.submit_problem, name="submit"),
    path("intake/", views.intake, name="intake"),
    path("intake/organizations/", views.intake_lookup, name="intake-lookup"),
    path("submitted/<str:number>/", views.submitted, name="submitted"),
    path("tickets/<str:number>/", views.ticket_detail, name="ticket"),
    path("tickets/<str:number>/accept/", views.ticket_accept, name="ticket-accept"),
    path("tickets/<str:number>/transition/", views.ticket_transition, name="ticket-transition"),
    path("tickets/<str:number>/assign/", views.ticket_assign, name="ticket-assign"),
    path("tickets/<str:number>/reply/", views.ticket_reply, name="ticket-reply"),
    path("tickets/<str:number>/note/", views.ticket_note, name="ticket-note"),
    path("tickets/<str:number>/communication/", views.ticket_communication, name="ticket-communication"),
]
