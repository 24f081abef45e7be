"""The morning reminder: paid orders an artisan has not marked ready, once a day, in her
language, as a utility template (for WhatsApp outside its window)."""

from __future__ import annotations

from datetime import timedelta

from conversations.jobs.reminders import remind_artisans
from store.models import LineStatus
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user
from tests.integration.jobs.jobs_support import MONDAY_9AM, NAIROBI, told


def paid(
    uow_factory: UnitOfWorkFactory,
    artisan_name: str,
    locale: str,
    *,
    paid_ago: timedelta,
    line_status: LineStatus = LineStatus.PAID,
    title: str = "",
) -> tuple[int, str]:
    """(artisan's user id, order code) of a paid order of one of her pieces."""
    with uow_factory() as uow:
        artisan = make_artisan(uow.session, artisan_name, locale=locale)
        buyer = make_user(uow.session, "Buyer")
        product = make_product(uow.session, artisan, title=title)
        order = make_paid_order(uow.session, buyer, [(product, 1)], line_status=line_status)
        order.paid_at = MONDAY_9AM - paid_ago
        uow.commit()
        return artisan.user_id, order.code


def test_each_artisan_is_reminded_once_a_day_in_her_language(
    uow_factory: UnitOfWorkFactory,
) -> None:
    neema, neema_order = paid(uow_factory, "Neema", "sw", paid_ago=timedelta(days=1))
    grace, grace_order = paid(
        uow_factory, "Grace", "en", paid_ago=timedelta(days=2), title="Brass cuff"
    )

    assert len(remind_artisans(uow_factory, MONDAY_9AM, NAIROBI)) == 2
    assert remind_artisans(uow_factory, MONDAY_9AM, NAIROBI) == []  # twice = once
    assert remind_artisans(uow_factory, MONDAY_9AM + timedelta(hours=5), NAIROBI) == []

    [to_neema] = told(uow_factory, neema)
    assert to_neema.payload["text"].startswith("Habari za asubuhi, Neema!")
    assert neema_order in to_neema.payload["text"]
    assert "“Oda za wateja”" in to_neema.payload["text"]
    [to_grace] = told(uow_factory, grace)
    assert to_grace.payload["text"] == (
        f"Good morning, Grace! These paid orders are waiting for you to make them ready: "
        f"{grace_order} (Brass cuff). Send menu, then choose “Orders to send”."
    )
    # On WhatsApp after the 24-hour window, this is what lets it go out at all.
    assert to_neema.template == to_grace.template == "orders_waiting"

    next_day = MONDAY_9AM + timedelta(days=1)
    assert len(remind_artisans(uow_factory, next_day, NAIROBI)) == 2
    assert len(told(uow_factory, neema)) == 2


def test_orders_just_paid_or_already_ready_are_left_out(uow_factory: UnitOfWorkFactory) -> None:
    fresh, _ = paid(uow_factory, "Fresh", "en", paid_ago=timedelta(hours=1))
    ready, _ = paid(
        uow_factory, "Ready", "en", paid_ago=timedelta(days=3), line_status=LineStatus.READY
    )
    accepted, _ = paid(
        uow_factory, "Accepted", "en", paid_ago=timedelta(days=3), line_status=LineStatus.ACCEPTED
    )
    remind_artisans(uow_factory, MONDAY_9AM, NAIROBI)
    assert told(uow_factory, fresh) == []  # she heard of it an hour ago
    assert told(uow_factory, ready) == []
    assert len(told(uow_factory, accepted)) == 1  # accepted, but not ready yet


def test_an_artisan_with_several_orders_gets_one_reminder_naming_them_all(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session, "Amina", locale="en")
        buyer = make_user(uow.session, "Buyer")
        codes = []
        for _ in range(2):
            order = make_paid_order(uow.session, buyer, [(make_product(uow.session, artisan), 1)])
            order.paid_at = MONDAY_9AM - timedelta(days=1)
            codes.append(order.code)
        uow.commit()
        user_id = artisan.user_id
    remind_artisans(uow_factory, MONDAY_9AM, NAIROBI)
    [message] = told(uow_factory, user_id)
    assert all(code in message.payload["text"] for code in codes)
