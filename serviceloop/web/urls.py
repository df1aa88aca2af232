from django.urls import path

from .views import auth, intake, lists, portal, search, ticket, track

app_name = "web"

urlpatterns = [
    path("", lists.home, name="home"),
    path("filters/", lists.saved_filter_save, name="saved-filter-save"),
    path("filters/<int:filter_id>/delete/", lists.saved_filter_delete, name="saved-filter-delete"),
    path("login/", auth.login_view, name="login"),
    path("logout/", auth.logout_view, name="logout"),
    path("language/", auth.language_view, name="language"),
    path("submit/", portal.submit_problem, name="submit"),
    path("intake/", intake.intake, name="intake"),
    path("intake/organizations/", intake.intake_lookup, name="intake-lookup"),
    path("submitted/<str:number>/", portal.submitted, name="submitted"),
    path("track/", track.track, name="track"),
    path("search/", search.search, name="search"),
    path("tickets/<str:number>/similar/", search.similar, name="ticket-similar"),
    path("tickets/<str:number>/", ticket.ticket_detail, name="ticket"),
    path("tickets/<str:number>/accept/", ticket.ticket_accept, name="ticket-accept"),
    path("tickets/<str:number>/transition/", ticket.ticket_transition, name="ticket-transition"),
    path("tickets/<str:number>/assign/", ticket.ticket_assign, name="ticket-assign"),
    path("tickets/<str:number>/reply/", ticket.ticket_reply, name="ticket-reply"),
    path("tickets/<str:number>/note/", ticket.ticket_note, name="ticket-note"),
    path("tickets/<str:number>/communication/", ticket.ticket_communication, name="ticket-communication"),
    path("tickets/<str:number>/attachments/", ticket.ticket_attach, name="ticket-attach"),
    path("tickets/<str:number>/escalate/", ticket.ticket_escalate, name="ticket-escalate"),
]
