"""Mentor transcripts on both databases: her code and links, her recruits' progress and her
commissions; a forged payload cannot open the mentor flow; the offer to become a mentor; and
the mentor notifications written in the recipient's language."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations import outbox
from conversations.flow import StepContext
from conversations.flows import builtin_registry
from conversations.i18n import Translator
from conversations.messages import Outbound
from conversations.notify import mentors
from store.models import (
    Artisan,
    ArtisanStatus,
    Channel,
    LineStatus,
    OutboxMessage,
    Role,
    User,
    UserRole,
)
from store.money import Money
from store.services import ledger
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user
from tests.integration.conversations.artisans_support import (
    BOT_USERNAME,
    Seller,
    seed_seller,
)
from tests.integration.conversations.conftest import Chat
from tests.market_support import make_market

NOW = datetime(2025, 3, 1, 9, 0, tzinfo=UTC)


def grouped(code: str) -> str:
    return f"{code[:3]}-{code[3:]}"


def give_recruits(uow_factory: UnitOfWorkFactory, mentor: Seller) -> Money:
    """Two recruits: Wanjiru (2 approved pieces, 1 shipped order) and Achieng (qualified).
    Returns the mentor's commission on Wanjiru's sale."""
    with uow_factory() as uow:
        session = uow.session
        boss = session.get(Artisan, mentor.artisan_id)
        wanjiru = make_artisan(session, "Wanjiru", mentor=boss)
        achieng = make_artisan(session, "Achieng", mentor=boss, status=ArtisanStatus.INDEPENDENT)
        achieng.qualified_at = NOW
        piece = make_product(session, wanjiru, stock=3)
        make_product(session, wanjiru)
        buyer = make_user(session, "Buyer")
        order = make_paid_order(session, buyer, [(piece, 1)], line_status=LineStatus.SHIPPED)
        ledger.record_sale(session, order)
        commission = order.lines[0].mentor_commission_minor
        uow.commit()
    return Money(commission, "KES")


def test_mentor_sees_code_links_recruits_and_commissions_in_swahili(
    chat_as: Callable[[Seller], Chat], mentor: Seller, uow_factory: UnitOfWorkFactory
) -> None:
    commission = give_recruits(uow_factory, mentor)
    chat = chat_as(mentor)
    menu = chat.send("habari")[0]
    assert "Wanafunzi wangu" in menu
    assert "Kuwa mlezi" not in menu
    code, recruits, money = chat.send("Wanafunzi wangu")
    assert code == (
        f"Msimbo wako wa mwaliko: {grouped(mentor.code)}\n"
        "Msomee fundi mpya, au tuma kiungo hapa chini. "
        f"Yeye atume: JIUNGE {grouped(mentor.code)}\n"
        f"Alika kwa Telegram: https://t.me/{BOT_USERNAME}?start=ref-{mentor.code}\n"
        f"Alika kwa WhatsApp: https://wa.me/14155238886?text=JIUNGE%20{grouped(mentor.code)}"
    )
    assert recruits == (
        "Wanafunzi wako:\n"
        "1. Wanjiru (Wanjiru's beads): bidhaa zilizoidhinishwa 2/3, oda 1/1\n"
        "2. Achieng (Achieng's beads): amefuzu ✓"
    )
    lines = money.split("\n")
    assert lines[0] == f"Kamisheni zako: {commission.format('sw')}"
    assert len(lines) == 2
    assert lines[1].endswith(f": {commission.format('sw')}")
    assert commission.amount > 0


def test_a_mentor_without_a_code_gets_one_and_no_links_unconfigured(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    seller = seed_seller(uow_factory, "Grace", locale="en")
    with uow_factory() as uow:
        user = uow.session.get(User, seller.user_id)
        assert user is not None
        user.roles.append(UserRole(role=Role.MENTOR))
        uow.session.flush()
        ctx = _context(uow.session, user, tmp_path)
        result = ctx.registry.flow("mentor").start(ctx, "")
        uow.commit()
    texts = [reply.text for reply in ctx.replies]
    assert texts[0].startswith("Your invitation code: ")
    assert ctx.replies[0].links == ()  # neither Telegram nor WhatsApp configured here
    assert texts[1] == "You have no recruits yet. Share your code with artisans you know!"
    assert texts[2] == f"Your commissions: {Money(0, 'KES').format('en')}"
    assert result.data is None


def test_a_seller_who_is_not_a_mentor_cannot_forge_her_way_in(
    chat_as: Callable[[Seller], Chat], uow_factory: UnitOfWorkFactory
) -> None:
    seller = seed_seller(uow_factory, "Pendo", locale="en", status=ArtisanStatus.MENTORED)
    chat = chat_as(seller)
    assert "My recruits" not in chat.send("hi")[0]
    forged = chat.tap("menu:mentor")
    assert forged[0] == "That button is from an earlier message."
    assert forged[1] == "Reply with a number, or *menu*."  # on the console
    assert "Your invitation code" not in "\n".join(forged)
    # Nor can she make herself a mentor through the hidden entry.
    assert chat.tap("menu:mentor_new")[0] == "That button is from an earlier message."


def test_an_experienced_seller_accepts_the_mentorship_offer(
    chat_as: Callable[[Seller], Chat], uow_factory: UnitOfWorkFactory
) -> None:
    seller = seed_seller(uow_factory, "Baraka", locale="en")
    with uow_factory() as uow:
        artisan = uow.session.get(Artisan, seller.artisan_id)
        assert artisan is not None
        buyer = make_user(uow.session, "Buyer")
        piece = make_product(uow.session, artisan, stock=20)
        for _ in range(10):  # the default threshold: 10 shipped orders
            make_paid_order(uow.session, buyer, [(piece, 1)], line_status=LineStatus.SHIPPED)
        uow.commit()
    chat = chat_as(seller)
    menu = chat.send("hi")[0]
    assert "Become a mentor" in menu
    assert "My recruits" not in menu
    answers = chat.send("Become a mentor")
    assert answers[0] == (
        "Welcome, mentor! Invite new artisans and guide them to their first sales."
    )
    assert answers[1].startswith("Your invitation code: ")
    assert f"https://t.me/{BOT_USERNAME}?start=ref-" in answers[1]
    menu = chat.send("menu")[0]
    assert "My recruits" in menu
    assert "Become a mentor" not in menu
    with uow_factory() as uow:
        user = uow.session.get(User, seller.user_id)
        assert user is not None
        assert user.has_role(Role.MENTOR)


def test_a_seller_below_the_threshold_is_encouraged_instead(
    chat_as: Callable[[Seller], Chat], uow_factory: UnitOfWorkFactory
) -> None:
    seller = seed_seller(uow_factory, "Neema", locale="sw")
    chat = chat_as(seller)
    assert "Kuwa mlezi" in chat.send("habari")[0]
    answers = chat.send("Kuwa mlezi")
    assert answers[0] == (
        "Bado kidogo: walezi wametuma oda 10 na wanauza peke yao. Wewe umetuma 0. Endelea hivyo!"
    )
    assert answers[1].startswith("Ungependa kufanya nini?")
    with uow_factory() as uow:
        user = uow.session.get(User, seller.user_id)
        assert user is not None
        assert not user.has_role(Role.MENTOR)


def test_notifications_reach_the_right_person_in_her_language(
    uow_factory: UnitOfWorkFactory, tmp_path: Path
) -> None:
    with uow_factory() as uow:
        session = uow.session
        boss = make_artisan(session, "Mama Amina", locale="sw")
        recruit = make_artisan(session, "Wanjiru", mentor=boss, locale="en")
        loner = make_artisan(session, "Loner", locale="en")
        ctx = _context(session, recruit.user, tmp_path)
        mentors.recruit_joined(ctx, recruit)
        mentors.recruit_qualified(ctx, recruit)
        mentors.recruit_joined(ctx, loner)  # no mentor: nobody to tell
        assert mentors.offer_mentorship(session, recruit, datetime(2025, 3, 1, tzinfo=UTC))
        sent = [(user_id, _written(session, user_id, m)) for user_id, m in ctx.notifications]
        sent += [
            (row.user_id, outbox.outbound_of(row).text)
            for row in session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))
        ]
        boss_user, recruit_user = boss.user_id, recruit.user_id
    assert sent == [
        (
            boss_user,
            "Habari njema! Wanjiru (Wanjiru's beads) amejiunga na Soko kwa msimbo wako. "
            "Msaidie kutuma picha za bidhaa yake ya kwanza.",
        ),
        (
            boss_user,
            "Hongera! Wanjiru (Wanjiru's beads) amefuzu: sasa anauza peke yake. "
            "Asante kwa kumwongoza.",
        ),
        (
            recruit_user,
            "Well done, Wanjiru! You have shipped many orders. You can now become a mentor and "
            "invite new artisans. Send menu and choose “Become a mentor”.",
        ),
    ]


def _written(session: Session, user_id: int, message: object) -> str:
    if isinstance(message, Outbound):
        return message.text
    user = session.get(User, user_id)
    assert user is not None
    assert callable(message)
    written = message(Translator(user.locale))
    assert isinstance(written, Outbound)
    return written.text


def _context(session: Session, user: User, tmp_path: Path) -> StepContext:
    return StepContext(
        session=session,
        user=user,
        channel=Channel.CONSOLE,
        now=NOW,
        registry=builtin_registry(),
        translator=Translator(user.locale),
        market=make_market(tmp_path / "media"),
        flow="mentor",
    )
