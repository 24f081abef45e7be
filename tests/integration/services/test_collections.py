"""The collections service: slugs from the English title (unique, fixed once published), one
featured collection, what publishing needs, who may act, what the audit keeps, and pieces
that sell out (stay) or are archived (leave)."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, func, select, text

from store.errors import PermissionDenied
from store.models import (
    ArtisanStatus,
    AuditAction,
    Collection,
    PeopleAudit,
    ProductStatus,
    Role,
    UserRole,
)
from store.services import catalog, collections, showcase
from store.services.collections import EmptyCollection, NotPublished, Texts
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user

NOW = datetime(2027, 3, 2, 9, 0, tzinfo=UTC)


def test_slugs_come_from_the_english_title_and_stay_once_published(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        artisan = make_artisan(s)
        piece = make_product(s, artisan)
        texts = Texts("The Kenya Collection", "Mkusanyiko wa Kenya", "", "")
        first = collections.create(s, manager.id, texts, NOW)
        second = collections.create(s, manager.id, texts, NOW)
        swahili_only = collections.create(s, manager.id, Texts("Ñandú — Shaba!", "", "", ""), NOW)
        assert (first.slug, second.slug) == ("the-kenya-collection", "the-kenya-collection-2")
        assert swahili_only.slug == "nandu-shaba"
        assert collections.slug_base("✨✨") == "collection"

        with pytest.raises(EmptyCollection):
            collections.publish(s, manager.id, first.id, NOW)
        with pytest.raises(NotPublished):
            collections.feature(s, manager.id, first.id, NOW)
        assert collections.add_piece(s, manager.id, first.id, piece.id, NOW)
        assert not collections.add_piece(s, manager.id, first.id, piece.id, NOW)  # once
        collections.add_piece(s, manager.id, second.id, piece.id, NOW)
        assert collections.publish(s, manager.id, first.id, NOW)
        assert not collections.publish(s, manager.id, first.id, NOW)
        collections.publish(s, manager.id, second.id, NOW)
        assert collections.feature(s, manager.id, first.id, NOW)
        assert collections.feature(s, manager.id, second.id, NOW)  # the other steps down
        featured = s.scalars(select(Collection.id).where(Collection.featured.is_(True))).all()
        assert featured == [second.id]
        assert collections.unpublish(s, manager.id, second.id, NOW)
        assert collections.featured(s) is None
        assert [c.id for c in collections.published(s)] == [first.id]
        assert first.published_at == NOW
        # Retitled: a published collection keeps its slug; one never published follows.
        draft = collections.create(s, manager.id, Texts("Draft", "", "", ""), NOW)
        renamed = Texts("Brass of Kenya", "", "", "")
        assert collections.edit(s, manager.id, first.id, renamed, NOW)
        horn = Texts("Horn and bone", "", "", "")
        assert collections.edit(s, manager.id, draft.id, horn, NOW)
        assert not collections.edit(s, manager.id, draft.id, horn, NOW)
        assert (first.slug, first.title) == ("the-kenya-collection", "Brass of Kenya")
        assert draft.slug == "horn-and-bone"
        uow.commit()


def test_only_managers_change_collections_and_each_change_is_audited(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        buyer = make_user(s, "Lena")
        made = collections.create(s, manager.id, Texts("Brass", "", "", ""), NOW)
        with pytest.raises(PermissionDenied):
            collections.create(s, buyer.id, Texts("Mine", "", "", ""), NOW)
        with pytest.raises(PermissionDenied):
            collections.publish(s, buyer.id, made.id, NOW)
        audited = s.execute(
            select(PeopleAudit.action, PeopleAudit.actor_user_id, PeopleAudit.collection_id)
        ).all()
        assert audited == [(AuditAction.COLLECTION_CREATE, manager.id, made.id)]


def test_a_sold_out_piece_stays_and_an_archived_one_leaves(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        artisan = make_artisan(s)
        kept, archived = make_product(s, artisan), make_product(s, artisan)
        made = collections.create(s, manager.id, Texts("Brass", "", "", ""), NOW)
        for piece in (archived, kept):
            collections.add_piece(s, manager.id, made.id, piece.id, NOW)
        collections.set_cover(s, manager.id, made.id, archived.id, NOW)
        catalog.set_stock(s, artisan.id, kept.id, 0)
        catalog.archive(s, artisan.id, archived.id)
        s.refresh(made)
        pieces = collections.pieces(s, made.id)
        assert [(p.product_id, p.status) for p in pieces] == [(kept.id, ProductStatus.SOLD_OUT)]
        assert made.cover_product_id is None
        assert collections.cover(made, pieces) == kept.id
        assert collections.holding(s, archived.id) == []
        assert s.scalar(select(func.count()).select_from(PeopleAudit)) == 4  # 1 + 2 + cover


def test_a_shared_link_shows_as_cover_only_a_piece_buyers_may_see(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """The page's `og:image` is the cover's photo: a piece still waiting for review, turned
    down, or of a suspended shop is never it, even when a manager chose it; the first piece
    buyers may see stands in."""
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        artisan = make_artisan(s)
        closed = make_artisan(s, status=ArtisanStatus.SUSPENDED)
        waiting = make_product(s, artisan, status=ProductStatus.PENDING_REVIEW)
        of_closed_shop = make_product(s, closed)
        shown = make_product(s, artisan)
        made = collections.create(s, manager.id, Texts("Brass", "", "", ""), NOW)
        for piece in (waiting, of_closed_shop, shown):
            collections.add_piece(s, manager.id, made.id, piece.id, NOW)
        collections.publish(s, manager.id, made.id, NOW)
        for chosen in (waiting, of_closed_shop):
            collections.set_cover(s, manager.id, made.id, chosen.id, NOW)
            view = showcase.find_collection(s, made.slug)
            assert view is not None
            assert view.cover_product_id == shown.id
        waiting.status = ProductStatus.REJECTED
        collections.set_cover(s, manager.id, made.id, waiting.id, NOW)
        view = showcase.find_collection(s, made.slug)
        assert view is not None
        assert view.cover_product_id == shown.id


def test_two_managers_featuring_at_once_the_second_learns_which_won(
    postgres_engine: Engine,
) -> None:
    """On PostgreSQL two managers may tap "Feature" on two collections at the same moment:
    the second waits for the first, then is told which collection is featured now (a
    specific answer, not a failure), and only the first's is featured."""
    factory = UnitOfWorkFactory(postgres_engine)
    with factory() as uow:
        s = uow.session
        grace = make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        wanjiru = make_user(s, "Wanjiru", roles=(Role.COMMUNITY_MANAGER,))
        piece = make_product(s, make_artisan(s))
        made = []
        for title in ("Old", "Brass", "Horn"):
            collection = collections.create(s, grace.id, Texts(title, "", "", ""), NOW)
            collections.add_piece(s, grace.id, collection.id, piece.id, NOW)
            collections.publish(s, grace.id, collection.id, NOW)
            made.append(collection.id)
        collections.feature(s, grace.id, made[0], NOW)
        uow.commit()
    old, brass, horn = made
    second: list[BaseException | bool] = []

    def second_manager() -> None:
        with factory() as uow:
            try:
                second.append(collections.feature(uow.session, wanjiru.id, horn, NOW))
            except collections.FeaturedMeanwhile as refused:
                second.append(refused)
            uow.commit()

    with factory() as first:
        assert collections.feature(first.session, grace.id, brass, NOW)
        worker = threading.Thread(target=second_manager)
        worker.start()
        _wait_until_blocked(postgres_engine)
        first.commit()
    worker.join(timeout=30)
    [refused] = second
    assert isinstance(refused, collections.FeaturedMeanwhile)
    assert (refused.collection_id, refused.featured_title) == (horn, "Brass")
    with factory() as uow:
        featured = uow.session.scalars(select(Collection.id).where(Collection.featured)).all()
        assert featured == [brass]
    assert old not in featured


def _wait_until_blocked(engine: Engine) -> None:
    """Until another connection waits on a lock (no time limit but the test's own)."""
    blocked = text(
        "SELECT count(*) FROM pg_stat_activity "
        "WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with engine.connect() as connection:
        while not connection.execute(blocked).scalar():
            connection.rollback()
            time.sleep(0.01)


def test_a_manager_with_a_shop_does_not_curate_her_own_pieces(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """As with reviewing, a community manager who sells too leaves her own pieces to another
    manager: she cannot put one in a collection (the other manager can)."""
    with uow_factory() as uow:
        s = uow.session
        grace = make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        wanjiru_shop = make_artisan(s, "Wanjiru")
        s.add(UserRole(user_id=wanjiru_shop.user_id, role=Role.COMMUNITY_MANAGER))
        s.flush()
        hers = make_product(s, wanjiru_shop)
        made = collections.create(s, grace.id, Texts("Brass", "", "", ""), NOW)
        with pytest.raises(collections.OwnPiece):
            collections.add_piece(s, wanjiru_shop.user_id, made.id, hers.id, NOW)
        assert collections.pieces(s, made.id) == []
        assert collections.add_piece(s, grace.id, made.id, hers.id, NOW)


def test_buyers_are_offered_no_collection_they_would_find_empty(
    uow_factory: UnitOfWorkFactory,
) -> None:
    """A published collection whose pieces buyers cannot see now (still waiting for review,
    or their shop suspended) is left off the shop window and the first menu, until one is
    listed or the shop reinstated: a buyer never opens an empty collection from a menu."""
    with uow_factory() as uow:
        s = uow.session
        manager = make_user(s, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        amina = make_artisan(s, "Amina")
        waiting = make_product(s, amina, status=ProductStatus.PENDING_REVIEW)
        made = collections.create(s, manager.id, Texts("Brass", "", "", ""), NOW)
        collections.add_piece(s, manager.id, made.id, waiting.id, NOW)
        collections.publish(s, manager.id, made.id, NOW)
        collections.feature(s, manager.id, made.id, NOW)
        assert (collections.published(s), collections.featured(s)) == ([], None)
        waiting.status = ProductStatus.ACTIVE
        s.flush()
        assert (collections.published(s), collections.featured(s)) == ([made], made)
        amina.status = ArtisanStatus.SUSPENDED
        s.flush()
        assert (collections.published(s), collections.featured(s)) == ([], None)


def test_two_managers_naming_collections_alike_at_once_both_are_made(
    postgres_engine: Engine,
) -> None:
    """Two managers make "Brass" at the same moment on PostgreSQL: the second waits for the
    first's slug, then takes the next one ("brass-2"), rather than failing."""
    factory = UnitOfWorkFactory(postgres_engine)
    with factory() as uow:
        grace = make_user(uow.session, "Grace", roles=(Role.COMMUNITY_MANAGER,))
        wanjiru = make_user(uow.session, "Wanjiru", roles=(Role.COMMUNITY_MANAGER,))
        uow.commit()
    second: list[str] = []

    def second_manager() -> None:
        with factory() as uow:
            made = collections.create(uow.session, wanjiru.id, Texts("Brass", "", "", ""), NOW)
            second.append(made.slug)
            uow.commit()

    with factory() as first:
        assert collections.create(first.session, grace.id, Texts("Brass", "", "", ""), NOW)
        worker = threading.Thread(target=second_manager)
        worker.start()
        _wait_until_blocked(postgres_engine)
        first.commit()
    worker.join(timeout=30)
    assert second == ["brass-2"]
