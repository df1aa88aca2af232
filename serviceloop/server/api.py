"""The REST API root (/api/v1): authentication, the error handler, and every app's router.

It sits above every app (it mounts them all), so no app has to import another's API to be
reachable. Authentication is a session (the web UI, with CSRF) or `Authorization: Bearer <token>`
(clients).
"""

from __future__ import annotations

from ninja import NinjaAPI

from serviceloop.accounts.api import router as users_router
from serviceloop.accounts.auth import SessionAuth, TokenAuth
from serviceloop.analytics.api import router as kpis_router
from serviceloop.analytics.api_dashboard import router as dashboard_router
from serviceloop.assets.api import models_router, products_router
from serviceloop.canned.api import router as canned_router
from serviceloop.canned.api import tickets_router as canned_tickets_router
from serviceloop.channels.api import router as email_router
from serviceloop.core.api import install_error_handlers
from serviceloop.core.schemas import LocalTimeRenderer
from serviceloop.customers.api import contacts_router, organizations_router
from serviceloop.knowledge.api import router as knowledge_router
from serviceloop.notifications.api import router as notifications_router
from serviceloop.reports.api import router as reports_router
from serviceloop.search.api import router as search_router
from serviceloop.sla.api import router as sla_router
from serviceloop.sla.api import tickets_router as sla_tickets_router
from serviceloop.surveys.api import router as follow_ups_router
from serviceloop.surveys.api import tickets_router as surveys_tickets_router
from serviceloop.tickets.api import categories_router, tickets_router
from serviceloop.tickets.api_processing import root_causes_router
from serviceloop.tickets.api_processing import router as processing_router

api = NinjaAPI(
    title="ServiceLoop API",
    version="1",
    description="ServiceLoop 服务闭环 — tickets, customers, products. "
    "Errors are JSON with `code` and `message`. "
    "Every datetime in an answer is ISO 8601 in the configured time zone with its offset "
    "(2026-12-31T17:00:00+08:00).",
    renderer=LocalTimeRenderer(),
    auth=[TokenAuth(), SessionAuth()],
    urls_namespace="api-v1",
    docs_url="/docs",
    openapi_url="/openapi.json",
)
install_error_handlers(api)

api.add_router("/tickets", tickets_router)
api.add_router(
    "/tickets", processing_router
)  # records, sub-status, resolution, confirmation (PRG-2/7, CSAT-3)
api.add_router("/tickets", sla_tickets_router)  # a ticket's SLA actions, written in the SLA app
api.add_router("/categories", categories_router)
api.add_router("/root-causes", root_causes_router)
api.add_router("/organizations", organizations_router)
api.add_router("/contacts", contacts_router)
api.add_router("/products", products_router)
api.add_router("/product-models", models_router)
api.add_router("/users", users_router)
api.add_router("/sla", sla_router)
api.add_router("/notifications", notifications_router)
api.add_router("/email", email_router)
api.add_router("/tickets", surveys_tickets_router)  # a ticket's surveys and follow-ups (CSAT-1, CSAT-2)
api.add_router("/follow-ups", follow_ups_router)
api.add_router("/kpis", kpis_router)
api.add_router("/dashboard", dashboard_router)
api.add_router("/reports", reports_router)  # periodic reports (ANA-3)
api.add_router("/knowledge", knowledge_router)
api.add_router("/search", search_router)
api.add_router("/canned-replies", canned_router)
api.add_router("/tickets", canned_tickets_router)  # a canned reply rendered for a ticket (issue #16.3)
