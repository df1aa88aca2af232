"""Inbound email (INT-1 email, COM-2, USR-9): fetch, store, then turn each message into a ticket or a
customer reply — exactly once, whatever fails and however many workers run.

The order of work is what makes it safe:
1. `mailbox_fetch` claims the mailbox with a lease (a conditional UPDATE: one worker reads a mailbox at
   a time), and lists the UIDs above the last one stored (UIDVALIDITY checked).
2. Each message is fetched without marking it read and stored — raw .eml file, then its row — before
   anything else (`inbound_message_store`). The row's unique keys (mailbox, UIDVALIDITY, UID) and
   Message-ID make a second fetch, a second worker or a copy in another mailbox a no-op or a
   `duplicate` row, never a second ticket. The mailbox's last UID moves on once the row exists, so a
   message that cannot be processed never holds up the ones after it.
3. `inbound_message_process` runs in its own transaction on a row it locked (SKIP LOCKED): loop checks,
   threading, the ticket or reply through tickets' services, attachments. An error rolls all of that
   back and marks the row failed with the error and a next attempt (backoff); a periodic job retries.
4. Only a settled row (processed, ignored, held, discarded, duplicate) is marked read or moved on the
   server. Nothing is ever deleted there before it is processed (a move is a copy plus expunge).

Who acts: tickets made from mail are created by a system account (`intake_account`, username
`system-mail`, role `integration`: open tickets, add contacts, note refused attachments; no password,
so nobody logs in as it). A customer's reply is written as the contact (their login, if any) by
`tickets.services.ticket_add_customer_reply`.
"""

from __future__ import annotations

import ctypes
import email.utils
import hashlib
import logging
import re
import time
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DataError, IntegrityError, connection, transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from serviceloop.accounts.models import User
from serviceloop.accounts.roles import Role
from serviceloop.accounts.services import system_account
from serviceloop.core.errors import Conflict, Forbidden, ServiceError
from serviceloop.core.ratelimit import rate_hit
from serviceloop.customers.models import Contact, Organization
from serviceloop.customers.services import contact_create, email_bounce_record
from serviceloop.tickets.choices import AttachmentSource, Channel, EventKind
from serviceloop.tickets.models import Attachment, Ticket, TicketEvent
from serviceloop.tickets.services import (
    attachment_add,
    ticket_add_customer_reply,
    ticket_add_internal_note,
    ticket_create,
)

from . import loops, matching, mime, quotes
from .credentials import CredentialError, encrypt_password, mailbox_password
from .imap import ImapError, ImapSession
from .models import (
    SETTLED_STATUSES,
    AfterProcessing,
    InboundMessage,
    LoopReason,
    Mailbox,
    MessageStatus,
    UnknownSenders,
)

logger = logging.getLogger(__name__)

INTAKE_USERNAME = "system-mail"
TEXT_LIMIT = 20000  # tickets' description and reply limit (tickets/services.py PROBLEM_FIELDS)
# A row left `received` this long was stored by a worker that died before processing it.
STALE_RECEIVED = timedelta(minutes=10)


# --- who acts, where unknown senders go ----------------------------------------------------------

def intake_account() -> User:
    """The system account tickets made from mail are created by (role `integration`)."""
    return system_account(username=INTAKE_USERNAME, role=Role.INTEGRATION,
                          display_name=gettext_lazy("Email intake"))


def unassigned_organization(mailbox: Mailbox) -> Organization:
    """Where contacts made from unknown senders go: the mailbox's choice, or “Unassigned (email)”."""
    if mailbox.unassigned_organization_id:
        return mailbox.unassigned_organization
    with translation.override(settings.LANGUAGE_CODE):
        name = _("Unassigned (email)")
    organization, _created = Organization.objects.get_or_create(name=name)
    return organization


def own_addresses() -> set[str]:
    """Our own addresses: mail from them is a loop (our outbox writing to our inbox). Every address we send
    from or ask answers to: the mailboxes', and the settings' (NOTIFY_EMAIL_FROM, NOTIFY_EMAIL_REPLY_TO,
    DEFAULT_FROM_EMAIL, SERVER_EMAIL), which may carry a display name ("服务闭环 <notice@…>") or be a list."""
    configured = [settings.DEFAULT_FROM_EMAIL, settings.NOTIFY_EMAIL_FROM, settings.NOTIFY_EMAIL_REPLY_TO,
                  getattr(settings, "SERVER_EMAIL", ""), settings.EMAIL_HOST_USER]
    addresses = {address.strip().lower() for _name, address in email.utils.getaddresses(
        [value for value in configured if value])}
    for address, reply_to in Mailbox.objects.values_list("address", "reply_to"):
        addresses.update({address.lower(), reply_to.lower()})
    return {a for a in addresses if "@" in a}


# --- text hygiene ----------------------------------------------------------------------------------

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _clean(value: str, limit: int) -> str:
    """Text safe to store anywhere: no NUL or control characters (PostgreSQL refuses NUL), no lone
    surrogates, at most `limit` characters."""
    value = _CONTROL.sub("", value or "").encode("utf-8", "replace").decode("utf-8")
    return value[:limit]


_REPLY_PREFIX = re.compile(
    r"^\s*((re|fw|fwd|aw|wg|回复|答复|转发|回覆|轉寄|轉發)\s*(\[\d+\])?\s*[:：]\s*)+", re.I
)


def _title(subject: str) -> str:
    title = _REPLY_PREFIX.sub("", _clean(subject, 1000)).strip()
    return title[:200] or _("(no subject)")


def _body(text: str) -> str:
    text = _clean(text, TEXT_LIMIT + 1).strip()
    if len(text) > TEXT_LIMIT:
        suffix = "\n…" + _("(shortened; the whole text is in the original email)")
        text = text[:TEXT_LIMIT - len(suffix)] + suffix
    return text or _("(the email has no text)")


# --- storing -------------------------------------------------------------------------------------

def _save_raw(raw: bytes, digest: str, now: datetime) -> str:
    """Write the .eml once per content (named by its SHA-256); an identical copy reuses the file."""
    name = f"inbound/{now:%Y/%m}/{digest[:2]}/{digest}.eml"
    if not default_storage.exists(name):
        name = default_storage.save(name, ContentFile(raw))
    return name


def inbound_message_store(
    *,
    mailbox: Mailbox,
    uidvalidity: int,
    uid: int,
    raw: bytes,
    size: int | None = None,
    headers_only: bool = False,
) -> tuple[InboundMessage, bool]:
    """Keep a fetched message (file + row) before anything is done with it; returns (row, created).

    Insert-or-ignore on the unique keys: the same (mailbox, UIDVALIDITY, UID) gives back the row already
    stored; a Message-ID already stored from elsewhere gives a `duplicate` row pointing at it.
    """
    existing = InboundMessage.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).first()
    if existing is not None:
        return existing, False
    now = timezone.now()
    digest = hashlib.sha256(raw).hexdigest()
    head = mime.parse_headers(raw)
    fields = {
        "mailbox": mailbox, "uidvalidity": uidvalidity, "uid": uid,
        "message_id": _clean(head.message_id, 255) or f"sha256:{digest}",
        "raw": _save_raw(raw, digest, now), "raw_size": size or len(raw), "raw_sha256": digest,
        "headers_only": headers_only,
        "from_address": _clean(head.from_address, 254), "from_name": _clean(head.from_name, 200),
        "subject": _clean(head.subject, 500), "sent_at": head.date,
        "in_reply_to": _clean(head.in_reply_to[0] if head.in_reply_to else "", 255),
        "references": _clean(" ".join(head.references), 10000), "received_at": now,
    }
    try:
        with transaction.atomic():
            return InboundMessage.objects.create(**fields), True
    except IntegrityError:
        pass
    except (DataError, ValueError, OverflowError) as exc:
        # A header value the database refuses (a check this code does not know of yet): the message is
        # kept all the same, with no decoded headers but its Message-ID, and processing reads the .eml
        # again. Raising here would leave the UID unstored and the mailbox stuck on it for ever.
        logger.warning("inbound message %s/%s/%s: headers not stored (%s: %s)", mailbox.pk, uidvalidity, uid,
                       type(exc).__name__, exc)
        bare = {
            name: fields[name]
            for name in (
                "mailbox",
                "uidvalidity",
                "uid",
                "message_id",
                "raw",
                "raw_size",
                "raw_sha256",
                "headers_only",
                "received_at",
            )
        }
        bare["error"] = _clean(f"headers not stored: {type(exc).__name__}: {exc}", 2000)
        try:
            with transaction.atomic():
                return InboundMessage.objects.create(**bare), True
        except IntegrityError:
            fields = bare
    existing = InboundMessage.objects.filter(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid).first()
    if existing is not None:  # another worker stored this very UID a moment ago
        if existing.raw.name != fields["raw"]:
            default_storage.delete(fields["raw"])  # its file under a name the storage made unique
        return existing, False
    primary = InboundMessage.objects.filter(
        message_id=fields["message_id"], duplicate_of__isnull=True
    ).first()
    if primary is None:
        raise RuntimeError(f"inbound message {mailbox.pk}/{uidvalidity}/{uid} could not be stored")
    try:
        with transaction.atomic():
            return InboundMessage.objects.create(
                **fields, status=MessageStatus.DUPLICATE, duplicate_of=primary, processed_at=now
            ), True
    except IntegrityError:
        return InboundMessage.objects.get(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid), False


def _read_raw(message: InboundMessage) -> bytes:
    with message.raw.open("rb") as fh:
        return fh.read()


# --- processing ----------------------------------------------------------------------------------

def _claim(pk: int, statuses: tuple[str, ...]) -> InboundMessage | None:
    """Lock the row for this transaction if it is in `statuses`; None if done or being done elsewhere."""
    query = InboundMessage.objects.select_related("mailbox").filter(pk=pk, status__in=statuses)
    if connection.features.has_select_for_update:
        query = query.select_for_update(skip_locked=connection.features.has_select_for_update_skip_locked,
                                        of=("self",))
    return query.first()


def inbound_message_process(*, message: InboundMessage, force: bool = False,
                            raw: bytes | None = None) -> InboundMessage:
    """Turn a stored message into a ticket or a customer reply, or settle it as a loop / held.

    `force` (an administrator accepting a held or ignored message) skips the loop checks and the cap,
    and creates a contact for an unknown sender whatever the mailbox says. Any error rolls the
    message's work back (files included) and marks it failed, to be retried with backoff. `raw`: the
    stored bytes when the caller still holds them (the fetch job), so they are not read back.
    """
    statuses = (MessageStatus.RECEIVED, MessageStatus.FAILED)
    if force:
        statuses += (MessageStatus.HELD, MessageStatus.IGNORED)
    stored: list[str] = []
    try:
        with transaction.atomic(), translation.override(settings.LANGUAGE_CODE):
            row = _claim(message.pk, statuses)
            if row is not None:
                _process(row, force=force, stored=stored, raw=raw)
    except Exception as exc:  # noqa: BLE001 - every failure is recorded on the row and retried
        for name in stored:
            default_storage.delete(name)
        _record_failure(message.pk, exc)
    message.refresh_from_db()
    return message


def _record_failure(pk: int, exc: Exception) -> None:
    error = exc.message if isinstance(exc, ServiceError) else f"{type(exc).__name__}: {exc}"
    logger.warning("inbound email %s failed: %s", pk, error, exc_info=not isinstance(exc, ServiceError))
    with transaction.atomic():
        row = InboundMessage.objects.select_for_update().filter(pk=pk).first()
        if row is None:
            return
        row.attempts += 1
        row.status = MessageStatus.FAILED
        row.error = _clean(error, 5000)
        # Backoff 1, 2, 4 … minutes, at most 6 hours apart; after EMAIL_MAX_ATTEMPTS only by hand (admin).
        delay = min(60 * 2 ** (row.attempts - 1), 6 * 3600)
        row.next_attempt_at = (timezone.now() + timedelta(seconds=delay)
                               if row.attempts < settings.EMAIL_MAX_ATTEMPTS else None)
        row.save(update_fields=["attempts", "status", "error", "next_attempt_at"])


def _settle(row: InboundMessage, status: str, **fields) -> None:
    row.status = status
    row.processed_at = timezone.now()
    row.next_attempt_at = None
    for name, value in fields.items():
        setattr(row, name, value)
    row.save(update_fields=["status", "processed_at", "next_attempt_at", "text", *fields])


def _process(row: InboundMessage, *, force: bool, stored: list[str], raw: bytes | None) -> None:
    mail = mime.parse(raw if raw is not None and not row.headers_only else _read_raw(row))
    text = quotes.shown_text(mail.text, subject=mail.subject)
    if row.headers_only:
        text = _(
            "This email (%(size)s) is larger than the limit of %(limit)s and was not downloaded; it stays "
            "in the mailbox %(mailbox)s."
        ) % {
            "size": filesizeformat(row.raw_size),
            "limit": filesizeformat(settings.EMAIL_MAX_MESSAGE_BYTES),
            "mailbox": row.mailbox.address,
        }
    row.text = _clean(text, TEXT_LIMIT)
    if not force:
        reason = loops.loop_reason(mail, own_addresses=own_addresses())
        if reason == LoopReason.BOUNCE:
            _record_bounces(mail)
        if not reason and mail.from_address:
            # Counted inside this transaction: a message that fails is not counted, a retry counts once.
            hit = rate_hit(scope="email-sender", key=mail.from_address,
                           limit=settings.EMAIL_MAX_PER_SENDER_PER_HOUR, window=timedelta(hours=1))
            if not hit.allowed:
                reason = LoopReason.RATE_LIMIT
        if reason:
            _settle(row, MessageStatus.IGNORED, loop_reason=reason, error="")
            return
        if not mail.from_address:
            _settle(row, MessageStatus.HELD, error=_("The email names no sender address."))
            return
    contacts = matching.sender_contacts(mail.from_address)
    ticket, threaded_by = matching.ticket_for(mail, sender_contacts=contacts)
    contact = matching.pick_contact(contacts, organization_id=ticket.organization_id if ticket else None)
    if contact is None and row.mailbox.unknown_senders == UnknownSenders.HOLD and not force:
        _settle(row, MessageStatus.HELD, error="")
        return
    account = intake_account()
    if ticket is not None:
        own = contact if contact is not None and contact.organization_id == ticket.organization_id else None
        event = ticket_add_customer_reply(ticket=ticket, contact=own, body=_body(text), channel=Channel.EMAIL,
                                          sender=mail.from_address,
                                          data={"inbound_message": row.pk, "threaded_by": threaded_by})
        contact = own
    else:
        if contact is None and mail.from_address:
            contact = _new_contact(mail, row.mailbox, account)
        organization = contact.organization if contact is not None else unassigned_organization(row.mailbox)
        ticket = ticket_create(actor=account, organization=organization, title=_title(mail.subject),
                               description=_body(text), channel=Channel.EMAIL, contact=contact)
        event = TicketEvent.objects.filter(ticket=ticket, kind=EventKind.CREATED).order_by("id").first()
    uploader = contact.user if contact is not None and contact.user_id else account
    _take_attachments(ticket=ticket, mail=mail, uploader=uploader, account=account, stored=stored)
    _settle(
        row, MessageStatus.PROCESSED, ticket=ticket, event=event, contact=contact, error="", loop_reason=""
    )


def _record_bounces(mail: mime.ParsedMail) -> None:
    """A delivery status report: remember each recipient whose delivery failed (the outbox skips them)."""
    for report in mail.delivery_reports:
        if report.action in ("failed", "") or report.status.startswith("5"):
            email_bounce_record(address=report.recipient, status=report.status, diagnostic=report.diagnostic)


def _new_contact(mail: mime.ParsedMail, mailbox: Mailbox, account: User) -> Contact:
    """A contact for an unknown sender, in the organisation for unknown senders. The organisation row is
    locked first, so two messages from one new address at once make one contact, not two."""
    organization = unassigned_organization(mailbox)
    Organization.objects.select_for_update().filter(pk=organization.pk).first()
    existing = matching.pick_contact(matching.sender_contacts(mail.from_address))
    if existing is not None:
        return existing
    name = _clean(mail.from_name, 100).strip() or mail.from_address.split("@", 1)[0][:100]
    return contact_create(actor=account, organization=organization, name=name, email=mail.from_address,
                          email_customer_provided=True)


def _take_attachments(*, ticket: Ticket, mail: mime.ParsedMail, uploader: User, account: User,
                      stored: list[str]) -> None:
    """Each attachment through `attachment_add` (content-checked, size-limited, source email). A refused
    one is named in one internal note with the reason; it never stops the others or the message."""
    refused: list[tuple[str, str]] = []
    for index, item in enumerate(mail.attachments):
        name = _clean(item.filename, 200) or "attachment"
        if index >= settings.EMAIL_MAX_ATTACHMENTS:
            refused.append((name, _("only the first %(limit)d attachments of an email are taken")
                            % {"limit": settings.EMAIL_MAX_ATTACHMENTS}))
            continue
        if item.size > settings.ATTACHMENT_MAX_BYTES:
            # Judged from the encoded size, before decoding: a 50 MB file is never loaded.
            refused.append((name, _("The file is %(size)s; the limit is %(limit)s.")
                            % {"size": filesizeformat(item.size),
                               "limit": filesizeformat(settings.ATTACHMENT_MAX_BYTES)}))
            continue
        data = item.load()
        if Attachment.objects.filter(ticket=ticket, sha256=hashlib.sha256(data).hexdigest()).exists():
            continue  # already on the ticket (a signature logo in every reply, a file sent twice)
        try:
            with transaction.atomic():
                attachment = attachment_add(
                    ticket=ticket,
                    actor=uploader,
                    upload=ContentFile(data, name=name),
                    source=AttachmentSource.EMAIL,
                )
        except ServiceError as exc:
            refused.append((name, exc.message))
            continue
        stored.append(attachment.file.name)
    if refused:
        shown = refused[:100]
        lines = [_("Attachments of the email not added to the ticket (the original email keeps them):")]
        lines += [f"• {name}: {reason}" for name, reason in shown]
        if len(refused) > len(shown):
            lines.append(_("… and %(count)d more.") % {"count": len(refused) - len(shown)})
        ticket_add_internal_note(ticket=ticket, actor=account, body=_clean("\n".join(lines), TEXT_LIMIT))


# --- administrators' actions -----------------------------------------------------------------------

def _require_admin(actor: User) -> None:
    if not actor.has_perm("channels.change_inboundmessage"):
        raise Forbidden(_("You do not have permission to do this."))


def inbound_message_retry(*, message: InboundMessage, actor: User) -> InboundMessage:
    """Process a failed message again now (its automatic retries may be over)."""
    _require_admin(actor)
    if message.status not in (MessageStatus.FAILED, MessageStatus.RECEIVED):
        raise Conflict(_("Only a failed email can be retried."))
    return inbound_message_process(message=message)


def inbound_message_accept(*, message: InboundMessage, actor: User) -> InboundMessage:
    """An administrator accepts a held or ignored message: it becomes a ticket or a reply after all."""
    _require_admin(actor)
    if message.status not in (MessageStatus.HELD, MessageStatus.IGNORED, MessageStatus.FAILED):
        raise Conflict(_("Only a held, ignored or failed email can be accepted."))
    return inbound_message_process(message=message, force=True)


@transaction.atomic
def inbound_message_discard(*, message: InboundMessage, actor: User) -> InboundMessage:
    """An administrator decides a held (or failed, or ignored) message makes nothing; it stays stored."""
    _require_admin(actor)
    row = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if row.status not in (MessageStatus.HELD, MessageStatus.IGNORED, MessageStatus.FAILED):
        raise Conflict(_("Only a held, ignored or failed email can be discarded."))
    row.status = MessageStatus.DISCARDED
    row.next_attempt_at = None
    row.processed_at = timezone.now()
    row.save(update_fields=["status", "next_attempt_at", "processed_at"])
    return row


@transaction.atomic
def mailbox_set_password(*, mailbox: Mailbox, password: str) -> Mailbox:
    """Store the mailbox's password encrypted (credentials.py); the plain text is never kept."""
    mailbox.password_encrypted = encrypt_password(password)
    mailbox.save(update_fields=["password_encrypted", "updated_at"])
    return mailbox


def inbound_messages_retry_due(*, now: datetime | None = None, limit: int = 100) -> int:
    """The retry job: failed messages whose next attempt is due, and rows a dead worker left unprocessed."""
    now = now or timezone.now()
    due = list(InboundMessage.objects.filter(status=MessageStatus.FAILED, next_attempt_at__lte=now)
               .order_by("next_attempt_at").values_list("pk", flat=True)[:limit])
    due += list(
        InboundMessage.objects.filter(status=MessageStatus.RECEIVED, received_at__lte=now - STALE_RECEIVED)
        .order_by("id")
        .values_list("pk", flat=True)[:limit]
    )
    for pk in due:
        inbound_message_process(message=InboundMessage(pk=pk))
    return len(due)


# --- fetching ------------------------------------------------------------------------------------

@dataclass
class FetchResult:
    """What one fetch step did: messages stored, how many processed or failed, whether more are waiting."""

    fetched: int = 0
    processed: int = 0
    failed: int = 0
    more: bool = False
    skipped: bool = False  # another worker holds the mailbox
    error: str = ""


class _Lease:
    """The mailbox claimed by this worker until `until`, renewed while it works (conditional UPDATEs)."""

    def __init__(self, mailbox: Mailbox, seconds: int):
        self.mailbox = mailbox
        self.seconds = seconds
        self.until: datetime | None = None

    def take(self) -> bool:
        now = timezone.now()
        until = now + timedelta(seconds=self.seconds)
        from django.db.models import Q

        taken = Mailbox.objects.filter(pk=self.mailbox.pk, is_active=True).filter(
            Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)).update(claimed_until=until)
        self.until = until if taken else None
        return bool(taken)

    def renew(self) -> bool:
        until = timezone.now() + timedelta(seconds=self.seconds)
        renewed = Mailbox.objects.filter(pk=self.mailbox.pk, claimed_until=self.until).update(
            claimed_until=until
        )
        if renewed:
            self.until = until
        return bool(renewed)

    def release(self) -> None:
        if self.until is not None:
            Mailbox.objects.filter(pk=self.mailbox.pk, claimed_until=self.until).update(claimed_until=None)


def mailbox_fetch(*, mailbox: Mailbox, limit: int | None = None, lease_seconds: int = 300) -> FetchResult:
    """One fetch step for one mailbox: at most `limit` new messages stored, processed, marked on the server.

    Skipped (result.skipped) while another worker holds the mailbox's lease.
    """
    lease = _Lease(mailbox, lease_seconds)
    if not lease.take():
        return FetchResult(skipped=True)
    try:
        return fetch_claimed(mailbox, limit=limit or settings.EMAIL_FETCH_BATCH, lease=lease)
    finally:
        lease.release()


def fetch_claimed(mailbox: Mailbox, *, limit: int, lease: _Lease | None = None) -> FetchResult:
    """The fetch step itself, for a mailbox the caller holds. Safe even when two run at once (the tests
    call it from two threads without a lease): the unique keys and row claims decide, not the lease."""
    result = FetchResult()
    try:
        password = mailbox_password(mailbox)
        with ImapSession(mailbox, password, timeout=settings.EMAIL_IMAP_TIMEOUT) as session:
            uidvalidity = session.select(mailbox.folder)
            state = Mailbox.objects.get(pk=mailbox.pk)
            last_uid = state.last_uid
            if state.uidvalidity != uidvalidity:
                # The server renumbered the folder (RFC 3501 2.3.1.1): old UIDs mean nothing now. Read it
                # again from the start; messages already stored come back as duplicates of their rows.
                Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=uidvalidity, last_uid=0)
                last_uid = 0
            uids = session.uids_after(last_uid)
            batch = uids[:limit]
            result.more = len(uids) > len(batch)
            sizes = session.sizes(batch)
            for uid in batch:
                _fetch_one(session, mailbox, uidvalidity, uid, sizes.get(uid, 0), result)
                if lease is not None and not lease.renew():
                    result.more = True  # the lease ran out and another worker took over: stop here
                    break
            _settle_on_server(session, mailbox, uidvalidity)
        Mailbox.objects.filter(pk=mailbox.pk).update(last_fetch_at=timezone.now(), last_error="")
    except (ImapError, CredentialError) as exc:
        result.error = str(exc)
        logger.warning("mailbox %s: %s", mailbox.name, exc)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_fetch_at=timezone.now(), last_error=_clean(str(exc), 2000)
        )
    except Exception as exc:  # noqa: BLE001 - a bug or a database failure: shown on the mailbox, the others go on
        result.error = f"{type(exc).__name__}: {exc}"
        logger.exception("mailbox %s: the fetch failed", mailbox.name)
        Mailbox.objects.filter(pk=mailbox.pk).update(
            last_fetch_at=timezone.now(), last_error=_clean(result.error, 2000)
        )
    return result


def _fetch_one(session: ImapSession, mailbox: Mailbox, uidvalidity: int, uid: int, size: int,
               result: FetchResult) -> None:
    headers_only = size > settings.EMAIL_MAX_MESSAGE_BYTES
    raw = session.fetch_header(uid) if headers_only else session.fetch(uid)
    if raw is not None:
        message, _created = inbound_message_store(mailbox=mailbox, uidvalidity=uidvalidity, uid=uid, raw=raw,
                                                  size=size or None, headers_only=headers_only)
        result.fetched += 1
        if message.status == MessageStatus.RECEIVED:
            message = inbound_message_process(message=message, raw=raw)
            result.processed += message.status != MessageStatus.FAILED
            result.failed += message.status == MessageStatus.FAILED
        if message.status in SETTLED_STATUSES and message.server_done_at is None:
            _server_action(session, mailbox, [message])
    # Stored (or gone from the server): the next step starts after it, whatever its processing did.
    Mailbox.objects.filter(pk=mailbox.pk, last_uid__lt=uid).update(last_uid=uid)
    if raw is not None and len(raw) > 1024 * 1024:
        del raw
        _return_freed_memory()


def _return_freed_memory() -> None:
    """Hand memory freed by a big mail back to the operating system (glibc's malloc_trim).

    Each big mail allocates buffers of a new size (raw bytes, decoded files); glibc keeps freed ones in
    its heap, so a worker's RSS only grew: 151 → 220 MB over twelve mails with 10 MB files, 150–180 MB
    with this. Elsewhere than glibc there is nothing to call, and nothing to do.
    """
    global _malloc_trim
    if _malloc_trim is None:
        try:
            _malloc_trim = ctypes.CDLL("libc.so.6").malloc_trim
        except (OSError, AttributeError):
            _malloc_trim = False
    if _malloc_trim:
        _malloc_trim(0)


_malloc_trim = None


def _server_action(session: ImapSession, mailbox: Mailbox, messages: list[InboundMessage]) -> None:
    uids = [m.uid for m in messages]
    if mailbox.after_processing == AfterProcessing.MOVE and mailbox.move_to.strip():
        session.move(uids, mailbox.move_to.strip())
    else:
        session.mark_seen(uids)
    InboundMessage.objects.filter(pk__in=[m.pk for m in messages]).update(server_done_at=timezone.now())


def _settle_on_server(session: ImapSession, mailbox: Mailbox, uidvalidity: int) -> None:
    """Mark or move what was settled after its fetch (a retry that passed, an accepted held message)."""
    pending = list(
        InboundMessage.objects.filter(
            mailbox=mailbox, uidvalidity=uidvalidity, server_done_at__isnull=True, status__in=SETTLED_STATUSES
        ).only("pk", "uid")[:500]
    )
    if pending:
        _server_action(session, mailbox, pending)


def mailbox_fetch_until_empty(*, mailbox: Mailbox, time_budget: float):
    """Fetch steps for one mailbox until it is empty, it fails, or `time_budget` seconds are used; yields
    each step's result."""
    deadline = time.monotonic() + time_budget
    while True:
        result = mailbox_fetch(mailbox=mailbox)
        yield result
        if result.skipped or result.error or not result.more or time.monotonic() >= deadline:
            return


def mailboxes_fetch(*, time_budget: float = 50.0) -> int:
    """The periodic job: every active mailbox until it is empty or time is up; returns messages fetched."""
    deadline = time.monotonic() + time_budget
    total = 0
    for mailbox in Mailbox.objects.filter(is_active=True).order_by("id"):
        left = deadline - time.monotonic()
        if left <= 0:
            break
        total += sum(r.fetched for r in mailbox_fetch_until_empty(mailbox=mailbox, time_budget=left))
    return total
