"""Receiving an update, the same way for polling and the webhook: read it and record it in the
inbox (durably, once) — and only then may Telegram be told it arrived. A message with a photo
is recorded at once too, awaiting its photo (the file id is in the update): fetching,
processing and storing it is `handlers.awaiting_media`'s job, in a worker of its own, so a
slow download or a hanging media store never holds up the receiving of anyone's messages."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session
from telegram import Bot, PreCheckoutQuery, Update
from telegram.error import TelegramError

from conversations import outbox
from conversations.inbox import record_many
from conversations.messages import Inbound, Outbound
from handlers.awaiting_media import park
from handlers.telegram import invoices, photos
from handlers.telegram.invoices import PreCheckoutAnswer
from handlers.telegram.updates import Incoming, read_update
from payments.telegram_invoice import TelegramInvoices
from store.errors import StoreError
from store.models import Channel
from store.models.types import utcnow
from store.services import people
from store.uow import UnitOfWorkFactory

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Received:
    """An update ready to record: its `Inbound` (without its photo), or why its photo cannot
    be had."""

    incoming: Incoming
    inbound: Inbound
    photo_problem: photos.PhotoProblem | None = None


@dataclass(frozen=True)
class Recorded:
    """The inbox ids of a recorded batch: those the engine may handle now, and those
    awaiting their photo (for the media worker)."""

    handle: list[int] = field(default_factory=list)
    fetch: list[int] = field(default_factory=list)


class Receiver:
    def __init__(
        self,
        bot: Bot,
        uow_factory: UnitOfWorkFactory,
        bot_id: str,
        clock: Callable[[], datetime] = utcnow,
        invoices: TelegramInvoices | None = None,
    ) -> None:
        self.bot = bot
        self.invoices = invoices
        self._uow_factory = uow_factory
        self._bot_id = bot_id
        self._clock = clock

    def read(self, update: Update) -> Incoming | None:
        return read_update(update, self._bot_id)

    def prepare(self, update: Update) -> Received | None:
        """The update read; None for what the bot ignores."""
        incoming = self.read(update)
        return None if incoming is None else received(incoming)

    def record(self, batch: Sequence[Received | None]) -> Recorded:
        """Record a batch in one transaction (committed on return). A repeated update yields
        its existing id: handling it again is a no-op."""
        recording: list[Received] = []
        with self._uow_factory() as uow:
            now = self._clock()
            for item in batch:
                if item is None:
                    continue
                if item.incoming.payment is not None:
                    self._complete_payment(uow.session, item.incoming.payment, now)
                    continue
                if item.photo_problem and self._say_photo_problem(uow.session, item, now):
                    continue
                recording.append(item)
            # An own contact shared is linked to her account by the engine (`verified_phone`).
            results = record_many(uow.session, [item.inbound for item in recording], now)
            recorded = Recorded()
            for item, result in zip(recording, results, strict=True):
                photo = item.incoming.photo if item.photo_problem is None else None
                if photo is None:
                    recorded.handle.append(result.inbox_id)
                    continue
                if not result.duplicate:
                    park(uow.session, result.inbox_id, photos.MEDIA_KEY, [photo.to_dict()])
                recorded.fetch.append(result.inbox_id)
            uow.commit()
        return recorded

    def pre_checkout_answer(self, query: PreCheckoutQuery) -> PreCheckoutAnswer:
        """Whether Telegram may charge the card (re-checked in the database, read only)."""
        if self.invoices is None:
            return invoices.refuse_unknown(query)
        with self._uow_factory(read_only=True) as uow:
            return invoices.check_pre_checkout(uow.session, self.invoices, query, self._clock())

    async def answer_pre_checkouts(self, updates: Sequence[Update]) -> None:
        """Answer every pre-checkout query of a batch (Telegram waits at most 10 s)."""
        for update in updates:
            query = update.pre_checkout_query
            if query is None:
                continue
            answer = await asyncio.to_thread(self.pre_checkout_answer, query)
            try:
                await self.bot.answer_pre_checkout_query(
                    query.id, answer.ok, error_message=answer.error_message
                )
            except TelegramError as exc:  # too late: Telegram has refused the payment itself
                logger.warning("pre-checkout query not answered: %s", type(exc).__name__)

    def _complete_payment(
        self, session: Session, payment: invoices.PaymentReceived, now: datetime
    ) -> None:
        if self.invoices is None:
            logger.error("telegram payment %s without invoices set up", payment.telegram_charge_id)
            return
        try:
            with session.begin_nested():
                invoices.complete_telegram_payment(session, self.invoices, payment, now)
        except StoreError:
            logger.exception("telegram payment %s not completed", payment.telegram_charge_id)

    async def answer_callbacks(self, batch: Sequence[Received | None]) -> None:
        """Every tapped button is answered (its spinner stops); a failure only logs."""
        for item in batch:
            query_id = item.incoming.callback_query_id if item else None
            if query_id is None:
                continue
            try:
                await self.bot.answer_callback_query(query_id)
            except TelegramError as exc:  # too old, or the network: the reply still comes
                logger.info("callback query not answered: %s", type(exc).__name__)

    def _say_photo_problem(self, session: Session, item: Received, now: datetime) -> bool:
        """Tell someone we know why their photo cannot be used (once per update); a
        newcomer's message is recorded without it instead, so they get the welcome first."""
        inbound = item.inbound
        user = people.user_for_identity(session, Channel.TELEGRAM, inbound.platform_user_id)
        if user is None:
            return False
        assert item.photo_problem is not None
        text = photos.problem_text(item.photo_problem, user.locale)
        outbox.enqueue(
            session,
            user.id,
            Channel.TELEGRAM,
            inbound.platform_user_id,
            Outbound(text=text),
            dedupe_key=f"telegram:{inbound.platform_message_id}:photo",
            now=now,
        )
        return True


def received(incoming: Incoming) -> Received:
    """`incoming` ready to record: a photo over the 20 MB a bot may download is known to be
    unusable from the update itself."""
    if incoming.photo_too_large:
        return Received(incoming, incoming.inbound, photos.PhotoProblem.TOO_LARGE)
    return Received(incoming, incoming.inbound)
