"""People: identities, phones, merging accounts, roles, locales and artisan registration."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.errors import NotFound, PermissionDenied
from store.models import (
    Artisan,
    Cart,
    CartItem,
    Channel,
    ConversationState,
    Identity,
    Order,
    Role,
    User,
)
from store.services import people, referrals
from store.services.people import (
    AccountConflict,
    AlreadyRegistered,
    InvalidPhone,
    InvalidRegistration,
    UnsupportedLocale,
)
from store.services.referrals import AttributionOutcome
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_paid_order, make_product, make_user

NOW = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
MPESA = "0712 345 678"


def _user(session: Session, channel: Channel, platform_id: str, at: datetime) -> User:
    user, _ = people.find_or_create_user(session, channel, platform_id, now=at)
    return user


# --- identities ---------------------------------------------------------------------------


def test_first_contact_creates_user_then_finds_it(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        user, created = people.find_or_create_user(
            uow.session,
            Channel.TELEGRAM,
            "4242",
            profile_name="Achieng",
            locale="sw",
            now=NOW,
        )
        uow.commit()
    assert created
    assert (user.display_name, user.locale, user.created_at) == ("Achieng", "sw", NOW)
    with uow_factory() as uow:
        again, created_again = people.find_or_create_user(
            uow.session, Channel.TELEGRAM, "4242", profile_name="Achieng O.", now=NOW
        )
        identity = uow.session.scalars(select(Identity)).one()
        assert (again.id, created_again) == (user.id, False)
        assert identity.profile_name == "Achieng O."
        assert people.user_for_identity(uow.session, Channel.TELEGRAM, "4242") == again
        # Same platform id on another channel is another person.
        assert people.user_for_identity(uow.session, Channel.WHATSAPP, "4242") is None


def test_racing_first_contacts_end_with_one_user(
    uow_factory: UnitOfWorkFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    with uow_factory() as uow:
        winner, _ = people.find_or_create_user(uow.session, Channel.WHATSAPP, "+254711", now=NOW)
        uow.commit()
    # The loser looked the identity up just before the winner committed.
    monkeypatch.setattr(people, "_identity", lambda *_args: None)
    with uow_factory() as uow:
        loser, created = people.find_or_create_user(
            uow.session, Channel.WHATSAPP, "+254711", now=NOW
        )
        uow.commit()
    assert (loser.id, created) == (winner.id, False)
    with uow_factory() as uow:
        # The loser's half-made user is gone.
        assert uow.session.scalar(select(func.count()).select_from(User)) == 1


def test_set_locale(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        user = make_user(uow.session)
        people.set_locale(uow.session, user.id, "sw")
        uow.commit()
    with uow_factory() as uow:
        assert uow.session.get(User, user.id).locale == "sw"  # type: ignore[union-attr]
        with pytest.raises(UnsupportedLocale):
            people.set_locale(uow.session, user.id, "fr")
        with pytest.raises(NotFound):
            people.set_locale(uow.session, 999_999, "en")


# --- roles --------------------------------------------------------------------------------


def test_grant_and_revoke_role_need_a_community_manager(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, roles=(Role.COMMUNITY_MANAGER,))
        someone = make_user(s)
        target = make_user(s)
        with pytest.raises(PermissionDenied):
            people.grant_role(s, target.id, Role.MENTOR, acting_user_id=someone.id)
        assert people.grant_role(s, target.id, Role.MENTOR, acting_user_id=manager.id)
        assert not people.grant_role(s, target.id, Role.MENTOR)  # operator, already held
        uow.commit()
    with uow_factory() as uow:
        target_again = uow.session.get(User, target.id)
        assert target_again is not None
        assert target_again.has_role(Role.MENTOR)
        assert people.revoke_role(uow.session, target.id, Role.MENTOR, acting_user_id=manager.id)
        assert not people.revoke_role(uow.session, target.id, Role.MENTOR)
        uow.commit()
    with uow_factory() as uow:
        assert not uow.session.get(User, target.id).has_role(Role.MENTOR)  # type: ignore[union-attr]


# --- linking phones, merging accounts -----------------------------------------------------


def test_link_phone_sets_a_free_number(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        user = make_user(uow.session)
        linked = people.link_phone(uow.session, user.id, "+254712345678")
        assert (linked.id, linked.phone) == (user.id, "+254712345678")
        with pytest.raises(InvalidPhone):
            people.link_phone(uow.session, user.id, "0712345678")  # not E.164
        with pytest.raises(InvalidPhone):
            people.link_phone(uow.session, user.id, "+2540000")


def test_same_phone_on_two_channels_merges_into_older_account(
    uow_factory: UnitOfWorkFactory,
) -> None:
    phone = "+254712345678"
    with uow_factory() as uow:
        s = uow.session
        whatsapp = _user(s, Channel.WHATSAPP, phone, NOW)
        people.link_phone(s, whatsapp.id, phone)
        people.grant_role(s, whatsapp.id, Role.ARTISAN)
        telegram = _user(s, Channel.TELEGRAM, "777", NOW + timedelta(days=3))
        telegram.display_name = "Wanjiru"
        people.grant_role(s, telegram.id, Role.MENTOR)
        people.grant_role(s, telegram.id, Role.ARTISAN)
        s.add(ConversationState(user_id=telegram.id, flow="register", step="phone", updated_at=NOW))
        shop = make_artisan(s)
        product = make_product(s, shop)
        order = make_paid_order(s, telegram, [(product, 1)])
        uow.commit()
        whatsapp_id, telegram_id, order_id = whatsapp.id, telegram.id, order.id

    with uow_factory() as uow:
        survivor = people.link_phone(uow.session, telegram_id, phone)
        uow.commit()
    assert survivor.id == whatsapp_id

    with uow_factory() as uow:
        s = uow.session
        assert s.get(User, telegram_id) is None
        merged = s.get(User, whatsapp_id)
        assert merged is not None
        assert merged.phone == phone
        assert merged.display_name == "Wanjiru"  # the older account had no name
        assert {r.role for r in merged.roles} == {Role.ARTISAN, Role.MENTOR}
        assert {(i.channel, i.platform_user_id) for i in merged.identities} == {
            (Channel.WHATSAPP, phone),
            (Channel.TELEGRAM, "777"),
        }
        assert s.get(Order, order_id).buyer_user_id == whatsapp_id  # type: ignore[union-attr]
        assert s.get(ConversationState, whatsapp_id).flow == "register"  # type: ignore[union-attr]
        assert people.user_for_identity(s, Channel.TELEGRAM, "777").id == whatsapp_id  # type: ignore[union-attr]


def test_merge_moves_the_newer_accounts_shop_and_merges_carts(
    uow_factory: UnitOfWorkFactory,
) -> None:
    phone = "+254722000111"
    with uow_factory() as uow:
        s = uow.session
        older = make_user(s, phone=phone)
        older.created_at = NOW - timedelta(days=30)
        shop = make_artisan(s)  # owned by its own user; we move it below
        newer = s.get(User, shop.user_id)
        assert newer is not None
        newer.created_at = NOW
        p1, p2 = make_product(s, shop), make_product(s, shop)
        s.add(Cart(user_id=older.id, items=[CartItem(product_id=p1.id, quantity=1)]))
        s.add(
            Cart(
                user_id=newer.id,
                items=[
                    CartItem(product_id=p1.id, quantity=3),
                    CartItem(product_id=p2.id, quantity=2),
                ],
            )
        )
        uow.commit()
        older_id, newer_id, shop_id = older.id, newer.id, shop.id

    with uow_factory() as uow:
        survivor = people.link_phone(uow.session, newer_id, phone)
        uow.commit()
    assert survivor.id == older_id
    with uow_factory() as uow:
        s = uow.session
        assert s.get(Artisan, shop_id).user_id == older_id  # type: ignore[union-attr]
        cart = s.scalars(select(Cart)).one()
        assert cart.user_id == older_id
        assert sorted((i.product_id, i.quantity) for i in cart.items) == [(p1.id, 1), (p2.id, 2)]
        assert s.scalar(select(func.count()).select_from(User)) == 1


def test_merge_refused_when_both_have_shops(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        first, second = make_artisan(s), make_artisan(s)
        people.link_phone(s, first.user_id, "+254733000001")
        with pytest.raises(AccountConflict) as raised:
            people.link_phone(s, second.user_id, "+254733000001")
        assert raised.value.reason == "both_artisans"


def test_a_buyer_who_ordered_on_both_channels_becomes_one_person(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        product = make_product(s, make_artisan(s), stock=5)
        first, second = make_user(s), make_user(s)
        orders = [make_paid_order(s, buyer, [(product, 1)]).id for buyer in (first, second)]
        people.link_phone(s, first.id, "+254733000002")
        survivor = people.link_phone(s, second.id, "+254733000002")
        uow.commit()
    assert survivor.id == first.id
    with uow_factory() as uow:
        found = uow.session.scalars(select(Order.buyer_user_id).where(Order.id.in_(orders)))
        assert set(found) == {first.id}


def _two_accounts(s: Session, phone: str) -> tuple[User, User]:
    """One person: first on WhatsApp (a buyer who chats in Swahili, with a cart and an
    order), three days later on Telegram (an artisan with a shop and the mentor role)."""
    whatsapp = _user(s, Channel.WHATSAPP, phone, NOW)
    whatsapp.locale = "sw"
    seller = make_artisan(s)
    product, other = make_product(s, seller, stock=3), make_product(s, seller, stock=3)
    make_paid_order(s, whatsapp, [(product, 1)])
    s.add(Cart(user_id=whatsapp.id, items=[CartItem(product_id=other.id, quantity=1)]))
    telegram = _user(s, Channel.TELEGRAM, "888", NOW + timedelta(days=3))
    telegram.locale = "en"
    shop = make_artisan(s)
    shop.user_id = telegram.id  # hers now (its own user stays behind, shopless)
    people.grant_role(s, telegram.id, Role.ARTISAN)
    people.grant_role(s, telegram.id, Role.MENTOR)
    make_paid_order(s, telegram, [(product, 1)])
    return whatsapp, telegram


@pytest.mark.parametrize("linked_first", ["whatsapp", "telegram"])
def test_merge_in_either_order_keeps_everything_of_both(
    uow_factory: UnitOfWorkFactory, linked_first: str
) -> None:
    """Whichever account gets the number first, the second link makes one person with both
    accounts' identities, roles, shop, cart and orders, the conversation that moved last and
    the language she used there."""
    phone = "+254733000004"
    with uow_factory() as uow:
        s = uow.session
        whatsapp, telegram = _two_accounts(s, phone)
        first, second = (whatsapp, telegram) if linked_first == "whatsapp" else (telegram, whatsapp)
        last = NOW + timedelta(days=5)
        s.add(ConversationState(user_id=first.id, flow="browse", step="list", updated_at=NOW))
        s.add(ConversationState(user_id=second.id, flow="cart", step="show", updated_at=last))
        people.link_phone(s, first.id, phone)
        uow.commit()
        ids = (whatsapp.id, telegram.id, first.id, second.id)
    whatsapp_id, telegram_id, _, second_id = ids
    with uow_factory() as uow:
        survivor = people.link_phone(uow.session, second_id, phone)
        uow.commit()
    assert survivor.id == whatsapp_id  # the older account
    with uow_factory() as uow:
        s = uow.session
        assert s.get(User, telegram_id) is None
        merged = s.get(User, whatsapp_id)
        assert merged is not None
        assert merged.phone == phone
        assert {r.role for r in merged.roles} == {Role.ARTISAN, Role.MENTOR}
        assert {i.channel for i in merged.identities} == {Channel.WHATSAPP, Channel.TELEGRAM}
        assert people.artisan_for_user(s, whatsapp_id) is not None
        assert s.scalar(select(func.count()).where(Order.buyer_user_id == whatsapp_id)) == 2
        assert len(s.scalars(select(Cart).where(Cart.user_id == whatsapp_id)).one().items) == 1
        state = s.get(ConversationState, whatsapp_id)
        assert state is not None
        assert state.flow == "cart"  # where she chatted last
        # ... and in the language she chatted in there.
        assert merged.locale == ("sw" if second_id == whatsapp_id else "en")


# --- registration -------------------------------------------------------------------------


def _register(session: Session, user_id: int, **overrides: object) -> people.Registration:
    fields: dict[str, object] = {
        "shop_name": "Shanga za Mama",
        "location": "Kibera, Nairobi",
        "story": "I string glass beads from Kazuri.",
        "mpesa_phone": MPESA,
        "referral_code": None,
        "now": NOW,
    }
    fields.update(overrides)
    return people.register_artisan(session, user_id, **fields)  # type: ignore[arg-type]


def test_register_artisan_opens_a_shop(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        user = make_user(uow.session)
        registration = _register(uow.session, user.id)
        uow.commit()
    shop = registration.artisan
    assert registration.referral is None
    assert not registration.referral_refused
    assert (shop.slug, shop.mpesa_phone, shop.mentor_id) == (
        "shanga-za-mama",
        "+254712345678",
        None,
    )
    with uow_factory() as uow:
        assert uow.session.get(User, user.id).has_role(Role.ARTISAN)  # type: ignore[union-attr]
        with pytest.raises(AlreadyRegistered):
            _register(uow.session, user.id, shop_name="Another")


def test_slugs_are_ascii_and_unique(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        slugs = [
            _register(
                s, make_user(s).id, shop_name=name, mpesa_phone=f"07220000{i:02d}"
            ).artisan.slug
            for i, name in enumerate(["Wanjikú's Café", "wanjiku’s cafe", "Wanjiku's Café!", "★★"])
        ]
    assert slugs == ["wanjikus-cafe", "wanjikus-cafe-2", "wanjikus-cafe-3", "shop"]


@pytest.mark.parametrize(
    ("field", "value", "reason"),
    [
        ("shop_name", "A", "too_short"),
        ("shop_name", "x" * 81, "too_long"),
        ("location", " ", "too_short"),
        ("story", "x" * 2001, "too_long"),
        ("mpesa_phone", "020 123 4567", "not_kenyan_mobile"),  # Nairobi landline
        ("mpesa_phone", "+1 650 253 0000", "not_kenyan_mobile"),
        ("mpesa_phone", "0712", "not_kenyan_mobile"),
    ],
)
def test_registration_validates_fields(
    uow_factory: UnitOfWorkFactory, field: str, value: str, reason: str
) -> None:
    with uow_factory() as uow:
        user = make_user(uow.session)
        with pytest.raises(InvalidRegistration) as raised:
            _register(uow.session, user.id, **{field: value})
        assert (raised.value.field, raised.value.reason) == (field, reason)
        assert uow.session.scalar(select(func.count()).select_from(Artisan)) == 0


def test_registration_with_a_code_attributes_the_mentor(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        mentor = make_artisan(s)
        code = referrals.make_mentor(s, mentor.id, NOW, threshold=None)
        recruit = make_user(s)
        typed = referrals.format_code(code.code).lower()
        registration = _register(s, recruit.id, referral_code=typed)
        uow.commit()
    assert registration.referral is not None
    assert registration.referral.attributed
    assert registration.artisan.mentor_id == mentor.id
    assert registration.artisan.referral_code == code.code


def test_registration_with_an_unknown_code_still_succeeds(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        user = make_user(uow.session)
        registration = _register(uow.session, user.id, referral_code="ZZZ-ZZZ")
        uow.commit()
    assert registration.referral_refused
    assert registration.referral is not None
    assert registration.referral.outcome is AttributionOutcome.UNKNOWN_CODE
    assert registration.artisan.mentor_id is None
    with uow_factory() as uow:
        assert uow.session.get(Artisan, registration.artisan.id) is not None
