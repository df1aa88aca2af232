from django.urls import include, path

from .views import auth, confirm, intake, lists, portal, search, surveys, ticket, track

app_name = "web"

urlpatterns = [
    path("", lists.home, name="home"),
    path("export.csv", lists.export, {"fmt": "csv"}, name="export-csv"),
    path("export.xlsx", lists.export, {"fmt": "xlsx"}, name="export-xlsx"),
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
    path("survey/<str:token>/", surveys.survey_by_link, name="survey"),
    path("kpis/", surveys.kpi_page, name="kpis"),
    path("tickets/<str:number>/survey/", surveys.survey_in_portal, name="ticket-survey"),
    path(
        "tickets/<str:number>/follow-ups/<int:task_id>/",
        surveys.follow_up_complete,
        name="follow-up-complete",
    ),
    path("kb/", include("serviceloop.web.knowledge_urls")),
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
    path("tickets/<str:number>/sub-status/", ticket.ticket_sub_status, name="ticket-sub-status"),
    path("tickets/<str:number>/diagnosis/", ticket.ticket_diagnosis, name="ticket-diagnosis"),
    path("tickets/<str:number>/solution/", ticket.ticket_solution, name="ticket-solution"),
    path("tickets/<str:number>/execution/", ticket.ticket_execution, name="ticket-execution"),
    path("tickets/<str:number>/resolve/", ticket.ticket_resolve, name="ticket-resolve"),
    path(
        "tickets/<str:number>/phone-confirmation/",
        ticket.ticket_phone_confirmation,
        name="ticket-phone-confirmation",
    ),
    path("tickets/<str:number>/confirm/", ticket.ticket_customer_confirm, name="ticket-confirm"),
    path("tickets/<str:number>/not-fixed/", ticket.ticket_customer_not_fixed, name="ticket-not-fixed"),
    path("confirm/<str:token>/", confirm.confirm_by_link, name="confirm-link"),
]
