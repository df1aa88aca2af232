"""The roles of SPEC's role list, each a Django group with its permissions.

A role is a group whose name is the role's code; `sync_roles` (run after every migrate)
creates the groups and gives each exactly the permissions listed here, so that the
permission table lives in one readable place.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer contact")
    AGENT = "agent", _("Service agent")
    ENGINEER = "engineer", _("Engineer")
    PRODUCT_MANAGER = "product_manager", _("Product manager")
    CUSTOMER_RELATIONS = "customer_relations", _("Customer-relations specialist")
    SUPERVISOR = "supervisor", _("Service supervisor")
    TECH_LEAD = "tech_lead", _("Technical lead")
    DIRECTOR = "director", _("Service director")
    ADMIN = "admin", _("Administrator")
    # A system account, never a person: inbound email acts as one (channels/intake.py). No password.
    INTEGRATION = "integration", _("System account (integrations)")
    # A system account for the product's own follow-through (surveys reopening a ticket for second
    # processing, surveys/services.py automation_account). No password.
    AUTOMATION = "automation", _("System account (automation)")


INTERNAL_ROLES = [r for r in Role if r != Role.CUSTOMER]
# The roles of people who work on tickets: internal, but not a system account (User.is_service_staff).
STAFF_ROLES = [r for r in INTERNAL_ROLES if r != Role.INTEGRATION]

# What every internal person can do with tickets and reference data.
_STAFF_BASE = [
    "tickets.view_ticket",
    "tickets.add_ticket",
    "tickets.change_ticket",
    "tickets.transition_ticket",
    "tickets.add_internal_note",
    "tickets.log_communication",
    "tickets.view_all_tickets",
    "customers.view_organization",
    "customers.view_contact",
    "assets.view_customerproduct",
    "assets.view_productmodel",
    # The knowledge base (KB-1..3): every internal person may write articles; review is the tech lead's.
    "knowledge.view_article",
    "knowledge.add_article",
    "knowledge.change_article",
]
# KB-2: submitted articles are reviewed and published (or rejected with comments) by a technical lead.
_KB_REVIEW = ["knowledge.review_article"]
_DISPATCH = ["tickets.assign_ticket"]
_REFERENCE_WRITE = [
    "customers.add_organization",
    "customers.change_organization",
    "customers.add_contact",
    "customers.change_contact",
    "assets.add_customerproduct",
    "assets.change_customerproduct",
]
_SUPERVISE = ["tickets.override_priority", "sla.view_compensation",
              # Second processing (CSAT-2) and the KPIs it feeds (CSAT-4, ANA-5).
              "surveys.complete_followuptask", "analytics.view_kpis",
              # Periodic reports (ANA-3): read, make and publish them.
              "reports.view_report", "reports.generate_report", "reports.publish_report"]
_CONFIGURE = [
    "tickets.add_category",
    "tickets.change_category",
    "tickets.delete_category",
    "assets.add_productmodel",
    "assets.change_productmodel",
    "accounts.add_user",
    "accounts.change_user",
    "accounts.view_user",
    "accounts.add_team",
    "accounts.change_team",
    "sla.add_slapolicyversion",
    "sla.view_slapolicy",
    "sla.change_businesscalendar",
    "sla.add_calendarday",
    "sla.change_calendarday",
    "sla.delete_calendarday",
    # Known years (issue #11): marked complete by hand, or read from the notice.
    "sla.view_calendaryear",
    "sla.add_calendaryear",
    "sla.delete_calendaryear",
    "sla.add_compensationrule",
    "sla.change_compensationrule",
    # The outbox (NTF-3): failures, resend, robots, webhooks and message templates.
    "notifications.view_delivery",
    "notifications.resend_delivery",
    "notifications.view_robot",
    "notifications.add_robot",
    "notifications.change_robot",
    "notifications.delete_robot",
    "notifications.view_webhook",
    "notifications.add_webhook",
    "notifications.change_webhook",
    "notifications.delete_webhook",
    "notifications.view_messagetemplate",
    "notifications.add_messagetemplate",
    "notifications.change_messagetemplate",
    "notifications.delete_messagetemplate",
    "channels.view_mailbox",
    "channels.add_mailbox",
    "channels.change_mailbox",
    "channels.view_inboundmessage",
    "channels.change_inboundmessage",
    # The knowledge base's category tree and tags; deflections (submissions avoided) to read.
    "knowledge.view_knowledgecategory",
    "knowledge.add_knowledgecategory",
    "knowledge.change_knowledgecategory",
    "knowledge.view_tag",
    "knowledge.change_tag",
    "knowledge.view_deflectionevent",
    # Canned replies (issue #16.3): every staff member keeps their own personal ones (the services
    # check is_service_staff, no permission needed); the shared ones are the administrators', in the
    # workspace's page (manage_shared) and the admin (the model permissions).
    "canned.manage_shared",
    "canned.view_cannedreply",
    "canned.add_cannedreply",
    "canned.change_cannedreply",
    "canned.delete_cannedreply",
]

ROLE_PERMISSIONS: dict[str, list[str]] = {
    # Customers act only through their own organisation's tickets; visibility rules do the rest.
    Role.CUSTOMER: ["tickets.view_ticket", "tickets.add_ticket"],
    Role.AGENT: _STAFF_BASE + _DISPATCH + _REFERENCE_WRITE,
    Role.ENGINEER: _STAFF_BASE + ["assets.add_customerproduct", "assets.change_customerproduct"],
    Role.PRODUCT_MANAGER: _STAFF_BASE,
    Role.CUSTOMER_RELATIONS: _STAFF_BASE + _DISPATCH + _REFERENCE_WRITE + ["surveys.complete_followuptask"],
    Role.SUPERVISOR: _STAFF_BASE + _DISPATCH + _REFERENCE_WRITE + _SUPERVISE,
    Role.TECH_LEAD: _STAFF_BASE + _DISPATCH + _SUPERVISE + _KB_REVIEW,
    Role.DIRECTOR: _STAFF_BASE + _DISPATCH + _REFERENCE_WRITE + _SUPERVISE,
    Role.ADMIN: _STAFF_BASE + _DISPATCH + _REFERENCE_WRITE + _SUPERVISE + _CONFIGURE + _KB_REVIEW,
    # Exactly what turning an email into a ticket or a reply needs: open tickets for any organisation,
    # add the sender as a contact, note a refused attachment on the ticket.
    Role.INTEGRATION: ["tickets.view_ticket", "tickets.add_ticket", "tickets.view_all_tickets",
                       "tickets.add_internal_note", "customers.view_organization", "customers.view_contact",
                       "customers.add_contact", "customers.add_organization"],
    # Exactly what second processing needs: reopen a resolved or closed ticket, note why.
    Role.AUTOMATION: ["tickets.view_ticket", "tickets.view_all_tickets", "tickets.transition_ticket",
                      "tickets.add_internal_note"],
}


def sync_roles(sender=None, **_kwargs) -> None:
    """Create one group per role and set its permissions to exactly ROLE_PERMISSIONS."""
    from django.contrib.auth.models import Group, Permission

    wanted = {p for perms in ROLE_PERMISSIONS.values() for p in perms}
    by_name = {}
    for perm in Permission.objects.select_related("content_type"):
        key = f"{perm.content_type.app_label}.{perm.codename}"
        if key in wanted:
            by_name[key] = perm
    if len(by_name) < len(wanted):
        # post_migrate runs once per app and permissions appear app by app: only after the last app
        # is a missing permission a mistake in ROLE_PERMISSIONS, and then it must not pass silently.
        from django.apps import apps

        if sender is not None and sender.label == list(apps.get_app_configs())[-1].label:
            missing = sorted(wanted - set(by_name))
            raise RuntimeError(f"roles.py names permissions that do not exist: {', '.join(missing)}")
        return
    for role, perms in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=str(role))
        group.permissions.set([by_name[p] for p in perms])
