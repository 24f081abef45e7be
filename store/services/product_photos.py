"""A listing's photos, and noticing the same photo listed twice."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from store.errors import StoreError
from store.media.hashing import hamming_distance
from store.models import Product, ProductPhoto, ProductStatus
from store.services.catalog import editable_product

MAX_PHOTOS: Final = 5
DEFAULT_PHASH_DISTANCE: Final = 6
_HEX = re.compile(r"[0-9a-f]+")


class TooManyPhotos(StoreError):
    def __init__(self, product_id: int, limit: int) -> None:
        super().__init__(f"product {product_id} already has {limit} photos")
        self.product_id = product_id
        self.limit = limit


@dataclass(frozen=True, slots=True)
class PhotoRecord:
    """A photo the media pipeline has stored: its hashes, size and the keys of each rendition."""

    sha256: str
    phash: str
    width: int
    height: int
    keys: dict[str, str]
    telegram_file_id: str | None = None

    def __post_init__(self) -> None:
        if len(self.sha256) != 64 or not _HEX.fullmatch(self.sha256):
            raise ValueError(f"sha256 must be 64 lowercase hex digits: {self.sha256!r}")
        if len(self.phash) != 16 or not _HEX.fullmatch(self.phash):
            raise ValueError(f"phash must be 16 lowercase hex digits: {self.phash!r}")
        if self.width <= 0 or self.height <= 0:
            raise ValueError(f"photo size must be positive: {self.width}x{self.height}")


def add_photo(
    session: Session, artisan_id: int, product_id: int, photo: PhotoRecord
) -> ProductPhoto:
    """Append a photo (the first one, at position 0, is the cover shown in browse)."""
    product = editable_product(session, artisan_id, product_id, "add a photo")
    count = session.scalar(
        select(func.count()).select_from(ProductPhoto).where(ProductPhoto.product_id == product.id)
    )
    if (count or 0) >= MAX_PHOTOS:
        raise TooManyPhotos(product.id, MAX_PHOTOS)
    record = ProductPhoto(
        product_id=product.id,
        position=count or 0,
        sha256=photo.sha256,
        phash=photo.phash,
        width=photo.width,
        height=photo.height,
        keys=dict(photo.keys),
        telegram_file_id=photo.telegram_file_id,
    )
    session.add(record)
    session.flush()
    return record


def find_similar_photos(
    session: Session,
    artisan_id: int | None,
    phash: str,
    max_distance: int = DEFAULT_PHASH_DISTANCE,
    *,
    sha256: str | None = None,
    exclude_product_id: int | None = None,
) -> list[int]:
    """Ids of non-archived products (one artisan's, or anyone's when ``artisan_id`` is None)
    with a photo that is the same picture: equal ``sha256`` or a perceptual hash within
    ``max_distance`` bits of ``phash``.

    The Hamming distance is computed here, not in SQL (neither database has it for hex text),
    over the hashes of the scope: cheap for one artisan, linear in the catalogue otherwise.
    """
    query = (
        select(ProductPhoto.product_id, ProductPhoto.sha256, ProductPhoto.phash)
        .join(Product, Product.id == ProductPhoto.product_id)
        .where(Product.status != ProductStatus.ARCHIVED)
    )
    if artisan_id is not None:
        query = query.where(Product.artisan_id == artisan_id)
    if exclude_product_id is not None:
        query = query.where(Product.id != exclude_product_id)
    matches = {
        product_id
        for product_id, other_sha, other_phash in session.execute(query)
        if other_sha == sha256 or hamming_distance(other_phash, phash) <= max_distance
    }
    return sorted(matches)
