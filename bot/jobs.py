"""Every job this deployment schedules, bound to the container: what runs, when, and how late a
run may still start (`misfire_grace_time`). `bot/scheduler.py` puts them in APScheduler."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot import plugins
from bot.alerts import send_held_alerts
from bot.container import Container
from bot.market_rules import hub_rules
from bot.plugin import ChannelPasses, ScheduledJob
from conversations.hub_rules import FulfilmentMode
from conversations.jobs.delivery import deliver_shipped_orders
from conversations.jobs.drafts import clean_stale_drafts
from conversations.jobs.follow_ups import ask_if_arrived, remind_unsent
from conversations.jobs.manager_week import weekly_manager_summary
from conversations.jobs.mentor_digest import weekly_mentor_digest
from conversations.jobs.nudges import nudge_abandoned_carts
from conversations.jobs.payouts import weekly_payouts_summary
from conversations.jobs.reminders import remind_artisans
from conversations.reservations import expire_unpaid_orders
from store.media.leftovers import remove_raw_leftovers
from store.media.storage import MediaStoreError
from store.models.types import utcnow
from store.shipping_zones import zone_for

logger = logging.getLogger(__name__)

# What a killed worker recorded and did not handle is answered within this (and every
# update a transient failure left waiting, once due).
SWEEP_SECONDS = 5
NUDGE_MINUTES = 15
HOUR = 3600


def scheduled_jobs(
    container: Container,
    passes: ChannelPasses,
    *,
    clock: Callable[[], datetime] = utcnow,
) -> list[ScheduledJob]:
    """Every job this deployment runs, bound to `container`: the shop's own, and those of the
    payment provider plug-ins on."""
    zone = ZoneInfo(container.settings.artisan_timezone)
    uow_factory = container.uow_factory

    def expire() -> None:
        codes = expire_unpaid_orders(uow_factory, clock())
        if codes:
            logger.info("expired unpaid orders: %s", ", ".join(codes))

    def held_alerts() -> None:
        with uow_factory() as uow:
            sent = send_held_alerts(uow.session, clock())
            uow.commit()
        if sent:
            logger.info("alerts held back in their window sent: %s message(s)", sent)

    jobs = [
        ScheduledJob(
            "expire_unpaid_orders",
            IntervalTrigger(minutes=1, timezone=zone),
            expire,
            30,
            "Expire unpaid orders, release their pieces, tell the buyer",
        ),
        ScheduledJob(
            "sweep_inbox",
            IntervalTrigger(seconds=SWEEP_SECONDS, timezone=zone),
            lambda: _sweep_inbox(passes.sweep),
            SWEEP_SECONDS,
            "Handle updates recorded but not handled (after a crash)",
        ),
        ScheduledJob(
            "send_held_alerts",
            IntervalTrigger(minutes=1, timezone=zone),
            held_alerts,
            30,
            "Alert community managers of failures and refused refunds held back in a window",
        ),
    ]
    settings = container.settings
    currency = settings.artisan_currency

    def remind() -> None:
        at_hub = settings.fulfilment_mode is FulfilmentMode.HUB
        reminded = remind_artisans(uow_factory, clock(), zone, at_hub=at_hub)
        if reminded:
            logger.info("reminded %s artisan(s) of orders to make ready", len(reminded))

    def digest() -> None:
        done = weekly_mentor_digest(
            uow_factory,
            clock(),
            zone,
            rules=container.qualification_rules,
            threshold=container.mentor_threshold,
            currency=currency,
        )
        logger.info(
            "mentor digest: %s promoted, %s offered mentorship, %s digests",
            len(done.promoted),
            len(done.offered),
            len(done.digests),
        )

    def nudge() -> None:
        nudged = nudge_abandoned_carts(uow_factory, clock(), plugins.channel_capabilities())
        if nudged:
            logger.info("nudged %s abandoned cart(s)", len(nudged))

    def drafts() -> None:
        done = clean_stale_drafts(uow_factory, clock(), zone)
        if done.warned or done.removed:
            logger.info("drafts: %s warned, %s removed", len(done.warned), len(done.removed))

    def raw_photos() -> None:
        max_age = timedelta(hours=settings.raw_photo_max_age_hours)
        try:
            removed = remove_raw_leftovers(container.media_store, clock() - max_age)
        except MediaStoreError as exc:  # the bucket unreachable: the next hour tries again
            logger.warning("raw photos: not removed (%s)", exc)
            return
        if removed:
            logger.info("raw photos: %s left over removed", removed)

    def deliver() -> None:
        delivered = deliver_shipped_orders(uow_factory, clock(), _delivered_after)
        if delivered:
            logger.info("counted as arrived: %s", ", ".join(delivered))

    def follow_up() -> None:
        now = clock()
        after = timedelta(days=settings.unsent_reminder_days)
        reminded = remind_unsent(uow_factory, now, after, hub_rules(settings))
        asked = ask_if_arrived(uow_factory, now, _expected_after)
        if reminded or asked:
            logger.info("follow-ups: %s about unsent pieces, asked about %s", reminded, asked)

    def payouts() -> None:
        told = weekly_payouts_summary(uow_factory, clock(), zone, currency=currency)
        if told:
            logger.info("payouts summary sent to %s community manager(s)", len(told))

    def manager_week() -> None:
        at_hub = settings.fulfilment_mode is FulfilmentMode.HUB
        told = weekly_manager_summary(uow_factory, clock(), zone, currency=currency, at_hub=at_hub)
        if told:
            logger.info("manager's week sent to %s community manager(s)", len(told))

    jobs += [
        ScheduledJob(
            "remind_artisans",
            CronTrigger(hour=9, minute=0, timezone=zone),
            remind,
            3 * HOUR,
            "Remind artisans of paid orders not yet ready (a template outside WhatsApp's window)",
        ),
        ScheduledJob(
            "mentor_digest",
            CronTrigger(day_of_week="mon", hour=8, minute=0, timezone=zone),
            digest,
            12 * HOUR,
            "Promote qualified recruits, offer mentorship, send mentors their weekly digest",
        ),
        ScheduledJob(
            "nudge_abandoned_carts",
            IntervalTrigger(minutes=NUDGE_MINUTES, timezone=zone),
            nudge,
            5 * 60,
            "Nudge each abandoned cart once (WhatsApp: inside the 24-hour window; not after STOP)",
        ),
        ScheduledJob(
            "clean_stale_drafts",
            CronTrigger(hour=10, minute=0, timezone=zone),
            drafts,
            12 * HOUR,
            "Warn about listing drafts idle six days; delete them a day later",
        ),
        ScheduledJob(
            "remove_raw_photos",
            IntervalTrigger(hours=1, timezone=zone),
            raw_photos,
            HOUR,
            "Remove raw photos as sent (GPS and all) left in the media store's incoming/",
        ),
        ScheduledJob(
            "deliver_shipped_orders",
            IntervalTrigger(hours=1, timezone=zone),
            deliver,
            HOUR,
            "Count shipped orders nobody said arrived as delivered after their zone's time",
        ),
        ScheduledJob(
            "follow_up_orders",
            CronTrigger(hour=11, minute=0, timezone=zone),
            follow_up,
            12 * HOUR,
            "Remind artisans (then managers) of pieces not sent; ask buyers if late parcels came",
        ),
        ScheduledJob(
            "payouts_summary",
            CronTrigger(day_of_week="mon", hour=9, minute=0, timezone=zone),
            payouts,
            12 * HOUR,
            "Weekly payouts summary to community managers",
        ),
        ScheduledJob(
            "manager_week",
            CronTrigger(day_of_week="mon", hour=8, minute=30, timezone=zone),
            manager_week,
            12 * HOUR,
            "Each community manager's week: listings, reviews, new artisans, orders, cases, money",
        ),
    ]
    for provider in plugins.providers(container):
        jobs += provider.jobs(clock)
    return jobs


def _delivered_after(country: str) -> timedelta:
    """How long after shipping to `country` a parcel counts as arrived: its zone's time."""
    return zone_for(country).auto_delivered_after


def _expected_after(country: str) -> timedelta:
    """When a parcel to `country` should have arrived: its zone's longest delivery time."""
    return timedelta(days=zone_for(country).delivery_days[1])


def _sweep_inbox(sweeps: Sequence[Callable[[], int]]) -> None:
    handled = sum(sweep() for sweep in sweeps)
    if handled:
        logger.info("inbox sweep handled %s update(s) left over", handled)
