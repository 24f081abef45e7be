"""The community managers' weekly payouts summary: who is owed what, what was paid out, once a
week for each manager, in her language."""

from __future__ import annotations

from datetime import timedelta

from conversations.jobs.payouts import weekly_payouts_summary
from store.models import LineStatus, Role
from store.money import Money
from store.services import delivery, ledger
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user
from tests.integration.jobs.jobs_support import MONDAY_9AM, NAIROBI, texts

NOW = MONDAY_9AM


def test_each_manager_gets_the_summary_once_a_week(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        english = make_user(s, "Faith", locale="en", roles=(Role.COMMUNITY_MANAGER,))
        swahili = make_user(s, "Zawadi", locale="sw", roles=(Role.COMMUNITY_MANAGER,))
        buyer = make_user(s, "Buyer")
        owed = {}
        for name in ("Neema", "Achieng"):
            artisan = make_artisan(s, name)
            artisan.shop_name = f"{name} Beads"
            order = make_paid_order(
                s, buyer, [(make_product(s, artisan), 1)], line_status=LineStatus.SHIPPED
            )
            ledger.record_sale(s, order)
            delivery.mark_delivered(s, order.id, NOW, by=buyer.id)  # her share is payable
            owed[name] = artisan.id
        half = Money(ledger.payable_balance(s, owed["Neema"]).amount // 2, "KES")
        ledger.record_payout(
            s, owed["Neema"], half, "QGH4K2L9XZ", english.id, NOW - timedelta(days=1)
        )
        uow.commit()
        neema_left = ledger.payable_balance(s, owed["Neema"])
        achieng = ledger.payable_balance(s, owed["Achieng"])
        english_id, swahili_id = english.id, swahili.id

    told = weekly_payouts_summary(uow_factory, NOW, NAIROBI, currency="KES")
    assert sorted(told) == sorted([english_id, swahili_id])
    assert weekly_payouts_summary(uow_factory, NOW, NAIROBI, currency="KES") == []
    assert (
        weekly_payouts_summary(uow_factory, NOW + timedelta(days=2), NAIROBI, currency="KES") == []
    )

    total = (neema_left + achieng).format("en")
    [summary] = texts(uow_factory, english_id)
    assert summary.splitlines() == [
        f"Payouts: 2 artisans are owed {total} in all.",
        f"Largest balances: Achieng Beads {achieng.format('en')}, "
        f"Neema Beads {neema_left.format('en')}.",
        f"Recorded in the last 7 days: 1 payouts, {half.format('en')}.",
        "The full list: soko admin payouts.",
    ]
    [muhtasari] = texts(uow_factory, swahili_id)
    assert muhtasari.startswith("Malipo kwa mafundi: mafundi 2 wanadai jumla ya")

    next_week = NOW + timedelta(days=7)
    assert len(weekly_payouts_summary(uow_factory, next_week, NAIROBI, currency="KES")) == 2
    assert texts(uow_factory, english_id)[-1].splitlines()[2] == (
        f"Recorded in the last 7 days: 0 payouts, {Money(0, 'KES').format('en')}."
    )


def test_nobody_owed_says_so(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        manager = make_user(uow.session, "Faith", roles=(Role.COMMUNITY_MANAGER,))
        uow.commit()
        manager_id = manager.id
    weekly_payouts_summary(uow_factory, NOW, NAIROBI, currency="KES")
    [summary] = texts(uow_factory, manager_id)
    assert summary.startswith("Payouts: nobody is owed anything right now.")
