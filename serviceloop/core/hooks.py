"""Hooks: how an app announces a change to the apps above it without importing them (issue #10).

The import order (docs/architecture.md) lets an app import only the apps below it: `tickets` may not
import `sla`, `customers` may not import `sla` either. Yet a ticket's SLA clock must move when the
ticket does, in the same transaction, and a customer's new tier must recompute its tickets'
deadlines. So the lower app declares a Hook and calls it after the change; the higher app connects
a receiver to it when it starts (its AppConfig.ready()). The lower app names no one, the higher app
sees every change, and there is exactly one place to look for who reacts: the `connect` calls.

Not Django's model signals: those fire on every save() of a model, whoever saves it and why (and
`core/rows.py` skips them on the hot path). A Hook is called explicitly by the one service or
module that makes the change, with the facts its receivers need, so "no logic in signals"
(STYLE.md) still holds: what happens is visible in the service that announces it.

Receivers are services-grade code. They run synchronously, in connection order, inside the
caller's transaction: what they write commits or rolls back with the change they react to, and an
exception raised by one aborts the caller's change (nothing is swallowed). They must not do I/O
outside the database themselves (mail, HTTP, queues): that goes in `transaction.on_commit`.
"""

from __future__ import annotations

from collections.abc import Callable


class Hook:
    """A named extension point: `connect(fn)` once at start-up, then `hook(**facts)` calls each fn."""

    __slots__ = ("name", "_receivers")

    def __init__(self, name: str):
        self.name = name
        self._receivers: tuple[Callable[..., object], ...] = ()

    def connect(self, receiver: Callable[..., object]) -> Callable[..., object]:
        """Add a receiver (keyword arguments only); connecting the same function twice keeps one.

        AppConfig.ready() may run more than once in some test set-ups; a receiver called twice would
        apply its change twice. Returns the receiver, so it can be used as a decorator.
        """
        if receiver not in self._receivers:
            self._receivers = (*self._receivers, receiver)
        return receiver

    def disconnect(self, receiver: Callable[..., object]) -> None:
        self._receivers = tuple(r for r in self._receivers if r is not receiver)

    @property
    def receivers(self) -> tuple[Callable[..., object], ...]:
        return self._receivers

    def __call__(self, **facts) -> None:
        # A tuple, replaced on connect: a receiver connected while a call runs joins the next call.
        for receiver in self._receivers:
            receiver(**facts)

    def __repr__(self) -> str:
        return f"<Hook {self.name}: {len(self._receivers)} receiver(s)>"
