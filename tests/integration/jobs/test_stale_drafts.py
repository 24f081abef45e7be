"""Listing drafts left alone: a heads-up after six days, deleted a day later — never without
the heads-up the day before, and never while she is still working on them."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from conversations.jobs.drafts import DraftCleanup, clean_stale_drafts
from store.models import ConversationState, Product, ProductPhoto, ProductStatus
from store.models.types import utcnow
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product
from tests.integration.jobs.jobs_support import MONDAY_9AM, NAIROBI, texts

NOW = MONDAY_9AM + timedelta(hours=1)  # 10:00 in Nairobi


def draft(
    uow_factory: UnitOfWorkFactory, *, idle: timedelta, title: str = "", locale: str = "sw"
) -> tuple[int, int]:
    """(product id, artisan's user id) of a draft last touched `idle` before NOW."""
    with uow_factory() as uow:
        artisan = make_artisan(uow.session, "Neema", locale=locale)
        product = make_product(uow.session, artisan, status=ProductStatus.DRAFT)
        product.title = title  # a draft may have none yet
        product.created_at = product.updated_at = NOW - idle
        uow.commit()
        return product.id, artisan.user_id


def status(uow_factory: UnitOfWorkFactory, product_id: int) -> ProductStatus | None:
    """The product's status; None once it is gone."""
    with uow_factory(read_only=True) as uow:
        product = uow.session.get(Product, product_id)
        return None if product is None else product.status


def add_photo(session: Session, product_id: int, when: timedelta) -> None:
    session.add(
        ProductPhoto(
            product_id=product_id,
            position=0,
            sha256="a" * 64,
            phash="0" * 16,
            width=800,
            height=800,
            keys={},
            created_at=NOW + when,
        )
    )


def test_a_heads_up_the_day_before_then_the_draft_is_removed_once(
    uow_factory: UnitOfWorkFactory,
) -> None:
    product_id, user_id = draft(uow_factory, idle=timedelta(days=6, hours=1), title="Bangili")
    done = clean_stale_drafts(uow_factory, NOW, NAIROBI)
    assert (done.warned, done.removed) == ([product_id], [])
    again = clean_stale_drafts(uow_factory, NOW, NAIROBI)
    assert (again.warned, again.removed) == ([], [])  # twice = once
    assert texts(uow_factory, user_id) == [
        "Bidhaa yako ambayo haijakamilika “Bangili” itaondolewa kesho. Kuibakiza, tuma menyu, "
        "chagua “Weka bidhaa mpya” uimalize."
    ]
    assert status(uow_factory, product_id) is ProductStatus.DRAFT

    tomorrow = NOW + timedelta(days=1)
    assert clean_stale_drafts(uow_factory, tomorrow, NAIROBI).removed == [product_id]
    assert clean_stale_drafts(uow_factory, tomorrow, NAIROBI).removed == []
    assert status(uow_factory, product_id) is None
    assert len(texts(uow_factory, user_id)) == 1


def test_an_untitled_draft_is_named_by_its_date_in_english(uow_factory: UnitOfWorkFactory) -> None:
    product_id, user_id = draft(uow_factory, idle=timedelta(days=6, hours=2), locale="en")
    assert clean_stale_drafts(uow_factory, NOW, NAIROBI).warned == [product_id]
    assert texts(uow_factory, user_id) == [
        "The listing you started on 24/02/2026 is not finished and will be removed tomorrow. "
        "To keep it, send menu, choose “List a piece” and finish it."
    ]


def test_a_draft_found_late_still_gets_its_day_of_notice(uow_factory: UnitOfWorkFactory) -> None:
    product_id, _ = draft(uow_factory, idle=timedelta(days=30))  # the scheduler was down
    assert clean_stale_drafts(uow_factory, NOW, NAIROBI).warned == [product_id]
    assert clean_stale_drafts(uow_factory, NOW + timedelta(hours=12), NAIROBI).removed == []
    assert clean_stale_drafts(uow_factory, NOW + timedelta(hours=20), NAIROBI).removed == [
        product_id
    ]


def test_drafts_she_is_working_on_are_left_alone(uow_factory: UnitOfWorkFactory) -> None:
    with_photo, _ = draft(uow_factory, idle=timedelta(days=10))
    in_flow, user_id = draft(uow_factory, idle=timedelta(days=10))
    with uow_factory() as uow:
        add_photo(uow.session, with_photo, -timedelta(days=2))
        uow.session.add(
            ConversationState(
                user_id=user_id,
                flow="listing",
                step="price",
                data={"flow_data": {"product_id": in_flow}},
                version=1,
                updated_at=NOW - timedelta(days=1),
            )
        )
        uow.commit()
    done = clean_stale_drafts(uow_factory, NOW, NAIROBI)
    assert (done.warned, done.removed) == ([], [])


def test_touching_a_draft_after_the_heads_up_starts_the_week_over(
    uow_factory: UnitOfWorkFactory,
) -> None:
    product_id, user_id = draft(uow_factory, idle=timedelta(days=6, hours=1))
    assert clean_stale_drafts(uow_factory, NOW, NAIROBI).warned == [product_id]
    with uow_factory() as uow:
        add_photo(uow.session, product_id, timedelta(hours=2))  # she came back to it
        uow.commit()
    later = NOW + timedelta(days=1)
    assert clean_stale_drafts(uow_factory, later, NAIROBI).removed == []
    assert status(uow_factory, product_id) is ProductStatus.DRAFT
    week_on = NOW + timedelta(days=6, hours=3)
    assert clean_stale_drafts(uow_factory, week_on, NAIROBI).warned == [product_id]
    assert len(texts(uow_factory, user_id)) == 2


def test_a_draft_edited_yesterday_is_not_stale(uow_factory: UnitOfWorkFactory) -> None:
    """Started nine days ago and left; yesterday she gave it a title, then a price (a change
    through the session, then one through an UPDATE statement): it is a day old, not nine."""
    started = utcnow() - timedelta(days=9)
    with uow_factory() as uow:
        product = make_product(uow.session, make_artisan(uow.session, "Neema"))
        product.status = ProductStatus.DRAFT
        product.created_at = product.updated_at = started
        uow.commit()
        product_id = product.id
    with uow_factory() as uow:
        edited = uow.session.get(Product, product_id)
        assert edited is not None
        edited.title = "Bangili ya shaba"
        uow.commit()
    assert updated_at(uow_factory, product_id) > started + timedelta(days=8)

    with uow_factory() as uow:
        uow.session.execute(update(Product).values(updated_at=started))  # as before the edit
        uow.session.execute(
            update(Product).where(Product.id == product_id).values(price_minor=150_000)
        )
        uow.commit()
    assert updated_at(uow_factory, product_id) > started + timedelta(days=8)

    tomorrow = utcnow() + timedelta(days=1)
    for day in (tomorrow, tomorrow + timedelta(days=1)):
        assert clean_stale_drafts(uow_factory, day, NAIROBI) == DraftCleanup()
    assert status(uow_factory, product_id) is ProductStatus.DRAFT


def updated_at(uow_factory: UnitOfWorkFactory, product_id: int) -> datetime:
    with uow_factory(read_only=True) as uow:
        found = uow.session.scalar(select(Product.updated_at).where(Product.id == product_id))
        assert found is not None
        return found
