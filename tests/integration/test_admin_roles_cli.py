"""`soko admin roles …` and `--by` through the real command line (`bot.cli.main`), on both
databases: what the operator reads, exit codes, what is recorded and who is told."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from bot.cli import main
from conversations.outbox import outbound_of
from store.models import Channel, OutboxMessage, Role, User, UserRole
from store.services import ledger, owners, people
from store.uow import UnitOfWorkFactory
from tests.factories import (
    deliver_order,
    make_artisan,
    make_paid_order,
    make_product,
    make_user,
)
from tests.fakes.telegram_api import TOKEN, USERNAME, FakeTelegram, serve
from tests.said import things_said

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
OWNER = "+254711000001"
WANJIRU = "+254722000333"


@pytest.fixture
def db(engine: Engine, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> UnitOfWorkFactory:
    monkeypatch.chdir(tmp_path)  # no stray .env
    settings = {
        "DATABASE_URL": engine.url.render_as_string(hide_password=False),
        "ADMIN_PHONES": OWNER,
        "TELEGRAM_BOT_USERNAME": "SokoTestBot",
        "TWILIO_WHATSAPP_FROM": "whatsapp:+14155238886",
    }
    for name, value in settings.items():
        monkeypatch.setenv(name, value)
    return UnitOfWorkFactory(engine)


def told(db: UnitOfWorkFactory, user_id: int) -> list[str]:
    with db(read_only=True) as uow:
        rows = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == user_id).order_by(OutboxMessage.id)
        )
        return things_said(outbound_of(row) for row in rows)


def seller_with_phone(db: UnitOfWorkFactory, name: str, phone: str) -> int:
    """A seller whose number a channel vouched for; her user id."""
    with db() as uow:
        seller = make_artisan(uow.session, name, locale="en")
        people.link_phone(uow.session, seller.user_id, phone)
        uow.commit()
        return seller.user_id


def roles_of(db: UnitOfWorkFactory, user_id: int) -> set[Role]:
    with db(read_only=True) as uow:
        user = uow.session.get(User, user_id)
        assert user is not None
        return {r.role for r in user.roles}


def test_grant_to_a_number_nobody_has_yet_is_a_promise_shown_in_the_list(
    db: UnitOfWorkFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "roles", "list"]) == 0
    assert capsys.readouterr().out.startswith("nobody has a role yet")
    assert main(["admin", "roles", "grant", "0722 000 111", "mentor"]) == 0
    assert capsys.readouterr().out == (
        "promised mentor to +254722000111: she gets it when she first writes from it\n"
    )
    assert main(["admin", "roles", "grant", "254722000111", "mentor"]) == 0
    assert "already promised" in capsys.readouterr().out
    assert main(["admin", "roles", "list"]) == 0
    listing = capsys.readouterr().out
    assert "promised to numbers nobody has written from yet:\n  +254722000111    mentor\n" in (
        listing
    )
    assert main(["admin", "roles", "list", "--history"]) == 0
    [line] = capsys.readouterr().out.splitlines()
    assert line.split()[3:] == ["operator", "promise", "mentor", "+254722000111"]


def test_grant_and_revoke_a_known_person_by_her_whatsapp_number_and_she_is_told(
    db: UnitOfWorkFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    with db() as uow:
        amina, _ = people.find_or_create_user(
            uow.session, Channel.WHATSAPP, "+254722000222", profile_name="Amina", now=NOW
        )
        amina.locale = "sw"
        uow.commit()
    assert main(["admin", "roles", "grant", "+254 722 000 222", "community_manager"]) == 0
    assert capsys.readouterr().out == (
        "granted community_manager to Amina (+254722000222) (she is told in chat)\n"
    )
    assert roles_of(db, amina.id) == {Role.COMMUNITY_MANAGER}
    assert main(["admin", "roles", "list"]) == 0
    assert "  +254722000222    Amina                    community_manager\n" in (
        capsys.readouterr().out
    )
    assert main(["admin", "roles", "revoke", "0722000222", "community_manager"]) == 0
    assert capsys.readouterr().out == (
        "revoked community_manager from Amina (+254722000222) (she is told in chat)\n"
    )
    assert main(["admin", "roles", "revoke", "0722000222", "community_manager"]) == 0
    assert capsys.readouterr().out.endswith("is not a community_manager: nothing changed\n")
    assert told(db, amina.id) == [
        "Sasa wewe ni msimamizi wa jamii kwenye Soko. Tuma menyu kisha uchague “Kagua bidhaa” "
        "ili kuangalia bidhaa mpya, au “Watu” ili kuteua walezi.",
        "Wewe si msimamizi wa jamii kwenye Soko tena. Asante kwa msaada wako!",
    ]
    assert main(["admin", "roles", "list", "--history"]) == 0
    actions = [line.split()[3:5] for line in capsys.readouterr().out.splitlines()]
    assert actions == [["operator", "grant"], ["operator", "revoke"]]


def test_a_seller_made_a_mentor_by_her_number_gets_her_code_and_links(
    db: UnitOfWorkFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    user_id = seller_with_phone(db, "Wanjiru", WANJIRU)
    assert main(["admin", "roles", "grant", WANJIRU, "mentor"]) == 0
    said = capsys.readouterr().out
    assert said.startswith(f"granted mentor to Wanjiru ({WANJIRU}); her invitation code: ")
    [notice] = told(db, user_id)
    assert notice.startswith(
        "You are now a mentor on Soko! Invite new artisans and guide them to their first "
        "sales.\nYour invitation code: "
    )
    assert "\nInvite on Telegram: https://t.me/SokoTestBot?start=ref-" in notice
    assert "\nInvite on WhatsApp: https://wa.me/14155238886?text=JOIN%20" in notice


def test_without_the_username_setting_the_invitation_links_the_bot_telegram_names(
    db: UnitOfWorkFactory, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = seller_with_phone(db, "Wanjiru", WANJIRU)
    fake = FakeTelegram()
    with serve(fake) as telegram_url:
        monkeypatch.delenv("TELEGRAM_BOT_USERNAME")
        monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TOKEN)
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", telegram_url)
        assert main(["admin", "roles", "grant", WANJIRU, "mentor"]) == 0
    assert capsys.readouterr().out.startswith(f"granted mentor to Wanjiru ({WANJIRU}); her")
    assert len(fake.calls_of("getMe")) == 1
    [notice] = told(db, user_id)
    assert f"\nInvite on Telegram: https://t.me/{USERNAME}?start=ref-" in notice


def test_mistakes_get_one_clear_line_and_change_nothing(
    db: UnitOfWorkFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "roles", "grant", "07x2", "mentor"]) == 1
    captured = capsys.readouterr()
    assert (captured.out, captured.err) == ("", "error: not a valid phone number: '07x2'\n")
    assert main(["admin", "roles", "revoke", "0722 000 999", "mentor"]) == 1
    assert capsys.readouterr().err == (
        "error: nobody has the number +254722000999 and mentor is not promised to it\n"
    )
    with pytest.raises(SystemExit) as refused:
        main(["admin", "roles", "grant", "0722 000 999", "owner"])
    assert refused.value.code == 2  # owners come from ADMIN_PHONES only
    with db() as uow:
        grace = make_user(uow.session, "Grace", phone=OWNER)
        owners.sync_owners(uow.session, [OWNER], NOW)
        uow.commit()
    capsys.readouterr()
    assert main(["admin", "roles", "revoke", OWNER, "community_manager"]) == 1
    assert capsys.readouterr().err == (
        f"error: {OWNER} is an owner (ADMIN_PHONES): remove the number there instead\n"
    )
    assert roles_of(db, grace.id) == {Role.OWNER, Role.COMMUNITY_MANAGER}
    assert main(["admin", "roles", "list"]) == 0
    assert "Grace                    owner*, community_manager*" in capsys.readouterr().out


def test_by_finds_the_community_manager_by_the_number_she_writes_from(
    db: UnitOfWorkFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    with db() as uow:
        s = uow.session
        # The owner only ever wrote on WhatsApp before her number was recorded as her phone.
        grace, _ = people.find_or_create_user(s, Channel.WHATSAPP, OWNER, now=NOW)
        owners.sync_owners(s, [OWNER], NOW)
        seller = make_artisan(s)
        order = make_paid_order(s, make_user(s), [(make_product(s, seller), 1)])
        ledger.record_sale(s, order)
        deliver_order(s, order, NOW)  # payable once it arrived
        slug = seller.slug
        uow.commit()
    assert grace.phone is None
    assert main(["admin", "payouts", "--record", slug, "100", "QK12ABC9", "--by", OWNER]) == 0
    assert "recorded payout" in capsys.readouterr().out
    assert main(["admin", "payouts", "--record", slug, "100", "QK12ABD1", "--by", "07x"]) == 1
    assert "no person with the phone '07x'" in capsys.readouterr().err


def test_a_number_a_shop_typed_for_m_pesa_is_promised_not_given_nor_used_for_by(
    db: UnitOfWorkFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    with db() as uow:
        s = uow.session
        mallory = make_artisan(s, "Mallory", locale="en")
        mallory.mpesa_phone = "+254722000009"  # Njeri's number, typed as hers
        neema = make_artisan(s, "Neema", locale="en")
        neema.mpesa_phone = "+254733000444"
        s.add(UserRole(user_id=neema.user_id, role=Role.COMMUNITY_MANAGER))
        order = make_paid_order(s, make_user(s), [(make_product(s, mallory), 1)])
        ledger.record_sale(s, order)
        uow.commit()
        mallory_id, slug = mallory.user_id, mallory.slug
    assert main(["admin", "roles", "grant", "0722 000 009", "community_manager"]) == 0
    assert capsys.readouterr().out == (
        "promised community_manager to +254722000009: she gets it when she first writes from "
        "it\nnote: the shop "
        + slug
        + " uses this number for M-Pesa, which does not make the number hers\n"
    )
    assert roles_of(db, mallory_id) == {Role.ARTISAN}
    assert told(db, mallory_id) == []
    refused = ["admin", "payouts", "--record", slug, "100", "QK12ABC9", "--by", "0733 000 444"]
    assert main(refused) == 1
    assert "no person with the phone '0733 000 444'" in capsys.readouterr().err
