"""Inbound email (INT-1, COM-2, USR-9): the mailboxes an administrator configures and every message
fetched from them.

A message is stored (raw .eml file + row) before anything is done with it, and only then processed
in its own transaction; its row says what became of it. Two unique keys make "never twice" a key,
not a hope: one row per (mailbox, UIDVALIDITY, UID), and one primary row per Message-ID (the same
mail cc'd to two of our mailboxes is one ticket; later copies are rows marked duplicate).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from serviceloop.core.models import TimeStampedModel


class Security(models.TextChoices):
    TLS = "tls", _("TLS (IMAPS, usually port 993)")
    STARTTLS = "starttls", _("STARTTLS (usually port 143)")
    PLAIN = "plain", _("No encryption (loopback only, for tests)")


class AfterProcessing(models.TextChoices):
    SEEN = "seen", _("Mark as read")
    MOVE = "move", _("Move to a folder")


class UnknownSenders(models.TextChoices):
    CREATE = "create", _("Create a contact in the unassigned organisation")
    HOLD = "hold", _("Hold the message for review")


class CredentialSource(models.TextChoices):
    ENV = "env", _("Environment variable")
    FILE = "file", _("File")
    STORED = "stored", _("Stored encrypted")


class Mailbox(TimeStampedModel):
    """An IMAP mailbox the fetch job reads (INT-1 email), configured by an administrator.

    `address` is the mailbox's own address: mail from it is a loop, and the outbox sends replies
    from it (with `reply_to`, when set). The password comes from an environment variable, a file, or
    is stored encrypted with a key derived from SECRET_KEY (channels/credentials.py). The fetch state
    (UIDVALIDITY, the last UID seen, a lease so that one worker reads a mailbox at a time) lives here.
    """

    name = models.CharField(_("name"), max_length=100, unique=True)
    address = models.EmailField(_("address"), unique=True,
                                help_text=_("The mailbox's own address: replies are sent from it."))
    reply_to = models.EmailField(_("reply-to address"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    # --- the server
    host = models.CharField(_("IMAP server"), max_length=200)
    port = models.PositiveIntegerField(_("port"), default=993)
    security = models.CharField(_("security"), max_length=16, choices=Security.choices, default=Security.TLS)
    username = models.CharField(_("user name"), max_length=200)
    credential_source = models.CharField(_("password from"), max_length=16, choices=CredentialSource.choices,
                                         default=CredentialSource.STORED)
    password_env = models.CharField(_("environment variable"), max_length=100, blank=True,
                                    help_text=_("Name of the variable that holds the password."))
    password_file = models.CharField(_("password file"), max_length=500, blank=True,
                                     help_text=_("Path of a file that holds the password."))
    password_encrypted = models.TextField(_("stored password (encrypted)"), blank=True, editable=False)
    folder = models.CharField(_("folder"), max_length=200, default="INBOX")
    # --- what happens to a message
    after_processing = models.CharField(_("after processing"), max_length=16, choices=AfterProcessing.choices,
                                        default=AfterProcessing.SEEN)
    move_to = models.CharField(_("move to folder"), max_length=200, blank=True, default="ServiceLoop",
                               help_text=_("Created when missing."))
    unknown_senders = models.CharField(_("unknown senders"), max_length=16, choices=UnknownSenders.choices,
                                       default=UnknownSenders.CREATE)
    unassigned_organization = models.ForeignKey(
        "customers.Organization", verbose_name=_("organisation for unknown senders"), null=True, blank=True,
        on_delete=models.PROTECT, related_name="+",
        help_text=_("Empty: an organisation named “Unassigned (email)” is created when first needed."))
    # --- fetch state, written by the job only
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"), null=True, blank=True, editable=False)
    last_uid = models.BigIntegerField(_("last UID fetched"), default=0, editable=False)
    last_fetch_at = models.DateTimeField(_("last fetched"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    claimed_until = models.DateTimeField(_("being read until"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        ordering = ["name"]

    def __str__(self):
        return f"{self.name} <{self.address}>"


class MessageStatus(models.TextChoices):
    RECEIVED = "received", _("Received, not processed yet")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Ignored (mail loop)")
    HELD = "held", _("Held for review")
    FAILED = "failed", _("Failed")
    DISCARDED = "discarded", _("Discarded")
    DUPLICATE = "duplicate", _("Duplicate (same Message-ID)")


# Statuses after which the message may be marked read or moved on the server: it is safely stored
# and nothing automatic will touch it again. A failed message stays untouched there until it passes.
SETTLED_STATUSES = (
    MessageStatus.PROCESSED,
    MessageStatus.IGNORED,
    MessageStatus.HELD,
    MessageStatus.DISCARDED,
    MessageStatus.DUPLICATE,
)


class LoopReason(models.TextChoices):
    OWN_ADDRESS = "own_address", _("Sent from one of our own addresses")
    MAILER_DAEMON = "mailer_daemon", _("Sent by a mail system (mailer-daemon, postmaster)")
    BOUNCE = "bounce", _("Delivery status report (bounce)")
    REPORT = "report", _("Automatic report (read receipt …)")
    AUTO_SUBMITTED = "auto_submitted", _("Auto-Submitted header")
    PRECEDENCE = "precedence", _("Bulk or list mail (Precedence header)")
    AUTO_REPLY = "auto_reply", _("Automatic reply (X-Autoreply / X-Autorespond)")
    AUTO_REPLY_SUBJECT = "auto_reply_subject", _("Automatic reply (subject)")
    RATE_LIMIT = "rate_limit", _("Too many messages from this sender in an hour")


class InboundMessage(models.Model):
    """One message fetched from a mailbox: its raw .eml, what it said, and what became of it (USR-9)."""

    mailbox = models.ForeignKey(Mailbox, verbose_name=_("mailbox"), on_delete=models.PROTECT,
                                related_name="messages")
    uidvalidity = models.BigIntegerField(_("UIDVALIDITY"))
    uid = models.BigIntegerField(_("UID"))
    # Normalised (no angle brackets); a message without one gets "sha256:<digest of the raw bytes>".
    message_id = models.CharField(_("Message-ID"), max_length=255)
    duplicate_of = models.ForeignKey("self", verbose_name=_("duplicate of"), null=True, blank=True,
                                     on_delete=models.CASCADE, related_name="+")
    raw = models.FileField(_("original (.eml)"), upload_to="inbound/", max_length=300)
    raw_size = models.PositiveBigIntegerField(_("size (bytes)"))
    raw_sha256 = models.CharField(max_length=64)
    # Above EMAIL_MAX_MESSAGE_BYTES only the headers are fetched and kept; the whole mail stays on the server.
    headers_only = models.BooleanField(_("headers only (too large to fetch)"), default=False)
    # --- what the headers said (decoded)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    text = models.TextField(_("text shown"), blank=True)
    # --- what became of it
    status = models.CharField(_("status"), max_length=16, choices=MessageStatus.choices,
                              default=MessageStatus.RECEIVED)
    loop_reason = models.CharField(_("loop reason"), max_length=24, choices=LoopReason.choices, blank=True)
    error = models.TextField(_("error"), blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("ticket"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="+")
    event = models.ForeignKey("tickets.TicketEvent", verbose_name=_("timeline event"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+", db_index=False)
    contact = models.ForeignKey("customers.Contact", verbose_name=_("contact"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="+", db_index=False)
    received_at = models.DateTimeField(_("received at"))
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    # When it was marked read or moved on the IMAP server (null: not yet).
    server_done_at = models.DateTimeField(_("marked on the server"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound email")
        verbose_name_plural = _("inbound emails")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(fields=["mailbox", "uidvalidity", "uid"], name="inbound_unique_uid"),
            # One primary row per Message-ID; copies from other mailboxes point at it (duplicate_of).
            models.UniqueConstraint(fields=["message_id"], condition=models.Q(duplicate_of__isnull=True),
                                    name="inbound_unique_message_id"),
        ]
        indexes = [
            # The retry job: failed rows whose next attempt is due.
            models.Index(fields=["status", "next_attempt_at"], name="inbound_status_next"),
            # The fetch job: settled rows not yet marked on the server.
            models.Index(fields=["mailbox", "server_done_at"], name="inbound_mailbox_server_done"),
        ]

    def __str__(self):
        return f"{self.from_address}: {self.subject}"
