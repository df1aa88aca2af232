"""SLA policies (SLA-1, SLA-2, SLA-7): versions with their targets, the four presets, the default
version every new ticket starts under, and which targets apply to a ticket.
"""

from __future__ import annotations

import time as _time
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from serviceloop.accounts.models import User
from serviceloop.core.errors import Forbidden, InvalidInput
from serviceloop.tickets.choices import Status

from ..models import (
    TARGET_MAX,
    BusinessCalendar,
    Metric,
    SLAPolicy,
    SLAPolicyVersion,
    SLATarget,
    Unit,
    target_max_message,
)
from ..presets import DEFAULT_PAUSE_STATUSES, DEFAULT_PRESET, PRESETS
from .calendars import default_calendar


@dataclass(frozen=True)
class TargetSpec:
    priority: str
    metric: str
    amount: int
    unit: str
    tier: str = ""
    contract_level: str = ""


def _validate_targets(targets: list[TargetSpec]) -> None:
    seen = set()
    for i, t in enumerate(targets):
        where = f"targets[{i}]"
        if t.unit not in Unit.values:
            raise InvalidInput.field(f"{where}.unit", _("Unknown unit “%(unit)s”. Allowed: %(allowed)s")
                                     % {"unit": t.unit, "allowed": ", ".join(Unit.values)})
        if t.metric not in Metric.values:
            raise InvalidInput.field(f"{where}.metric",
                                     _("Unknown metric “%(metric)s”.") % {"metric": t.metric})
        if not isinstance(t.amount, int) or t.amount <= 0:
            raise InvalidInput.field(f"{where}.amount",
                                     _("A target must be a whole number greater than zero."))
        if t.amount > TARGET_MAX[t.unit]:  # issue #9: the deadline maths must never overflow
            raise InvalidInput.field(f"{where}.amount", target_max_message(t.unit))
        key = (t.priority, t.tier, t.contract_level, t.metric)
        if key in seen:
            raise InvalidInput.field(where, _("This target is listed twice."))
        seen.add(key)


@transaction.atomic
def policy_version_create(*, policy: SLAPolicy, actor: User | None, reason: str, targets: list[TargetSpec],
                          calendar: BusinessCalendar | None = None, pause_statuses: list[str] | None = None,
                          at_risk_ratio: Decimal | float | None = None) -> SLAPolicyVersion:
    """Write a new version of a policy (SLA-7). Tickets already running keep the version they started with."""
    if actor is not None and not actor.has_perm("sla.add_slapolicyversion") and not actor.is_superuser:
        raise Forbidden(_("You do not have permission to do this."))
    _validate_targets(targets)
    if at_risk_ratio is not None and not 0.1 <= float(at_risk_ratio) <= 0.99:
        raise InvalidInput.field("at_risk_ratio", _("Choose a value between 0.1 and 0.99."))
    allowed_pause = set(Status.values) | {"waiting_customer", "waiting_parts", "picked_up", "repairing",
                                          "shipped", "contacted", "diagnosed"}
    for s in pause_statuses or []:
        if s not in allowed_pause:
            raise InvalidInput.field("pause_statuses", _("Unknown status “%(status)s”.") % {"status": s})
    SLAPolicy.objects.select_for_update().filter(pk=policy.pk).first()  # serialise concurrent edits
    previous = policy.current_version()
    version = SLAPolicyVersion.objects.create(
        policy=policy,
        number=(previous.number + 1) if previous else 1,
        calendar=calendar or (previous.calendar if previous else default_calendar()),
        pause_statuses=pause_statuses if pause_statuses is not None else (
            previous.pause_statuses if previous else DEFAULT_PAUSE_STATUSES),
        at_risk_ratio=Decimal(str(at_risk_ratio)) if at_risk_ratio is not None else (
            previous.at_risk_ratio if previous else Decimal("0.80")),
        created_by=actor,
        reason=reason,
    )
    SLATarget.objects.bulk_create([
        SLATarget(version=version, priority=t.priority, tier=t.tier, contract_level=t.contract_level,
                  metric=t.metric, amount=t.amount, unit=t.unit) for t in targets])
    # Cleared now for this transaction's own later reads, and again at commit in case another
    # thread of this process cached the old version meanwhile.
    clear_policy_cache()
    transaction.on_commit(clear_policy_cache)
    return version


def preset_targets(code: str) -> list[TargetSpec]:
    return [TargetSpec(priority=p, metric=m, amount=a, unit=u)
            for p, metrics in PRESETS[code]["targets"].items() for m, (a, u) in metrics.items()]


@transaction.atomic
def policy_install_presets() -> list[SLAPolicy]:
    """Create the four seed policies once (version 1 each); seed 001's becomes the default.

    A data migration (sla/migrations/0006_seed_presets.py) installs them in every new database;
    this installs them again where they were deleted since (and keeps those that are there).
    """
    installed = []
    for code, preset in PRESETS.items():
        policy, created = SLAPolicy.objects.get_or_create(
            name=preset["name"], defaults={"description": preset["description"],
                                           "is_default": code == DEFAULT_PRESET and
                                           not SLAPolicy.objects.filter(is_default=True).exists()})
        if created:
            policy_version_create(policy=policy, actor=None, reason=_("Preset from the source documents"),
                                  targets=preset_targets(code))
        installed.append(policy)
    return installed


_default_version_cache: list[tuple[float, SLAPolicyVersion]] = []
DEFAULT_VERSION_CACHE_SECONDS = 60


def default_version() -> SLAPolicyVersion:
    """The current version of the default policy, cached per process for a minute like the calendars.

    Every new ticket reads it and it changes a few times a year; the query and its model instance
    cost about a sixth of a ticket's web time. A new version written through policy_version_create
    clears the cache in this process when it commits; other processes see it within the minute.
    """
    cached = _default_version_cache[0] if _default_version_cache else None
    if cached and _time.monotonic() - cached[0] < DEFAULT_VERSION_CACHE_SECONDS:
        return cached[1]
    version = (SLAPolicyVersion.objects.filter(policy__is_default=True).select_related("policy")
               .order_by("-number").first())
    if version is None:
        policy_install_presets()
        version = (SLAPolicyVersion.objects.filter(policy__is_default=True).select_related("policy")
                   .order_by("-number").first())
    _default_version_cache[:] = [(_time.monotonic(), version)]
    return version


def clear_policy_cache() -> None:
    _default_version_cache.clear()


def targets_for(version: SLAPolicyVersion, *, priority: str, tier: str,
                contract_level: str) -> dict[str, SLATarget]:
    """The targets that apply, per metric: the most specific row wins
    (tier and level > level > tier > any)."""
    best: dict[str, tuple[int, SLATarget]] = {}
    for t in _targets_of(version.pk):
        if t.priority != priority or (t.tier and t.tier != tier) or (
                t.contract_level and t.contract_level != contract_level):
            continue
        score = (2 if t.contract_level else 0) + (1 if t.tier else 0)
        if t.metric not in best or score > best[t.metric][0]:
            best[t.metric] = (score, t)
    return {m: t for m, (_s, t) in best.items()}


_targets_cache: dict[int, list[SLATarget]] = {}


def _targets_of(version_id: int) -> list[SLATarget]:
    # A version's targets never change after it is written (an edit makes a new version): cache forever.
    if version_id not in _targets_cache:
        _targets_cache[version_id] = list(SLATarget.objects.filter(version_id=version_id))
    return _targets_cache[version_id]


def clear_targets_cache() -> None:
    _targets_cache.clear()
