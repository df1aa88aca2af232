"""Every ticket choice list, and the status flow (PRG-1) with its allowed transitions, in one place."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """INT-1: how the ticket reached us."""

    PHONE = "phone", _("Phone")
    EMAIL = "email", _("Email")
    PORTAL = "portal", _("Web portal")
    API = "api", _("Chat / app (API)")
    ONSITE = "onsite", _("On site")


class TicketType(models.TextChoices):
    """CLS-1: 需求类型."""

    PROBLEM = "problem", _("Problem / fault")
    CONSULTATION = "consultation", _("Consultation")
    SUGGESTION = "suggestion", _("Suggestion / requirement")
    COMPLAINT = "complaint", _("Complaint")
    SERVICE_REQUEST = "service_request", _("Service request")
    OTHER = "other", _("Other")


class Urgency(models.TextChoices):
    """CLS-2: 紧急程度, from the business impact."""

    CRITICAL = "critical", _("Critical (whole system down)")
    URGENT = "urgent", _("Urgent (business interrupted)")
    IMPORTANT = "important", _("Important (some users affected)")
    NORMAL = "normal", _("Normal (consultation or minor)")


class BusinessStop(models.TextChoices):
    """The portal's first impact question (#16.7): 业务是否中断？"""

    STOPPED = "stopped", _("Yes, work has stopped")
    PARTLY = "partly", _("Partly: some work is held up")
    RUNNING = "running", _("No, work goes on")


class Reach(models.TextChoices):
    """影响多少用户？"""

    ONE = "one", _("One person")
    SOME = "some", _("Several people or one department")
    ALL = "all", _("The whole company or several sites")


class CoreAnswer(models.TextChoices):
    """是否为核心设备？ (a customer may not know)"""

    YES = "yes", _("Yes, our work depends on it")
    NO = "no", _("No")
    UNSURE = "unsure", _("Not sure")


class ImpactScope(models.TextChoices):
    """CLS-3: how far the problem reaches."""

    SINGLE = "single", _("Single customer")
    MULTIPLE = "multiple", _("Several customers")
    GLOBAL = "global", _("All customers")


class Priority(models.TextChoices):
    """CLS-3: the priority SLA targets key on (seed 004's four levels)."""

    URGENT = "urgent", _("Urgent")
    HIGH = "high", _("High")
    MEDIUM = "medium", _("Medium")
    LOW = "low", _("Low")


class Status(models.TextChoices):
    """PRG-1: the default status flow."""

    NEW = "new", _("New")
    ACCEPTED = "accepted", _("Accepted")
    IN_PROGRESS = "in_progress", _("In progress")
    ESCALATED = "escalated", _("Escalated")
    PENDING = "pending", _("Pending (awaiting release)")
    RESOLVED = "resolved", _("Resolved, awaiting confirmation")
    REOPENED = "reopened", _("Reopened")
    CLOSED = "closed", _("Closed")


class SubStatus(models.TextChoices):
    """PRG-1: what 'in progress' is currently waiting on or doing."""

    CONTACTED = "contacted", _("Customer contacted")
    DIAGNOSED = "diagnosed", _("Fault diagnosed")
    WAITING_PARTS = "waiting_parts", _("Waiting for spare parts")
    WAITING_CUSTOMER = "waiting_customer", _("Waiting for customer")
    PICKED_UP = "picked_up", _("Picked up")
    REPAIRING = "repairing", _("Under repair")
    REPAIRED = "repaired", _("Repair completed")  # COM-3 milestone 维修完成
    SHIPPED = "shipped", _("Shipped back")  # COM-3 milestone 配件已发出 / 已发货


# The allowed next states. The update code checks every change against this map (services.py).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.NEW: (Status.ACCEPTED, Status.IN_PROGRESS, Status.ESCALATED, Status.CLOSED),
    Status.ACCEPTED: (Status.IN_PROGRESS, Status.ESCALATED, Status.PENDING, Status.RESOLVED, Status.CLOSED),
    Status.IN_PROGRESS: (Status.ESCALATED, Status.PENDING, Status.RESOLVED),
    Status.ESCALATED: (Status.IN_PROGRESS, Status.PENDING, Status.RESOLVED),
    Status.PENDING: (Status.IN_PROGRESS, Status.RESOLVED),
    Status.RESOLVED: (Status.CLOSED, Status.REOPENED),
    Status.REOPENED: (Status.IN_PROGRESS, Status.ESCALATED, Status.PENDING, Status.RESOLVED),
    Status.CLOSED: (Status.REOPENED,),
}

# What a customer contact may do to their own ticket: confirm the fix, or say it is not fixed.
CUSTOMER_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.RESOLVED: (Status.CLOSED, Status.REOPENED),
}

# The work is done (the resolution clock has stopped); every other status is open.
FINISHED_STATUSES = (Status.RESOLVED, Status.CLOSED)
OPEN_STATUSES = tuple(s for s in Status if s not in FINISHED_STATUSES)
# Sub-states only make sense while work is going on.
SUB_STATUS_ALLOWED_IN = (Status.IN_PROGRESS, Status.REOPENED, Status.ESCALATED)


def allowed_next(status: str, *, customer: bool = False) -> tuple[str, ...]:
    table = CUSTOMER_TRANSITIONS if customer else TRANSITIONS
    return table.get(status, ())


class EventKind(models.TextChoices):
    """PRG-2: what a timeline event records."""

    CREATED = "created", _("Created")
    STATUS = "status", _("Status changed")
    ASSIGNED = "assigned", _("Owner changed")
    CO_HANDLERS = "co_handlers", _("Co-handlers changed")
    ACCEPTED = "accepted", _("Acknowledged")
    PRIORITY = "priority", _("Priority changed")
    FIELDS = "fields", _("Fields changed")
    REPLY = "reply", _("Public reply")
    CUSTOMER_REPLY = "customer_reply", _("Customer reply")
    NOTE = "note", _("Internal note")
    COMMUNICATION = "communication", _("Communication log")
    ATTACHMENT = "attachment", _("Attachment added")
    ESCALATED = "escalated", _("Escalated")
    # PRG-2 processing records and the closing of the loop (PRG-7, CSAT-3); shapes in events.py.
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    SOLUTION = "solution", _("Solution")
    EXECUTION = "execution", _("Execution record")
    SUB_STATUS = "sub_status", _("Sub-status changed")
    RESOLUTION = "resolution", _("Resolution")
    CONFIRMATION = "confirmation", _("Customer confirmation")
    CONFIRMATION_REMINDER = "confirm_reminder", _("Confirmation reminder")


# The only event kinds a customer may ever see (COM-4). Listed positively, so a new kind stays
# internal until it is added here; events.py refuses to write any other kind as public.
PUBLIC_EVENT_KINDS = (
    EventKind.CREATED,
    EventKind.STATUS,
    EventKind.REPLY,
    EventKind.CUSTOMER_REPLY,
    EventKind.ATTACHMENT,  # public only when the attachment itself is not internal
    EventKind.SUB_STATUS,  # 等待备件 → 维修中 → 已发货: the customer follows the repair
    EventKind.RESOLUTION,  # the customer-facing result only; root cause and internal note stay in data
    EventKind.CONFIRMATION,  # confirmed, not fixed (with the customer's reason) or closed automatically
)


class ConfirmationMethod(models.TextChoices):
    """CSAT-3: how the customer's answer to a resolution reached us."""

    PORTAL = "portal", _("In the portal")
    LINK = "link", _("By the link in the message")
    PHONE = "phone", _("By phone, recorded by staff")
    STAFF = "staff", _("Closed by staff")
    AUTO = "auto", _("Closed automatically without an answer")
    SURVEY = "survey", _("By the satisfaction survey")


class ConfirmationOutcome(models.TextChoices):
    CONFIRMED = "confirmed", _("Confirmed as fixed")
    NOT_FIXED = "not_fixed", _("Not fixed")


class NoteType(models.TextChoices):
    """PRG-2: what an internal note records."""

    PROGRESS = "progress", _("Progress")
    DIAGNOSIS = "diagnosis", _("Diagnosis")
    SOLUTION = "solution", _("Solution")
    EXECUTION = "execution", _("Execution record")


class CommunicationChannel(models.TextChoices):
    """COM-1: how we spoke with the customer."""

    PHONE = "phone", _("Phone")
    SMS = "sms", _("SMS")
    EMAIL = "email", _("Email")
    APP = "app", _("App / chat")
    ONSITE = "onsite", _("On site")


class AttachmentSource(models.TextChoices):
    """INT-5: how an attachment was obtained."""

    UPLOAD = "upload", _("Uploaded")
    EMAIL = "email", _("From email")
    AGENT = "agent", _("Added by staff")
    API = "api", _("Via API")
