"""tickets/services.py attachments_add: several files in one transaction; a refusal or any failure
rolls back every row and removes every file it stored (the portal and the ticket page use it)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from serviceloop.core.errors import UnsupportedMediaType
from serviceloop.tickets import services
from serviceloop.tickets.models import Attachment, TicketEvent

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64


def _files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_all_files_are_added_with_their_events(world, settings):
    ticket = world.ticket()
    added = services.attachments_add(ticket=ticket, actor=world.alice, internal=True, uploads=[
        SimpleUploadedFile("现场.png", PNG), SimpleUploadedFile("日志.txt", b"line 1\n")])
    assert [a.original_name for a in added] == ["现场.png", "日志.txt"]
    assert all(a.is_internal and a.event_id for a in added)
    assert len(_files(settings)) == 2


def test_a_refused_file_refuses_the_others_names_itself_and_leaves_no_file(world, settings):
    ticket = world.ticket()
    events_before = TicketEvent.objects.count()
    with pytest.raises(UnsupportedMediaType) as caught:
        services.attachments_add(ticket=ticket, actor=world.alice, uploads=[
            SimpleUploadedFile("现场.png", PNG), SimpleUploadedFile("photo.png", EXE)])
    assert caught.value.refused_name == "photo.png"
    assert not Attachment.objects.exists() and TicketEvent.objects.count() == events_before
    assert _files(settings) == []


def test_a_failure_that_is_no_refusal_removes_the_stored_files_too(world, settings, monkeypatch):
    ticket = world.ticket()
    real = services.attachment_add
    calls = []

    def failing_second(**kwargs):
        calls.append(kwargs["upload"].name)
        if len(calls) == 2:
            raise RuntimeError("disk full")
        return real(**kwargs)

    monkeypatch.setattr(services, "attachment_add", failing_second)
    with pytest.raises(RuntimeError):
        services.attachments_add(ticket=ticket, actor=world.alice, uploads=[
            SimpleUploadedFile("a.png", PNG), SimpleUploadedFile("b.txt", b"x\n")])
    assert not Attachment.objects.exists() and _files(settings) == []
