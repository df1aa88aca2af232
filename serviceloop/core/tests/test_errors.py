"""core/errors.py: an id the user sent names a row, or the one “Unknown …” answer on its field."""

from __future__ import annotations

import pytest
from django.utils import translation

from serviceloop.core.errors import InvalidInput, known
from serviceloop.core.models import JobFailure


@pytest.fixture
def failure(db):
    return JobFailure.objects.create(task="t", task_id="1", error="boom")


def test_known_returns_the_row_of_a_model_or_of_a_scoped_queryset(failure):
    assert known(JobFailure, failure.pk, "job_id", "job") == failure
    assert known(JobFailure.objects.filter(task="t"), failure.pk, "job_id", "job") == failure


def test_known_passes_no_id_through_as_none(db):
    assert known(JobFailure, None, "job_id", "job") is None


def test_an_id_outside_the_queryset_is_unknown_on_its_field(failure):
    with pytest.raises(InvalidInput) as caught, translation.override("en"):
        known(JobFailure.objects.filter(task="other"), failure.pk, "job_id", "job")
    assert caught.value.status_code == 422
    assert caught.value.errors == [{"field": "job_id", "message": f"Unknown job: {failure.pk}"}]


def test_the_unknown_message_is_translated():
    with translation.override("zh-hans"):
        error = InvalidInput.unknown("contact_id", "联系人", 9)
    assert error.message != "Unknown 联系人: 9" and "9" in error.message and "联系人" in error.message
