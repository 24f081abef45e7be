"""The manager's week on demand: "My week" on her menu, each line's button opening its list
(the review queue, People's new artisans, open cases, orders waiting, payouts), an older
summary's button answered with the list as it is now, and nobody else let in."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from conversations.flows.manager_week import Topic, WeekLine
from store.models import Artisan, ArtisanStatus, LineStatus, Order, Product, ProductStatus, Role
from store.money import Money
from store.services import delivery, ledger
from store.uow import UnitOfWorkFactory
from tests.integration.conversations.conftest import Chat
from tests.integration.conversations.shop_support import artisan, paid_order, person, piece

THIS_WEEK = "2025-W09"  # the engine's clock: Saturday 1 March 2025
NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def test_my_week_and_each_line_to_its_list(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    faith = person(
        new_chat, uow_factory, "Faith Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(
        new_chat, uow_factory, "Amina Otieno", locale="sw", status=ArtisanStatus.INDEPENDENT
    )
    waiting_id = piece(
        uow_factory, amina, "Blue glass necklace", status=ProductStatus.PENDING_REVIEW
    )
    buyer = person(new_chat, uow_factory, "Lena Buyer", locale="en")
    order = paid_order(uow_factory, buyer, [piece(uow_factory, amina, "Brass cuff")])
    with uow_factory() as uow:  # her shop opened yesterday, her piece sent this morning
        shop = uow.session.get_one(Artisan, amina.artisan_id)
        shop.created_at = NOW - timedelta(days=1)
        waiting = uow.session.get_one(Product, waiting_id)
        waiting.submitted_at = NOW - timedelta(hours=3, minutes=30)
        uow.commit()

    assert "My week" in faith.chat.send("menu")[0]
    week = faith.chat.send("My week")
    assert week[0].startswith("Your week on Soko, 22 Feb – 1 Mar (Nairobi time):\n")
    assert "Listings waiting for review: 1. The oldest since 1 Mar, 08:30 (4 hours)." in week[0]
    assert "New artisans this week: 1. Amina Beads (came on her own)" in week[0]
    assert "Orders waiting: for the artisan to accept: 1." in week[0]
    assert week[0].endswith(
        "1. Review listings\n2. Reviewed this week\n3. New artisans\n4. Orders waiting\n"
        "5. Open cases\n6. Payouts\n7. Shops to visit"
    )

    queue = faith.chat.send("1")
    assert queue[0] == "Listings waiting for review: 1"
    assert "“Blue glass necklace” from Amina Beads" in queue[-1]

    faith.chat.send("menu")
    faith.chat.send("My week")
    shops = faith.chat.send("New artisans")
    assert shops == [
        "New artisans in the last 7 days. Pick one to see her card:\n"
        "1. Amina Beads (came on her own)\n2. Menu"
    ]
    card = faith.chat.send("1")
    assert card[0].startswith("Amina Otieno\n")

    orders = faith.chat.tap(WeekLine(Topic.ORDERS, THIS_WEEK).encode())
    assert orders[0].startswith(
        f"Orders waiting, by step:\nfor the artisan to accept (1): {order.code}"
    )

    payouts = faith.chat.tap(WeekLine(Topic.PAYOUTS, THIS_WEEK).encode())
    assert payouts[0].startswith(
        "Nobody is owed anything right now.\nNo payouts in the last 7 days.\n"
        "Payouts are sent by the operator: soko admin payouts --send"
    )
    visits = faith.chat.tap(WeekLine(Topic.VISITS, THIS_WEEK).encode())
    assert visits[0].startswith("Shops due for a workshop visit (1), by place.")
    assert "Amina Beads" in visits[0]
    reviewed = faith.chat.tap(WeekLine(Topic.REVIEWS, THIS_WEEK).encode())
    assert reviewed == ["No listings were reviewed in the last 7 days.\n1. Back to my week"]
    back = faith.chat.send("Back to my week")
    assert back[0].startswith("Your week on Soko, ")


def test_an_older_summary_button_opens_the_list_as_it_is_now(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    faith = person(
        new_chat, uow_factory, "Faith Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    faith.chat.send("menu")
    assert faith.chat.tap(WeekLine(Topic.CASES, "2025-W01").encode()) == [
        "That summary is from an earlier week. This is how things stand now:",
        "There are no open cases.",
    ]
    assert faith.chat.tap(WeekLine(Topic.CASES, THIS_WEEK).encode()) == ["There are no open cases."]


def test_in_swahili(new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory) -> None:
    zawadi = person(
        new_chat, uow_factory, "Zawadi Manager", locale="sw", roles=(Role.COMMUNITY_MANAGER,)
    )
    zawadi.chat.send("menyu")
    week = zawadi.chat.send("wiki yangu")
    assert week[0].startswith("Wiki yako kwenye Soko, 22 Feb – 1 Mac (saa za Nairobi):\n")
    assert "Bidhaa zinazosubiri kukaguliwa: hakuna. Zote zimeshakaguliwa!" in week[0]
    assert zawadi.chat.send("Malipo kwa mafundi")[0].startswith(
        "Hakuna fundi anayedai chochote kwa sasa."
    )


def test_nobody_else_opens_a_line(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    lena = person(new_chat, uow_factory, "Lena Buyer", locale="en")
    assert "My week" not in lena.chat.send("menu")[0]
    answered = lena.chat.tap(WeekLine(Topic.PAYOUTS, THIS_WEEK).encode())
    assert answered[0] == "That button is from an earlier message."
    assert not any("owed" in said for said in answered)
    for typed in ("My week", "wiki yangu", "7"):
        assert not any("week on Soko" in said for said in lena.chat.send(typed)), typed
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    amina.chat.send("menyu")
    for typed in ("Wiki yangu", "my week"):
        assert not any("Wiki yako" in said for said in amina.chat.send(typed)), typed


def test_the_payouts_list_names_who_is_owed_and_who_was_paid(
    new_chat: Callable[..., Chat], uow_factory: UnitOfWorkFactory
) -> None:
    faith = person(
        new_chat, uow_factory, "Faith Manager", locale="en", roles=(Role.COMMUNITY_MANAGER,)
    )
    amina = artisan(new_chat, uow_factory, "Amina Otieno", locale="sw")
    buyer = person(new_chat, uow_factory, "Lena Buyer", locale="en")
    order = paid_order(uow_factory, buyer, [piece(uow_factory, amina, "Brass cuff")])
    with uow_factory() as uow:
        s = uow.session
        for line in s.get_one(Order, order.id).lines:
            line.status = LineStatus.SHIPPED
        ledger.record_sale(s, s.get_one(Order, order.id))
        delivery.mark_delivered(s, order.id, NOW - timedelta(days=2), by=buyer.user_id)
        ledger.record_payout(
            s, amina.artisan_id, Money(50_000, "KES"), "QGH4K2L9XZ", faith.user_id, NOW
        )
        owed = ledger.payable_balance(s, amina.artisan_id)
        uow.commit()
    faith.chat.send("menu")
    listed = faith.chat.tap(WeekLine(Topic.PAYOUTS, THIS_WEEK).encode())
    assert listed[0].splitlines()[:4] == [
        f"Owed now, largest first ({owed.format('en')} in all):",
        f"• Amina Beads: {owed.format('en')}",
        "Paid in the last 7 days (Ksh500 in all):",
        "• 1 Mar · Amina Beads: Ksh500 (M-Pesa QGH4K2L9XZ)",
    ]
