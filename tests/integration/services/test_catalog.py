"""The catalog's rules on both databases: lifecycle, review, permissions, stock, photos."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
from sqlalchemy import inspect, select, update
from sqlalchemy.orm import Session

from store.errors import CurrencyMismatch, InvalidTransition, NotFound, PermissionDenied
from store.models import (
    Artisan,
    ArtisanStatus,
    Category,
    Product,
    ProductPhoto,
    ProductStatus,
    Role,
    UserRole,
)
from store.money import Money
from store.services import catalog, listing_review, product_photos
from store.services.catalog import (
    IncompleteListing,
    InvalidProductDetail,
    ProductNotEditable,
    StockBelowReserved,
)
from store.services.listing_review import RejectionReasonRequired
from store.services.product_photos import PhotoRecord, TooManyPhotos
from store.uow import UnitOfWorkFactory
from tests.factories import make_artisan, make_product, make_user

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)


def photo(n: int = 1, *, phash: str | None = None) -> PhotoRecord:
    return PhotoRecord(
        sha256=f"{n:064x}",
        phash=phash or f"{n:016x}",
        width=1080,
        height=1080,
        keys={"large": f"p/{n}/large.webp", "thumb": f"p/{n}/thumb.webp"},
    )


def listed_draft(session: Session, artisan: Artisan, title: str = "Blue glass necklace") -> int:
    """A complete draft, ready to submit."""
    product = catalog.create_draft(session, artisan.id)
    catalog.update_details(
        session,
        artisan.id,
        product.id,
        title=title,
        description="Glass beads on waxed thread.",
        category=Category.NECKLACE,
        materials=["glass beads", "brass"],
    )
    catalog.set_price(session, artisan.id, product.id, Money.of_major(1500, "KES"))
    product_photos.add_photo(session, artisan.id, product.id, photo(product.id))
    return product.id


def status_of(session: Session, product_id: int) -> ProductStatus:
    status = session.scalar(select(Product.status).where(Product.id == product_id))
    assert status is not None
    return status


def test_full_lifecycle(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        manager = make_user(s, roles=(Role.COMMUNITY_MANAGER,))
        draft = catalog.create_draft(s, artisan.id)
        assert draft.status == ProductStatus.DRAFT
        product_id = listed_draft(s, artisan, "Shanga za Kioo — Bluu")

        submitted = catalog.submit_for_review(s, artisan.id, product_id, NOW)
        assert submitted.status == ProductStatus.PENDING_REVIEW
        assert submitted.submitted_at == NOW
        assert submitted.slug is not None
        assert re.fullmatch(r"shanga-za-kioo-bluu-[a-z0-9]{4}", submitted.slug)

        approved = listing_review.approve(s, manager.id, product_id, NOW)
        assert approved.status == ProductStatus.ACTIVE
        assert approved.reviewed_by_user_id == manager.id
        assert approved.approved_at == NOW

        assert catalog.set_stock(s, artisan.id, product_id, 0).status == ProductStatus.SOLD_OUT
        assert catalog.set_stock(s, artisan.id, product_id, 3).status == ProductStatus.ACTIVE
        catalog.set_price(s, artisan.id, product_id, Money.of_major(1800, "KES"))
        assert catalog.archive(s, artisan.id, product_id).status == ProductStatus.ARCHIVED
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.session.get(Product, product_id)
        assert stored is not None
        assert (stored.status, stored.price_minor, stored.stock_on_hand) == (
            ProductStatus.ARCHIVED,
            180_000,
            3,
        )


def test_approved_without_stock_is_sold_out(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        manager = make_user(s, roles=(Role.COMMUNITY_MANAGER,))
        product_id = listed_draft(s, artisan)
        catalog.set_stock(s, artisan.id, product_id, 0)
        assert status_of(s, product_id) == ProductStatus.DRAFT  # stock alone moves no draft
        catalog.submit_for_review(s, artisan.id, product_id, NOW)
        assert listing_review.approve(s, manager.id, product_id, NOW).status == (
            ProductStatus.SOLD_OUT
        )


def test_rejected_listing_is_edited_back_to_draft_and_resubmitted(
    uow_factory: UnitOfWorkFactory,
) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        manager = make_user(s, roles=(Role.COMMUNITY_MANAGER,))
        product_id = listed_draft(s, artisan)
        catalog.submit_for_review(s, artisan.id, product_id, NOW)
        with pytest.raises(RejectionReasonRequired):
            listing_review.reject(s, manager.id, product_id, "   ", NOW)
        rejected = listing_review.reject(s, manager.id, product_id, " Plastic beads ", NOW)
        assert (rejected.status, rejected.rejection_reason) == (
            ProductStatus.REJECTED,
            "Plastic beads",
        )
        with pytest.raises(InvalidTransition):
            catalog.submit_for_review(s, artisan.id, product_id, NOW)  # edit first
        catalog.update_details(s, artisan.id, product_id, materials=["glass beads"])
        assert status_of(s, product_id) == ProductStatus.DRAFT
        resubmitted = catalog.submit_for_review(s, artisan.id, product_id, NOW)
        assert (resubmitted.status, resubmitted.rejection_reason) == (
            ProductStatus.PENDING_REVIEW,
            "",
        )


def test_withdraw_from_review(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        product_id = listed_draft(s, artisan)
        with pytest.raises(InvalidTransition):
            catalog.withdraw_from_review(s, artisan.id, product_id, NOW)
        catalog.submit_for_review(s, artisan.id, product_id, NOW)
        assert catalog.withdraw_from_review(s, artisan.id, product_id, NOW).status == (
            ProductStatus.DRAFT
        )


@pytest.mark.parametrize(
    ("status", "action"),
    [
        (ProductStatus.ACTIVE, "submit"),
        (ProductStatus.ARCHIVED, "submit"),
        (ProductStatus.DRAFT, "approve"),
        (ProductStatus.ACTIVE, "approve"),
        (ProductStatus.REJECTED, "reject"),
        (ProductStatus.SOLD_OUT, "reject"),
        (ProductStatus.ARCHIVED, "archive"),
    ],
)
def test_illegal_transitions_raise(
    uow_factory: UnitOfWorkFactory, status: ProductStatus, action: str
) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        manager = make_user(s, roles=(Role.COMMUNITY_MANAGER,))
        product = make_product(s, artisan, status=status)
        calls: dict[str, Callable[[], object]] = {
            "submit": lambda: catalog.submit_for_review(s, artisan.id, product.id, NOW),
            "approve": lambda: listing_review.approve(s, manager.id, product.id, NOW),
            "reject": lambda: listing_review.reject(s, manager.id, product.id, "no", NOW),
            "archive": lambda: catalog.archive(s, artisan.id, product.id),
        }
        with pytest.raises(InvalidTransition):
            calls[action]()
        assert status_of(s, product.id) == status


def test_incomplete_listing_cannot_be_submitted(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        product = catalog.create_draft(s, artisan.id)
        with pytest.raises(IncompleteListing) as raised:
            catalog.submit_for_review(s, artisan.id, product.id, NOW)
        assert raised.value.missing == ("title", "price", "category", "photo")
        catalog.update_details(s, artisan.id, product.id, title="Ring", category=Category.RING)
        with pytest.raises(IncompleteListing) as raised:
            catalog.submit_for_review(s, artisan.id, product.id, NOW)
        assert raised.value.missing == ("price", "photo")


def test_slugs_are_unique_for_equal_titles(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        slugs = set()
        for _ in range(5):
            product_id = listed_draft(s, artisan, "Bangili ya Shaba")
            slug = catalog.submit_for_review(s, artisan.id, product_id, NOW).slug
            assert slug is not None
            assert slug.startswith("bangili-ya-shaba-")
            slugs.add(slug)
        assert len(slugs) == 5


@pytest.mark.parametrize(
    ("title", "base"),
    [
        ("Blue Glass-Bead Necklace!", "blue-glass-bead-necklace"),
        ("Hereni za Pembe (ñandú) ", "hereni-za-pembe-nandu"),
        ("💍✨", "piece"),
        ("word " * 30, "-".join(["word"] * 12)),
    ],
)
def test_slug_base_is_ascii_folded(title: str, base: str) -> None:
    assert catalog.slug_base(title) == base


# --- permissions ----------------------------------------------------------------------------


ARTISAN_ACTIONS: dict[str, Callable[[Session, int, int], object]] = {
    "update_details": lambda s, a, p: catalog.update_details(s, a, p, title="Mine now"),
    "set_price": lambda s, a, p: catalog.set_price(s, a, p, Money.of_major(10, "KES")),
    "set_stock": lambda s, a, p: catalog.set_stock(s, a, p, 9),
    "add_photo": lambda s, a, p: product_photos.add_photo(s, a, p, photo(99)),
    "submit_for_review": lambda s, a, p: catalog.submit_for_review(s, a, p, NOW),
    "withdraw_from_review": lambda s, a, p: catalog.withdraw_from_review(s, a, p, NOW),
    "archive": lambda s, a, p: catalog.archive(s, a, p),
}


@pytest.mark.parametrize("action", sorted(ARTISAN_ACTIONS))
def test_artisan_cannot_touch_another_artisans_product(
    uow_factory: UnitOfWorkFactory, action: str
) -> None:
    with uow_factory() as uow:
        s = uow.session
        owner, intruder = make_artisan(s), make_artisan(s)
        product_id = listed_draft(s, owner)
        before = s.execute(select(Product.__table__)).all()
        with pytest.raises(PermissionDenied) as raised:
            ARTISAN_ACTIONS[action](s, intruder.id, product_id)
        assert raised.value.user_id == intruder.user_id
        s.expire_all()
        assert s.execute(select(Product.__table__)).all() == before


@pytest.mark.parametrize("action", sorted(ARTISAN_ACTIONS))
def test_missing_product_is_not_found(uow_factory: UnitOfWorkFactory, action: str) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        with pytest.raises(NotFound):
            ARTISAN_ACTIONS[action](uow.session, artisan.id, 999_999)


def test_only_community_managers_review(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        mentor = make_user(s, roles=(Role.MENTOR,))
        product_id = listed_draft(s, artisan)
        catalog.submit_for_review(s, artisan.id, product_id, NOW)
        for call in (
            lambda: listing_review.approve(s, mentor.id, product_id, NOW),
            lambda: listing_review.reject(s, mentor.id, product_id, "no", NOW),
            lambda: listing_review.review_queue(s, mentor.id),
            lambda: listing_review.approve(s, artisan.user_id, product_id, NOW),
        ):
            with pytest.raises(PermissionDenied):
                call()
        assert status_of(s, product_id) == ProductStatus.PENDING_REVIEW


def test_manager_cannot_approve_own_listing(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        s.add(UserRole(user_id=artisan.user_id, role=Role.COMMUNITY_MANAGER))
        product_id = listed_draft(s, artisan)
        catalog.submit_for_review(s, artisan.id, product_id, NOW)
        with pytest.raises(PermissionDenied):
            listing_review.approve(s, artisan.user_id, product_id, NOW)


def test_suspended_artisan_cannot_create_drafts(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session, status=ArtisanStatus.SUSPENDED)
        with pytest.raises(PermissionDenied):
            catalog.create_draft(uow.session, artisan.id)
        with pytest.raises(NotFound):
            catalog.create_draft(uow.session, 999_999)


# --- details and price ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("details", "field", "reason"),
    [
        ({"title": "   "}, "title", "empty"),
        ({"title": "x" * 81}, "title", "too_long"),
        ({"description": "x" * 1001}, "description", "too_long"),
        ({"materials": ["brass"] * 11}, "materials", "too_many"),
        ({"materials": ["brass", " "]}, "materials", "empty"),
        ({"materials": "brass"}, "materials", "not_a_list"),
    ],
)
def test_details_are_validated(
    uow_factory: UnitOfWorkFactory, details: dict[str, object], field: str, reason: str
) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        product = catalog.create_draft(uow.session, artisan.id)
        with pytest.raises(InvalidProductDetail) as raised:
            catalog.update_details(uow.session, artisan.id, product.id, **details)  # type: ignore[arg-type]
        assert (raised.value.field, raised.value.reason) == (field, reason)


def test_details_are_cleaned(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        product = catalog.create_draft(uow.session, artisan.id)
        updated = catalog.update_details(
            uow.session,
            artisan.id,
            product.id,
            title="  Blue   necklace ",
            description=" Nice. ",
            materials=[" glass  beads ", "brass"],
        )
        assert (updated.title, updated.description, updated.materials) == (
            "Blue necklace",
            "Nice.",
            ["glass beads", "brass"],
        )
        assert updated.category is None  # untouched


@pytest.mark.parametrize(
    "status", [ProductStatus.PENDING_REVIEW, ProductStatus.ACTIVE, ProductStatus.SOLD_OUT]
)
def test_listed_details_are_frozen(uow_factory: UnitOfWorkFactory, status: ProductStatus) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        product = make_product(s, artisan, status=status, title="Approved title")
        with pytest.raises(ProductNotEditable):
            catalog.update_details(s, artisan.id, product.id, title="Sneaky plastic")
        with pytest.raises(ProductNotEditable):
            product_photos.add_photo(s, artisan.id, product.id, photo(5))


@pytest.mark.parametrize(
    ("price", "error"),
    [
        (Money(0, "KES"), InvalidProductDetail),
        (Money(-100, "KES"), InvalidProductDetail),
        (Money(50_000_001, "KES"), InvalidProductDetail),
        (Money(1500, "USD"), CurrencyMismatch),
    ],
)
def test_price_rules(uow_factory: UnitOfWorkFactory, price: Money, error: type[Exception]) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        product = catalog.create_draft(uow.session, artisan.id)
        with pytest.raises(error):
            catalog.set_price(uow.session, artisan.id, product.id, price)
        assert product.price_minor is None


def test_price_maximum_can_be_passed_in(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        product = catalog.create_draft(uow.session, artisan.id)
        price = Money.of_major(2000, "KES")
        catalog.set_price(uow.session, artisan.id, product.id, price, max_minor=200_000)
        with pytest.raises(InvalidProductDetail):
            catalog.set_price(uow.session, artisan.id, product.id, price, max_minor=199_999)


def test_archived_price_cannot_change(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        product = make_product(uow.session, artisan, status=ProductStatus.ARCHIVED)
        with pytest.raises(ProductNotEditable):
            catalog.set_price(uow.session, artisan.id, product.id, Money(100, "KES"))


# --- stock ----------------------------------------------------------------------------------


def test_stock_never_drops_below_reserved(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        product = make_product(s, artisan, stock=5)
        s.execute(update(Product).where(Product.id == product.id).values(stock_reserved=2))
        with pytest.raises(StockBelowReserved) as raised:
            catalog.set_stock(s, artisan.id, product.id, 1)
        assert (raised.value.requested, raised.value.reserved) == (1, 2)
        # Everything left is reserved: nothing to sell, so sold out.
        updated = catalog.set_stock(s, artisan.id, product.id, 2)
        assert (updated.stock_on_hand, updated.status) == (2, ProductStatus.SOLD_OUT)
        updated = catalog.set_stock(s, artisan.id, product.id, 4)
        assert (updated.stock_available, updated.status) == (2, ProductStatus.ACTIVE)


def test_stock_changes_are_committed(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        product = make_product(uow.session, artisan, stock=1)
        uow.commit()
    with uow_factory() as uow:
        catalog.set_stock(uow.session, artisan.id, product.id, 0)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        stored = uow.session.get(Product, product.id)
        assert stored is not None
        assert (stored.stock_on_hand, stored.status) == (0, ProductStatus.SOLD_OUT)


@pytest.mark.parametrize("on_hand", [-1, 10_001])
def test_stock_out_of_range(uow_factory: UnitOfWorkFactory, on_hand: int) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        product = make_product(uow.session, artisan)
        with pytest.raises(InvalidProductDetail):
            catalog.set_stock(uow.session, artisan.id, product.id, on_hand)


def test_archived_stock_cannot_change(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        product = make_product(uow.session, artisan, status=ProductStatus.ARCHIVED)
        with pytest.raises(ProductNotEditable):
            catalog.set_stock(uow.session, artisan.id, product.id, 3)


# --- photos ---------------------------------------------------------------------------------


def test_at_most_five_photos(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        product = catalog.create_draft(s, artisan.id)
        positions = [
            product_photos.add_photo(s, artisan.id, product.id, photo(n)).position
            for n in range(1, 6)
        ]
        assert positions == [0, 1, 2, 3, 4]
        with pytest.raises(TooManyPhotos):
            product_photos.add_photo(s, artisan.id, product.id, photo(6))


def test_photo_record_is_validated() -> None:
    with pytest.raises(ValueError, match="phash"):
        PhotoRecord(sha256="a" * 64, phash="xyz", width=1, height=1, keys={})
    with pytest.raises(ValueError, match="sha256"):
        PhotoRecord(sha256="A" * 64, phash="0" * 16, width=1, height=1, keys={})
    with pytest.raises(ValueError, match="size"):
        PhotoRecord(sha256="a" * 64, phash="0" * 16, width=0, height=1, keys={})


def test_find_similar_photos(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan, other = make_artisan(s), make_artisan(s)
        mine = catalog.create_draft(s, artisan.id)
        product_photos.add_photo(s, artisan.id, mine.id, photo(1, phash="ffff0000ffff0000"))
        theirs = catalog.create_draft(s, other.id)
        product_photos.add_photo(s, other.id, theirs.id, photo(2, phash="ffff0000ffff0007"))
        retired = make_product(s, artisan, status=ProductStatus.ARCHIVED)
        s.add(
            ProductPhoto(
                product_id=retired.id,
                position=0,
                sha256=photo(3).sha256,
                phash="ffff0000ffff0000",
                width=1,
                height=1,
                keys={},
            )
        )
        s.flush()

        near = "ffff0000ffff0001"  # 1 bit from mine, 2 bits from theirs
        assert product_photos.find_similar_photos(s, artisan.id, near) == [mine.id]
        assert product_photos.find_similar_photos(s, None, near) == [mine.id, theirs.id]
        assert product_photos.find_similar_photos(s, None, near, 1) == [mine.id]
        far = "0000ffff0000ffff"
        assert product_photos.find_similar_photos(s, None, far) == []
        same_file = photo(2).sha256
        assert product_photos.find_similar_photos(s, None, far, sha256=same_file) == [theirs.id]
        assert product_photos.find_similar_photos(s, None, near, exclude_product_id=mine.id) == [
            theirs.id
        ]


# --- review queue ---------------------------------------------------------------------------


def test_review_queue_is_oldest_first_with_photos(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        manager = make_user(s, roles=(Role.COMMUNITY_MANAGER,))
        newer = listed_draft(s, artisan, "Newer")
        older = listed_draft(s, artisan, "Older")
        catalog.submit_for_review(s, artisan.id, newer, NOW)
        catalog.submit_for_review(s, artisan.id, older, NOW - timedelta(hours=1))
        make_product(s, artisan, status=ProductStatus.ACTIVE)
        uow.commit()
    with uow_factory(read_only=True) as uow:
        queue = listing_review.review_queue(uow.session, manager.id)
        # The photos came with the queue, not one lazy query per product.
        assert all("photos" not in inspect(p).unloaded for p in queue)
        assert [p.id for p in queue] == [older, newer]
        assert [len(p.photos) for p in queue] == [1, 1]
        assert queue[0].photos[0].keys["thumb"] == f"p/{older}/thumb.webp"


@pytest.mark.parametrize(
    ("status", "new_major", "after"),
    [
        (ProductStatus.ACTIVE, 1800, ProductStatus.ACTIVE),  # exactly a fifth more
        (ProductStatus.ACTIVE, 1200, ProductStatus.ACTIVE),  # exactly a fifth less
        (ProductStatus.ACTIVE, 1801, ProductStatus.PENDING_REVIEW),
        (ProductStatus.SOLD_OUT, 1199, ProductStatus.PENDING_REVIEW),
        (ProductStatus.PENDING_REVIEW, 9000, ProductStatus.PENDING_REVIEW),
        (ProductStatus.REJECTED, 9000, ProductStatus.REJECTED),  # not approved: no review yet
    ],
)
def test_a_price_changed_by_more_than_the_share_goes_back_to_review(
    uow_factory: UnitOfWorkFactory, status: ProductStatus, new_major: int, after: ProductStatus
) -> None:
    with uow_factory() as uow:
        artisan = make_artisan(uow.session)
        product = make_product(uow.session, artisan, price_minor=150_000, status=status)
        price = Money.of_major(new_major, "KES")
        catalog.set_price(
            uow.session, artisan.id, product.id, price, review_share=Decimal("0.2"), now=NOW
        )
        uow.commit()
        assert (product.status, product.price_minor) == (after, new_major * 100)
        if after is not status:
            assert product.submitted_at == NOW  # the queue's order: from now


def test_her_words_are_kept_and_read_as_canonical_codes(uow_factory: UnitOfWorkFactory) -> None:
    with uow_factory() as uow:
        s = uow.session
        artisan = make_artisan(s)
        product = catalog.create_draft(s, artisan.id)
        catalog.update_details(
            s, artisan.id, product.id, materials=["shanga za kioo nyekundu", "shaba", "sisi"]
        )
        catalog.update_details(s, artisan.id, product.id, title="Mkufu wa bluu")
        uow.commit()
    with uow_factory() as uow:
        saved = uow.session.get(Product, product.id)
        assert saved is not None
        assert saved.materials == ["shanga za kioo nyekundu", "shaba", "sisi"]
        assert saved.material_codes == ["glass_beads", "brass"]
        assert saved.colour_codes == ["red", "blue"]
