"""Monday's "your week" for community managers: every line in her language (numbers, dates
and money as her language writes them, Nairobi time), a button per line, zero lines said
kindly, and once per manager per week however often the job runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import event

from conversations.flows.manager_week import Topic, WeekLine
from conversations.jobs.manager_week import weekly_manager_summary
from store.models import LineStatus, ProductStatus, Role
from store.services import listing_review
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user
from tests.integration.jobs.jobs_support import MONDAY_9AM, NAIROBI, told

NOW = MONDAY_9AM
WEEK = "2026-W10"


def _run(uow_factory: UnitOfWorkFactory, when=NOW, *, at_hub: bool = True) -> list[int]:  # type: ignore[no-untyped-def]
    return weekly_manager_summary(uow_factory, when, NAIROBI, currency="KES", at_hub=at_hub)


def test_each_manager_gets_her_week_once_in_her_language(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        faith = make_user(s, "Faith", locale="en", roles=(Role.COMMUNITY_MANAGER,))
        zawadi = make_user(s, "Zawadi", locale="sw", roles=(Role.COMMUNITY_MANAGER,))
        mentor = make_artisan(s, "Wanjiru")
        mentor.shop_name, mentor.created_at = "Vito vya Wanjiru", NOW - timedelta(days=30)
        recruit = make_artisan(s, "Akinyi", mentor=mentor)
        recruit.shop_name, recruit.created_at = "Akinyi Beads", NOW - timedelta(days=2)
        waiting = make_product(s, recruit, status=ProductStatus.PENDING_REVIEW)
        waiting.submitted_at = NOW - timedelta(days=2, hours=3)  # Sat 28 Feb, 06:00 Nairobi
        for decided in (listing_review.approve, listing_review.approve):
            piece = make_product(s, recruit, status=ProductStatus.PENDING_REVIEW)
            decided(s, faith.id, piece.id, NOW - timedelta(days=1))
        rejected = make_product(s, recruit, status=ProductStatus.PENDING_REVIEW)
        listing_review.reject(s, faith.id, rejected.id, "Photo not clear", NOW - timedelta(hours=2))
        buyer = make_user(s, "Lena")
        make_paid_order(s, buyer, [(make_product(s, mentor), 1)], line_status=LineStatus.AT_HUB)
        uow.commit()
        faith_id, zawadi_id = faith.id, zawadi.id

    assert sorted(_run(uow_factory)) == sorted([faith_id, zawadi_id])
    assert _run(uow_factory) == []  # a second run, a restart or a second scheduler
    assert _run(uow_factory, NOW + timedelta(days=3)) == []  # the same week

    [english] = told(uow_factory, faith_id)
    assert english.payload["text"].splitlines() == [
        "Your week on Soko, 23 Feb – 2 Mar (Nairobi time):",
        "Listings waiting for review: 1. The oldest since 28 Feb, 06:00 (2 days).",
        "Approval rate this week: 67% (2 approved of 3 reviewed).",
        "New artisans this week: 1. Akinyi Beads (brought by Vito vya Wanjiru)",
        "Orders waiting: at the hub, to be checked: 1.",
        "Open cases: none.",
        "Payouts due: nobody is owed anything right now. Paid this week: no payouts yet.",
        "Shops due for a workshop visit: 2. Akinyi Beads (Kibera, Nairobi), "
        "Vito vya Wanjiru (Kibera, Nairobi)",
    ]
    assert english.template == "weekly_summary"
    buttons = [(c["label"], c["payload"]) for c in english.payload["choices"]]
    assert buttons == [
        ("Review listings", WeekLine(Topic.LISTINGS, WEEK).encode()),
        ("Reviewed this week", WeekLine(Topic.REVIEWS, WEEK).encode()),
        ("New artisans", WeekLine(Topic.SHOPS, WEEK).encode()),
        ("Orders waiting", WeekLine(Topic.ORDERS, WEEK).encode()),
        ("Open cases", WeekLine(Topic.CASES, WEEK).encode()),
        ("Payouts", WeekLine(Topic.PAYOUTS, WEEK).encode()),
        ("Shops to visit", WeekLine(Topic.VISITS, WEEK).encode()),
    ]
    [swahili] = told(uow_factory, zawadi_id)
    assert swahili.payload["text"].splitlines()[:5] == [
        "Wiki yako kwenye Soko, 23 Feb – 2 Mac (saa za Nairobi):",
        "Bidhaa zinazosubiri kukaguliwa: 1. Ya zamani zaidi inasubiri tangu 28 Feb, 06:00"
        " (siku 2).",
        "Kiwango cha kuidhinisha wiki hii: 67% (zilizoidhinishwa: 2; zilizokaguliwa: 3).",
        "Mafundi wapya wiki hii: 1. Akinyi Beads (ameletwa na Vito vya Wanjiru)",
        "Oda zinazosubiri: ziko ofisini, zikaguliwe: 1.",
    ]
    assert [c["label"] for c in swahili.payload["choices"]][:2] == [
        "Kagua bidhaa",
        "Zilizokaguliwa wiki hii",
    ]

    assert len(_run(uow_factory, NOW + timedelta(days=7))) == 2  # next Monday: a new week


def test_a_quiet_week_is_said_kindly_line_by_line(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        manager = make_user(uow.session, "Faith", roles=(Role.COMMUNITY_MANAGER,))
        uow.commit()
        manager_id = manager.id
    _run(uow_factory)
    [summary] = told(uow_factory, manager_id)
    assert summary.payload["text"].splitlines()[1:] == [
        "Listings waiting for review: none. All caught up!",
        "Approval rate this week: no listings were reviewed this week.",
        "New artisans this week: none yet.",
        "Orders waiting: none at any step.",
        "Open cases: none.",
        "Payouts due: nobody is owed anything right now. Paid this week: no payouts yet.",
        "Shops due for a workshop visit: none. Every shop's visit still counts.",
    ]
    assert len(summary.payload["choices"]) == 7  # every line still leads to its list


def test_nobody_but_community_managers(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        make_user(uow.session, "Lena")
        make_artisan(uow.session, "Neema")
        uow.commit()
    assert _run(uow_factory) == []


def test_many_managers_cost_no_more_statements_than_two(uow_factory: UnitOfWorkFactory) -> None:
    """The figures are read once and the managers handled together: a shop with many
    community managers sends the database no more statements than one with two."""
    sent: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        sent.append(statement)

    def statements_of_a_run(when: datetime, managers: int) -> int:
        with uow_factory() as uow:
            for n in range(managers):
                make_user(uow.session, f"Manager {n}", roles=(Role.COMMUNITY_MANAGER,))
            uow.commit()
        sent.clear()
        event.listen(uow_factory.engine, "before_cursor_execute", count)
        try:
            told_now = _run(uow_factory, when)
        finally:
            event.remove(uow_factory.engine, "before_cursor_execute", count)
        assert len(told_now) == managers + (0 if when == NOW else 2)
        return len(sent)

    two = statements_of_a_run(NOW, 2)
    ten = statements_of_a_run(NOW + timedelta(days=7), 8)  # next week: the 2, and 8 more
    assert ten == two


def test_the_week_is_nairobi_s_iso_week(uow_factory: UnitOfWorkFactory) -> None:
    """Monday 01:00 in Nairobi is still Sunday in UTC (ISO week 9 there, 10 here): a run
    then and the 08:30 run are the same week, which the summary's buttons carry."""
    with uow_factory() as uow:
        manager = make_user(uow.session, "Faith", roles=(Role.COMMUNITY_MANAGER,))
        uow.commit()
        manager_id = manager.id
    sunday_utc = datetime(2026, 3, 1, 22, 0, tzinfo=UTC)  # Monday 2 March, 01:00 in Nairobi
    assert _run(uow_factory, sunday_utc) == [manager_id]
    assert _run(uow_factory, datetime(2026, 3, 2, 5, 30, tzinfo=UTC)) == []  # 08:30 Nairobi
    [summary] = told(uow_factory, manager_id)
    assert summary.dedupe_key == f"manager-week:{manager_id}:2026-W10"
    assert {c["payload"] for c in summary.payload["choices"]} == {
        WeekLine(topic, "2026-W10").encode() for topic in Topic
    }
    assert _run(uow_factory, datetime(2026, 3, 8, 20, 59, tzinfo=UTC)) == []  # Sun 23:59
    assert _run(uow_factory, datetime(2026, 3, 8, 21, 0, tzinfo=UTC)) == [manager_id]  # Mon 00:00
