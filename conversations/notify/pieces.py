"""The piece a notice is about, shown with it: its cover photo (the first one)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from conversations.messages import ImageRef
from store.models import ProductPhoto


def cover_image(session: Session, product_id: int) -> ImageRef | None:
    """The piece's cover photo at a size a phone shows well, or None when it has none."""
    keys = session.scalars(
        select(ProductPhoto.keys)
        .where(ProductPhoto.product_id == product_id)
        .order_by(ProductPhoto.position)
        .limit(1)
    ).first()
    if not keys:
        return None
    key = keys.get("medium") or keys.get("large")
    return ImageRef(key=key) if isinstance(key, str) and key else None
