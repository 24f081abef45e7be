"""Workshop visits and the verification they give a shop.

A community manager records a visit to an artisan's workshop: the day (Nairobi's calendar),
what she saw against each item of the standards' visit checklist, photos already stored by the
photo pipeline (keys only: nothing here touches the media store), and the outcome. A passed
visit verifies the shop from the visit's month until `valid_until` (the visit's day plus the
`VERIFICATION_VALID_MONTHS` setting, fixed when it is recorded); a follow-up visit says what to
fix and leaves the shop due for another. The latest visit decides: a follow-up after a pass
ends the verification. Every visit is also one row of the people audit.

Shops due for a visit are the open ones never visited, whose verification lapsed, or whose
latest visit asked for a follow-up; nearest first from where the manager stands when she shared
her location and the artisan shared a pin, else grouped by the place the artisan typed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Final
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.errors import NotFound, PermissionDenied, StoreError
from store.models import (
    Artisan,
    ArtisanStatus,
    AuditAction,
    Role,
    VisitOutcome,
    WorkshopVisit,
)
from store.services import audit, permissions
from store.services.audit import Actor
from store.services.public_place import public_place

NAIROBI: Final = "Africa/Nairobi"
DEFAULT_VALID_MONTHS: Final = 12
NOTE_MAX: Final = 500
MAX_PHOTOS: Final = 10
EARTH_RADIUS_KM: Final = 6371.0


class Check(StrEnum):
    """What she saw for one checklist item."""

    OK = "ok"  # meets the standards
    FIX = "fix"  # something to fix


class DueReason(StrEnum):
    NEVER = "never"  # never visited
    LAPSED = "lapsed"  # a passed visit, too long ago
    FOLLOW_UP = "follow_up"  # the latest visit asked for one


@dataclass(frozen=True, slots=True)
class DueShop:
    artisan_id: int
    shop_name: str
    place: str  # as buyers see it (never a pin)
    last_visit_month: date | None  # the first day of the latest visit's month
    reason: DueReason = DueReason.NEVER
    user_id: int = 0  # the artisan's person, for her People card
    distance_km: float | None = None  # from where the manager stands, when both are known


class VisitInFuture(StoreError):
    """A visit dated after today (Nairobi): it cannot have happened yet."""

    def __init__(self, visited_on: date, today: date) -> None:
        super().__init__(f"visit on {visited_on} is after today ({today})")
        self.visited_on = visited_on
        self.today = today


class NoteNeeded(StoreError):
    """A follow-up visit says what to fix."""

    def __init__(self) -> None:
        super().__init__("a follow-up visit needs a note")


def today_in(now: datetime, timezone: str = NAIROBI) -> date:
    return now.astimezone(ZoneInfo(timezone)).date()


def add_months(day: date, months: int) -> date:
    """`day` moved `months` calendar months on (the 31st becomes the month's last day)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    month += 1
    next_first = date(year + (month == 12), month % 12 + 1, 1)
    last = (next_first - date(year, month, 1)).days
    return date(year, month, min(day.day, last))


def record_visit(
    session: Session,
    actor: Actor,
    artisan_id: int,
    *,
    visited_on: date,
    outcome: VisitOutcome,
    checks: Mapping[str, Check],
    photo_keys: Sequence[str] = (),
    note: str = "",
    now: datetime,
    valid_months: int = DEFAULT_VALID_MONTHS,
    timezone: str = NAIROBI,
) -> WorkshopVisit:
    """Record a visit as `actor` (a community manager, not to her own shop); flushes, never
    commits. Refuses a day after today and a follow-up without a note."""
    artisan = session.get(Artisan, artisan_id)
    if artisan is None:
        raise NotFound("artisan", artisan_id)
    permissions.require_may_act_on(
        session,
        actor,
        Role.COMMUNITY_MANAGER,
        artisan.user_id,
        "record a workshop visit",
        on_herself=False,
    )
    if actor.user_id is None:  # visits are recorded by someone who went there
        raise PermissionDenied("record a workshop visit", None)
    today = today_in(now, timezone)
    if visited_on > today:
        raise VisitInFuture(visited_on, today)
    note = " ".join(note.split())[:NOTE_MAX]
    if outcome is VisitOutcome.FOLLOW_UP and not note:
        raise NoteNeeded()
    passed = outcome is VisitOutcome.PASSED
    visit = WorkshopVisit(
        artisan_id=artisan.id,
        manager_id=actor.user_id,
        visited_on=visited_on,
        outcome=outcome,
        valid_until=add_months(visited_on, valid_months) if passed else None,
        checks={code: Check(value).value for code, value in checks.items()},
        photo_keys=list(photo_keys)[:MAX_PHOTOS],
        note=note,
        recorded_at=now,
    )
    session.add(visit)
    session.flush()
    audit.record(
        session,
        actor,
        AuditAction.VISIT,
        now,
        subject_user_id=artisan.user_id,
        artisan_id=artisan.id,
        note=f"{outcome.value} {visited_on.isoformat()}" + (f": {note}" if note else ""),
    )
    return visit


def latest_visits(session: Session, artisan_ids: Iterable[int]) -> dict[int, WorkshopVisit]:
    """Each shop's latest visit (by its day, then by when it was recorded)."""
    ids = list(set(artisan_ids))
    if not ids:
        return {}
    ranked = (
        select(
            WorkshopVisit.id,
            func.row_number()
            .over(
                partition_by=WorkshopVisit.artisan_id,
                order_by=(WorkshopVisit.visited_on.desc(), WorkshopVisit.id.desc()),
            )
            .label("rank"),
        )
        .where(WorkshopVisit.artisan_id.in_(ids))
        .subquery()
    )
    visits = session.scalars(
        select(WorkshopVisit)
        .join(ranked, ranked.c.id == WorkshopVisit.id)
        .where(ranked.c.rank == 1)
    )
    return {visit.artisan_id: visit for visit in visits}


def is_verifying(visit: WorkshopVisit | None, today: date) -> bool:
    """Whether this (latest) visit makes its shop verified on `today`."""
    return (
        visit is not None
        and visit.outcome is VisitOutcome.PASSED
        and visit.valid_until is not None
        and today < visit.valid_until
    )


def verified_since(
    session: Session, artisan_ids: Iterable[int], now: datetime, *, timezone: str = NAIROBI
) -> dict[int, date]:
    """The verified shops among `artisan_ids`, each with the month of the visit that verifies
    it (the first day of that month); shops not verified now are left out."""
    today = today_in(now, timezone)
    return {
        artisan_id: visit.visited_on.replace(day=1)
        for artisan_id, visit in latest_visits(session, artisan_ids).items()
        if is_verifying(visit, today)
    }


def shops_due_for_visit(
    session: Session,
    now: datetime,
    *,
    near: tuple[float, float] | None = None,
    timezone: str = NAIROBI,
) -> list[DueShop]:
    """Open shops never visited, lapsed, or to follow up. With `near` (the manager's latitude
    and longitude), shops with a pin come first, nearest first; the others (and all of them
    without `near`) follow grouped by the place they typed, then by name."""
    today = today_in(now, timezone)
    shops = session.scalars(select(Artisan).where(Artisan.status != ArtisanStatus.SUSPENDED)).all()
    latest = latest_visits(session, (shop.id for shop in shops))
    due: list[DueShop] = []
    for shop in shops:
        visit = latest.get(shop.id)
        if is_verifying(visit, today):
            continue
        if visit is None:
            reason = DueReason.NEVER
        elif visit.outcome is VisitOutcome.FOLLOW_UP:
            reason = DueReason.FOLLOW_UP
        else:
            reason = DueReason.LAPSED
        due.append(
            DueShop(
                artisan_id=shop.id,
                shop_name=shop.shop_name,
                place=public_place(shop.location),
                last_visit_month=visit.visited_on.replace(day=1) if visit else None,
                reason=reason,
                user_id=shop.user_id,
                distance_km=_distance(near, shop),
            )
        )
    return sorted(due, key=_nearest_first)


def _distance(near: tuple[float, float] | None, shop: Artisan) -> float | None:
    if near is None or shop.pin_latitude is None or shop.pin_longitude is None:
        return None
    return haversine_km(near, (shop.pin_latitude, shop.pin_longitude))


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    """The great-circle distance between two (latitude, longitude) points, in km."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(min(1.0, h)))


def _nearest_first(shop: DueShop) -> tuple[int, float, str, str, int]:
    unplaced = shop.distance_km is None
    return (
        int(unplaced),
        shop.distance_km or 0.0,
        shop.place.casefold() or "\uffff",  # shops with no place typed come last
        shop.shop_name.casefold(),
        shop.artisan_id,
    )
