"""The composition root: settings in, the shop's concrete parts out.

Nothing else builds engines, stores or clients; everything is passed on from here.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar, cast

from sqlalchemy import Engine

from bot.domain_events import subscribe_handlers
from bot.metrics import Metrics
from bot.settings import InvalidSettings, MediaStoreKind, Settings, pool_settings
from store.db import make_engine
from store.heartbeats import this_process
from store.media.pipeline import PhotoLimits
from store.media.storage import LocalMediaStore, MediaStore, S3MediaStore, s3_client_config
from store.pricing import PricingPolicy
from store.services.referrals import MentorThreshold, QualificationRules
from store.shipping_zones import configure as configure_shipping_zones
from store.uow import UnitOfWorkFactory
from store.vocabulary import VocabularyError
from store.vocabulary import configure as configure_vocabulary

T = TypeVar("T")


def database_engine(settings: Settings, process: str) -> Engine:
    """The engine of one process: its pool as the settings say, and each PostgreSQL
    connection named `<process>@<host>:<pid>` (`pg_stat_activity.application_name`)."""
    return make_engine(
        settings.database_url,
        pool=pool_settings(settings),
        application_name=f"{process}@{this_process()}",
    )


@dataclass
class Container:
    settings: Settings
    # Which command this process runs (`soko-web`, `soko-scheduler`, …): PostgreSQL shows it
    # as each connection's application_name.
    process: str = "soko"
    # The bot's username as Telegram gave it at start (`bot.telegram_username`).
    learnt_bot_username: str = ""
    # Set when the process is stopping (`bot.lifecycle`): work in threads (the engine, photo
    # downloads) then hands back what it has not started rather than start it.
    stopping: threading.Event = field(default_factory=threading.Event)
    # What `once` built: the plug-ins and their clients, one of each per process.
    _built: dict[str, Any] = field(default_factory=dict, repr=False)
    _building: threading.RLock = field(default_factory=threading.RLock, repr=False)
    # What `close` closes besides the engine: clients with connection pools (`on_close`).
    _closers: list[Callable[[], None]] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        # Domain events reach their handlers (store/events.py, bot/domain_events.py).
        subscribe_handlers(self.settings.payout_release)
        # The words pieces are read and searched by: the shipped ones and VOCABULARY_FILE's
        # (checked when the settings were read). The shipped files, Soko's standards among
        # them, are first read here: one that cannot be used stops the start, named.
        try:
            configure_vocabulary(self.settings.vocabulary_file)
        except VocabularyError as invalid:
            raise InvalidSettings([str(invalid)]) from None
        # Where parcels go and what they cost: the shipped zones or SHIPPING_ZONES_FILE's.
        configure_shipping_zones(self.settings.shipping_zones_file)

    def once(self, key: str, build: Callable[[], T]) -> T:
        """`build()` the first time `key` is asked for; the same object every time after."""
        with self._building:
            if key not in self._built:
                self._built[key] = build()
            return cast(T, self._built[key])

    @property
    def telegram_bot_username(self) -> str:
        """The username links into Telegram name: Telegram's, else TELEGRAM_BOT_USERNAME."""
        return self.learnt_bot_username or self.settings.telegram_bot_username

    @cached_property
    def engine(self) -> Engine:
        return database_engine(self.settings, self.process)

    @cached_property
    def uow_factory(self) -> UnitOfWorkFactory:
        return UnitOfWorkFactory(self.engine)

    @cached_property
    def metrics(self) -> Metrics:
        """This app's metrics registry (one per container, so tests never share counters)."""
        return Metrics(self.uow_factory)

    @cached_property
    def media_store(self) -> MediaStore:
        settings = self.settings
        if settings.media_store == MediaStoreKind.S3:
            import boto3

            client = boto3.client(
                "s3",
                endpoint_url=settings.s3_endpoint_url or None,
                region_name=settings.s3_region,
                aws_access_key_id=settings.s3_access_key_id.get_secret_value() or None,
                aws_secret_access_key=settings.s3_secret_access_key.get_secret_value() or None,
                config=s3_client_config(),
            )
            return S3MediaStore(client, settings.s3_bucket, settings.public_base_url)
        return LocalMediaStore(settings.media_dir, settings.public_base_url)

    @cached_property
    def pricing(self) -> PricingPolicy:
        settings = self.settings
        return PricingPolicy.from_strings(
            settings.store_currency,
            settings.fx_rates,
            settings.pricing_markup_bps,
            settings.mentor_commission_bps,
        )

    @cached_property
    def photo_limits(self) -> PhotoLimits:
        settings = self.settings
        return PhotoLimits(
            max_bytes=settings.photo_max_bytes,
            max_pixels_jpeg=settings.photo_max_pixels_jpeg,
            max_pixels_other=settings.photo_max_pixels_other,
            min_side=settings.photo_min_side,
        )

    @cached_property
    def qualification_rules(self) -> QualificationRules:
        return QualificationRules(
            min_approved_listings=self.settings.referral_qualify_listings,
            min_fulfilled_orders=self.settings.referral_qualify_orders,
        )

    @cached_property
    def mentor_threshold(self) -> MentorThreshold:
        return MentorThreshold(min_fulfilled_orders=self.settings.mentor_min_fulfilled_orders)

    def on_close(self, close: Callable[[], None]) -> None:
        """Call `close` when the container closes (a client's connection pool)."""
        self._closers.append(close)

    def close(self) -> None:
        for close in reversed(self._closers):
            close()
        self._closers.clear()
        if "engine" in self.__dict__:
            self.engine.dispose()
