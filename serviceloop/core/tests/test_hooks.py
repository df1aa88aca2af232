"""core/hooks.py: receivers are called in connection order, once each, and their errors reach the caller."""

from __future__ import annotations

import pytest

from serviceloop.core.hooks import Hook


def test_it_calls_each_receiver_in_the_order_connected_with_the_facts_given():
    hook = Hook("test.changed")
    calls = []
    hook.connect(lambda *, thing: calls.append(("first", thing)))
    hook.connect(lambda *, thing: calls.append(("second", thing)))
    hook(thing=42)
    assert calls == [("first", 42), ("second", 42)]


def test_connecting_the_same_receiver_twice_calls_it_once():
    hook = Hook("test.changed")
    calls = []

    def receiver(**facts):
        calls.append(facts)

    assert hook.connect(receiver) is receiver
    hook.connect(receiver)
    hook(n=1)
    assert calls == [{"n": 1}] and hook.receivers == (receiver,)
    hook.disconnect(receiver)
    hook(n=2)
    assert calls == [{"n": 1}]


def test_a_failing_receiver_stops_the_call_and_its_error_reaches_the_caller():
    hook = Hook("test.changed")
    calls = []

    def fails(**_facts):
        raise RuntimeError("receiver failed")

    hook.connect(fails)
    hook.connect(lambda **facts: calls.append(facts))
    with pytest.raises(RuntimeError, match="receiver failed"):
        hook(n=1)
    assert calls == []  # nothing is swallowed, and nothing runs after the failure
