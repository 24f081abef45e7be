"""My earnings: what is ready to be paid (pieces the buyer received) apart from what is on
the way, the latest entries and the M-Pesa payout, with Nairobi dates."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy import update

from store.models import LedgerTransaction, Role
from store.money import Money
from store.services import delivery, fulfilment, ledger
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop_support import (
    Person,
    artisan,
    line_ids,
    paid_order,
    person,
    piece,
)

# 22:30 UTC on 1 March is already 2 March in Nairobi.
SOLD_AT = datetime(2025, 3, 1, 22, 30, tzinfo=UTC)
PAID_OUT_AT = datetime(2025, 3, 5, 7, 0, tzinfo=UTC)


def sell_and_pay_out(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory, seller: Person
) -> None:
    manager = person(new_chat, uow_factory, "Grace", locale="en", roles=(Role.COMMUNITY_MANAGER,))
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    necklace = piece(uow_factory, seller, "Blue glass necklace")
    order = paid_order(uow_factory, tom, [necklace], record_sale=True)
    bracelet = piece(uow_factory, seller, "Red bead bracelet")
    paid_order(uow_factory, tom, [bracelet], record_sale=True)  # on its way
    with uow_factory() as uow:  # she sends the necklace and Tom says it arrived
        for line_id in line_ids(uow_factory, order.id):
            fulfilment.accept_line(uow.session, seller.user_id, line_id, SOLD_AT)
            fulfilment.ship_line(uow.session, seller.user_id, line_id, SOLD_AT)
        delivery.mark_delivered(uow.session, order.id, SOLD_AT, by=tom.user_id)
        uow.commit()
    with uow_factory() as uow:
        assert seller.artisan_id is not None
        ledger.record_payout(
            uow.session, seller.artisan_id, Money(100_000, "KES"), "qab12cd34", manager.user_id,
            PAID_OUT_AT,
        )  # fmt: skip
        uow.session.execute(
            update(LedgerTransaction)
            .where(LedgerTransaction.order_id.is_not(None))
            .values(created_at=SOLD_AT)
        )
        uow.session.execute(
            update(LedgerTransaction)
            .where(LedgerTransaction.payout_id.is_not(None))
            .values(created_at=PAID_OUT_AT)
        )
        uow.commit()


def test_earnings_show_the_sale_and_the_payout_in_english(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    sell_and_pay_out(new_chat, uow_factory, amina)
    amina.chat.send("menu")
    (answer,) = amina.chat.send_for_messages("My earnings")
    phone = answer.split("M-Pesa number ")[1].split(",")[0]
    assert answer == (
        "Ready to be paid to you: Ksh350\n"
        "On the way to buyers: Ksh1,350\n"
        "• Red bead bracelet: Ksh1,350, yours when the buyer receives it\n"
        "\n"
        "Latest:\n"
        "• 5 Mar — Paid to you by M-Pesa (QAB12CD34): -Ksh1,000\n"
        "• 2 Mar — Received by the buyer: Blue glass necklace: Ksh1,350\n"
        "\n"
        "Payouts to you:\n"
        "• 5 Mar — Ksh1,000, M-Pesa QAB12CD34\n"
        "\n"
        "Your share of a sale is ready to be paid once the buyer receives the piece. Our team "
        f"sends what is ready to your M-Pesa number {phone}, usually once a week, and each "
        "payout shows its M-Pesa code."
    )
    assert re.fullmatch(r"07\d\d \d{6}", phone), phone  # as Kenyans write it


def test_earnings_in_swahili(new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory) -> None:
    wanjiru = artisan(new_chat, uow_factory, "Wanjiru Kamau", locale="sw")
    sell_and_pay_out(new_chat, uow_factory, wanjiru)
    wanjiru.chat.send("menyu")
    (answer,) = wanjiru.chat.send_for_messages("Mapato yangu")
    lines = answer.replace("\xa0", " ").splitlines()
    assert lines[:6] == [
        "Tayari kulipwa kwako: Ksh 350",
        "Njiani kwa wanunuzi: Ksh 1,350",
        "• Red bead bracelet: Ksh 1,350, yako mnunuzi akiipokea",
        "",
        "Za hivi karibuni:",
        "• 5 Mac — Tumekutumia kwa M-Pesa (msimbo QAB12CD34): -Ksh 1,000",
    ]
    assert lines[6] == "• 2 Mac — Imefika kwa mnunuzi: Blue glass necklace: Ksh 1,350"
    assert lines[8:10] == ["Malipo uliyotumiwa:", "• 5 Mac — Ksh 1,000, M-Pesa QAB12CD34"]


def test_no_sales_yet(new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    amina.chat.send("menu")
    (answer,) = amina.chat.send_for_messages("My earnings")
    assert answer.startswith(
        "Ready to be paid to you: Ksh0\n"
        "No sales yet. When a buyer pays for your piece, your share shows here.\n"
    )


def sell_one_shipped_one_not(uow_factory: UnitOfWorkFactory, seller: Person, buyer: Person) -> None:
    """A ring shipped to the UK at SOLD_AT (Europe: counted as received 25 days later) and
    an anklet paid for but not sent yet."""
    ring = piece(uow_factory, seller, "Silver ring")
    shipped = paid_order(uow_factory, buyer, [ring], record_sale=True, country="GB")
    anklet = piece(uow_factory, seller, "Shell anklet")
    paid_order(uow_factory, buyer, [anklet], record_sale=True)
    with uow_factory() as uow:
        for line_id in line_ids(uow_factory, shipped.id):
            fulfilment.accept_line(uow.session, seller.user_id, line_id, SOLD_AT)
            fulfilment.ship_line(uow.session, seller.user_id, line_id, SOLD_AT)
        uow.commit()


def test_a_shipped_piece_shows_when_it_is_payable_at_the_latest(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="en")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    sell_one_shipped_one_not(uow_factory, amina, tom)
    amina.chat.send("menu")
    (answer,) = amina.chat.send_for_messages("My earnings")
    # Shipped 22:30 UTC on 1 March + 25 days is 27 March in Nairobi.
    assert answer.splitlines()[1:4] == [
        "On the way to buyers: Ksh2,700",
        "• Silver ring: Ksh1,350, yours when the buyer receives it, by 27 Mar at the latest",
        "• Shell anklet: Ksh1,350, yours when the buyer receives it",
    ]


def test_a_shipped_piece_shows_when_it_is_payable_in_swahili(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    wanjiru = artisan(new_chat, uow_factory, "Wanjiru Kamau", locale="sw")
    tom = person(new_chat, uow_factory, "Tom Buyer", locale="en")
    sell_one_shipped_one_not(uow_factory, wanjiru, tom)
    wanjiru.chat.send("menyu")
    (answer,) = wanjiru.chat.send_for_messages("Mapato yangu")
    assert answer.replace("\xa0", " ").splitlines()[1:4] == [
        "Njiani kwa wanunuzi: Ksh 2,700",
        "• Silver ring: Ksh 1,350, yako mnunuzi akiipokea, kufikia 27 Mac au mapema zaidi",
        "• Shell anklet: Ksh 1,350, yako mnunuzi akiipokea",
    ]
