"""What people are told about payouts: the artisan, when money was sent to her M-Pesa (by
hand, or by the shop's M-Pesa payouts), with the M-Pesa code, her new balance and the local
time; community managers, when an M-Pesa payout failed and what to do about it, or when a
payout result came that names no payout of ours. Written to the outbox on the caller's
session, in each one's language, once per event (dedupe key)."""

from __future__ import annotations

from datetime import datetime
from typing import Final
from zoneinfo import ZoneInfo

from babel.dates import format_datetime
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.i18n import N_, Translator
from conversations.messages import Outbound
from conversations.notify import alerts
from conversations.notify.templates import UtilityTemplate
from store.models import Artisan, Payout, User
from store.money import Money, babel_locale
from store.phones import shown_phone
from store.services import ledger

# Where the artisans live (ARTISAN_TIMEZONE's default): a notice written from a domain event
# has no settings at hand.
ARTISANS_ZONE: Final = "Africa/Nairobi"
PAYOUT_SENT = N_(
    "We sent you {amount} by M-Pesa on {when} (M-Pesa code {reference}). "
    "Your balance is now {balance}. Thank you!"
)
PAYOUT_FAILED_TOPIC: Final = "payout-failed"
PAYOUT_FAILED = N_(
    "Soko alert: the M-Pesa payout of {amount} to {shop} ({phone}) did not go through: "
    "{reason}. The money stays in her balance. {action}"
)
# Keyed by the values of `payments.events.PayoutFailure` (conversations import no payments).
FAILURE_REASONS: Final = {
    "wrong_number": N_("the number is not an M-Pesa number, or not registered"),
    "limits": N_("the amount is above what M-Pesa lets her receive"),
    "shop_account": N_(
        "the shop's M-Pesa account refused it (its balance, or the initiator's settings)"
    ),
    "refused": N_("M-Pesa refused it"),
    "unanswered": N_("M-Pesa was busy every time it was asked"),
}
FAILURE_ACTIONS: Final = {
    "wrong_number": N_(
        "Ask her for her M-Pesa number and correct it in her shop, then the operator runs: "
        "soko admin payouts --send {slug}"
    ),
    "limits": N_(
        "Send it by hand in parts, then the operator records each: "
        "soko admin payouts --record {slug} AMOUNT MPESA_CODE"
    ),
    "shop_account": N_(
        "Check the shop's M-Pesa balance and the MPESA_INITIATOR settings, then the operator "
        "runs: soko admin payouts --send {slug}"
    ),
    "refused": N_("The operator can try again: soko admin payouts --send {slug}"),
    "unanswered": N_("The operator can try again: soko admin payouts --send {slug}"),
}
PAYOUT_IN_DOUBT_TOPIC: Final = "payout-in-doubt"
PAYOUT_IN_DOUBT = N_(
    "Soko alert: we do not know whether the M-Pesa payout of {amount} to {shop} ({phone}) "
    "was paid: {reason}. Nothing will be sent to her again until this is settled. Look it up "
    "on the M-Pesa business portal; if she was not paid, the operator runs: "
    "soko admin payouts --send {slug}"
)
# Keyed by the values of `payments.events.PayoutDoubt`.
DOUBT_REASONS: Final = {
    "status_unclear": N_("M-Pesa's status answer did not say it was paid"),
    "status_refused": N_("M-Pesa refused to say what became of it"),
}
PAID_AFTER_ALL_TOPIC: Final = "payout-paid-after-all"
PAID_AFTER_ALL = N_(
    "Soko alert: the M-Pesa payout of {amount} to {shop} ({phone}) reported as not gone "
    "through was paid after all (M-Pesa code {reference}); it is now recorded as paid to her. "
    "Do not send it again, by hand or with soko admin payouts --send."
)
NOT_OURS_TOPIC: Final = "mpesa-result-not-ours"
NOT_OURS = N_(
    "Soko alert: an M-Pesa payout result came for a payout this shop never sent. "
    "Nothing was recorded. If it repeats, someone may know the callback address: the "
    "operator changes MPESA_CALLBACK_TOKEN (and the URLs Safaricom has)."
)


def payout_sent(session: Session, payout: Payout, now: datetime, zone: str = ARTISANS_ZONE) -> None:
    """She is told her money left: amount, M-Pesa code, when (her time), her new balance."""
    artisan = session.get(Artisan, payout.artisan_id)
    user = session.get(User, artisan.user_id) if artisan is not None else None
    if user is None:
        return
    t = Translator(user.locale)
    balance = ledger.payable_balance(session, payout.artisan_id, payout.currency)
    when = format_datetime(
        payout.created_at, "d MMM, HH:mm", tzinfo=ZoneInfo(zone), locale=babel_locale(t.locale)
    )
    text = t._(PAYOUT_SENT).format(
        amount=Money(payout.amount_minor, payout.currency).format(t.locale),
        when=when,
        reference=payout.mpesa_reference,
        balance=balance.format(t.locale),
    )
    key = f"payout:{payout.id}:sent"
    # Sent as a template after WhatsApp's 24-hour window: a Friday payout finds most of them
    # days after their last message.
    shown = Outbound(text=text, template=UtilityTemplate.PAYOUT_SENT)
    outbox.notify(session, user.id, shown, dedupe_key=key, now=now)


def payout_failed(
    session: Session,
    artisan_id: int,
    amount: Money,
    phone: str,
    reason: str,
    now: datetime,
) -> int:
    """Every community manager told that a payout failed, why, and what to do (each failed
    payout its own alert: each asks for something). How many were told."""
    artisan = session.get(Artisan, artisan_id)
    if artisan is None:
        return 0

    def render(t: Translator) -> str:
        return t._(PAYOUT_FAILED).format(
            amount=amount.format(t.locale),
            shop=artisan.shop_name,
            phone=shown_phone(phone),
            reason=t._(FAILURE_REASONS.get(reason, FAILURE_REASONS["refused"])),
            action=t._(FAILURE_ACTIONS.get(reason, FAILURE_ACTIONS["refused"])).format(
                slug=artisan.slug
            ),
        )

    topic = f"{PAYOUT_FAILED_TOPIC}:{artisan_id}:{int(now.timestamp())}"
    return alerts.alert_managers(session, topic, render, now)


def payout_in_doubt(
    session: Session,
    artisan_id: int,
    amount: Money,
    phone: str,
    reason: str,
    now: datetime,
) -> int:
    """Every community manager told that a payout is held because nobody knows whether it
    was paid, and how to settle it. How many were told."""
    artisan = session.get(Artisan, artisan_id)
    if artisan is None:
        return 0

    def render(t: Translator) -> str:
        return t._(PAYOUT_IN_DOUBT).format(
            amount=amount.format(t.locale),
            shop=artisan.shop_name,
            phone=shown_phone(phone),
            reason=t._(DOUBT_REASONS.get(reason, DOUBT_REASONS["status_unclear"])),
            slug=artisan.slug,
        )

    topic = f"{PAYOUT_IN_DOUBT_TOPIC}:{artisan_id}:{int(now.timestamp())}"
    return alerts.alert_managers(session, topic, render, now)


def payout_paid_after_all(session: Session, payout: Payout, now: datetime) -> int:
    """Every community manager told that a payout they were told had failed was paid after
    all, so that nobody sends it again. How many were told."""
    artisan = session.get(Artisan, payout.artisan_id)
    if artisan is None:
        return 0

    def render(t: Translator) -> str:
        return t._(PAID_AFTER_ALL).format(
            amount=Money(payout.amount_minor, payout.currency).format(t.locale),
            shop=artisan.shop_name,
            phone=shown_phone(artisan.mpesa_phone or ""),
            reference=payout.mpesa_reference,
        )

    return alerts.alert_managers(session, f"{PAID_AFTER_ALL_TOPIC}:{payout.id}", render, now)


def result_not_ours(session: Session, now: datetime) -> int:
    """Managers told, at most once per alert window, that a result named no payout of ours."""
    return alerts.alert_managers(session, NOT_OURS_TOPIC, lambda t: t._(NOT_OURS), now)
