"""Prometheus metrics for `GET /metrics`, one registry per app (nothing process-global).

Two kinds of figures:
- from the database, read at scrape time by `DatabaseCollector`, so they are right however
  many workers there are: updates in the inbox by channel and status (handled, failed, …),
  the outbox by status (the backlog is `pending`), orders by status;
- in-process, per worker (Prometheus adds the workers up): how long the engine takes per
  update (`MeasuredEngine`), and webhook calls refused for a bad signature or secret.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any, Final

from prometheus_client import CollectorRegistry, Counter, Histogram
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from conversations.engine import ChatEngine, HandleResult
from store.models import InboxMessage, Order, OutboxMessage, OutboxStatus
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)

WEBHOOK_PROVIDERS: Final = ("telegram", "twilio", "stripe", "mpesa")
# One update is one short transaction: milliseconds normally, seconds when something waits.
LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

HandleObserver = Callable[[HandleResult | None, float], None]


class Metrics:
    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self.registry = CollectorRegistry()
        self.handle_seconds = Histogram(
            "soko_update_handle_seconds",
            "Time the chat engine took to handle one recorded update, by outcome.",
            ["outcome"],
            buckets=LATENCY_BUCKETS,
            registry=self.registry,
        )
        self.signature_failures = Counter(
            "soko_webhook_signature_failures",
            "Webhook calls refused for a missing or wrong signature or secret, by provider.",
            ["provider"],
            registry=self.registry,
        )
        for provider in WEBHOOK_PROVIDERS:
            self.signature_failures.labels(provider)
        self.registry.register(DatabaseCollector(uow_factory))

    def observe_handle(self, result: HandleResult | None, seconds: float) -> None:
        """`result` None: the engine raised (a database error escaping its recovery)."""
        outcome = result.outcome.value if result is not None else "error"
        self.handle_seconds.labels(outcome).observe(seconds)

    def signature_failed(self, provider: str) -> Callable[[], None]:
        """What a webhook calls when it refuses a request's signature or secret."""
        counter = self.signature_failures.labels(provider)
        return counter.inc

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The registry in the format the scraper asked for (Prometheus text by default,
        OpenMetrics on request), and its content type."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type


class MeasuredEngine(ChatEngine):
    """The chat engine, timing each update it handles (alone, in a group, or in a sweep)."""

    def __init__(self, *args: Any, observe: HandleObserver, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._observer = observe

    def _observe(self, result: HandleResult | None, seconds: float) -> None:
        self._observer(result, seconds)


class DatabaseCollector(Collector):
    """Figures read from the database at each scrape (a few grouped counts)."""

    def __init__(self, uow_factory: UnitOfWorkFactory) -> None:
        self._uow_factory = uow_factory

    def describe(self) -> Iterable[Metric]:
        return []  # read only at scrape time: registering must not touch the database

    def collect(self) -> Iterable[Metric]:
        up = GaugeMetricFamily("soko_database_up", "1 when the database answered this scrape.")
        try:
            families = self._read()
        except SQLAlchemyError as exc:
            logger.warning("metrics: database unreachable (%s)", type(exc).__name__)
            up.add_metric([], 0)
            return [up]
        up.add_metric([], 1)
        return [up, *families]

    def _read(self) -> list[Metric]:
        inbox = GaugeMetricFamily(
            "soko_inbox_updates",
            "Updates recorded in the inbox, by channel and status (handled, failed, …).",
            labels=["channel", "status"],
        )
        outbox = GaugeMetricFamily(
            "soko_outbox_messages",
            "Messages in the outbox by status; pending is the backlog, failed were refused.",
            labels=["status"],
        )
        oldest = GaugeMetricFamily(
            "soko_outbox_oldest_pending_seconds",
            "Age of the oldest message due and not sent yet (0 when none is): alert when it"
            " grows, delivery has stopped or fallen behind.",
        )
        unsent = GaugeMetricFamily(
            "soko_outbox_oldest_unsent_seconds",
            "Age of the oldest message not sent yet, due or waiting out a retry's backoff (0"
            " when none is): alert when it grows, the platform refuses or cannot be reached.",
        )
        orders = GaugeMetricFamily("soko_orders", "Orders by status.", labels=["status"])
        now = utcnow()
        with self._uow_factory(read_only=True) as uow:
            session = uow.session
            inbox_rows = session.execute(
                select(InboxMessage.channel, InboxMessage.status, func.count()).group_by(
                    InboxMessage.channel, InboxMessage.status
                )
            )
            for channel, inbox_status, count in inbox_rows:
                inbox.add_metric([channel.value, inbox_status.value], count)
            outbox_counts = dict.fromkeys(OutboxStatus, 0)  # every status, even when none
            for outbox_status, count in session.execute(
                select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
            ):
                outbox_counts[outbox_status] = count
            for outbox_status, count in outbox_counts.items():
                outbox.add_metric([outbox_status.value], count)
            since = session.scalar(
                # Due: not waiting out a retry's backoff, nor claimed by a sender.
                select(func.min(OutboxMessage.created_at)).where(
                    OutboxMessage.status == OutboxStatus.PENDING,
                    OutboxMessage.next_attempt_at <= now,
                )
            )
            unsent_since = session.scalar(
                select(func.min(OutboxMessage.created_at)).where(
                    OutboxMessage.status == OutboxStatus.PENDING
                )
            )
            order_rows = session.execute(select(Order.status, func.count()).group_by(Order.status))
            for order_status, count in order_rows:
                orders.add_metric([order_status.value], count)
        oldest.add_metric([], _age(now, since))
        unsent.add_metric([], _age(now, unsent_since))
        return [inbox, outbox, oldest, unsent, orders]


def _age(now: datetime, since: datetime | None) -> float:
    return max((now - since).total_seconds(), 0.0) if since else 0.0
