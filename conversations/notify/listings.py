"""What an artisan is told when a community manager has reviewed her listing, in her language.

Common rejection reasons are stored as their English message (a `REASONS` key), so each
person reads them in her own language: the artisan here and in "My pieces", whatever language
the manager chose them in. A reason typed by hand is shown as typed.
"""

from __future__ import annotations

from typing import Final

from conversations import links
from conversations.flow import StepContext
from conversations.i18n import N_, Translator
from conversations.messages import LinkButton, Outbound
from conversations.notify.pieces import cover_image
from store.models import Product
from store.services.materials import check_codes

APPROVED: Final = N_("Good news! Your {title} is live! Share it: {link}")
SHARE: Final = N_("Open the page")
REJECTED: Final = N_("Your {title} was not accepted yet.\nReason: {reason}\n{fix}")
RESUBMIT: Final = N_(
    "Change it and send it for review again: open “My pieces”, pick it and choose "
    "“Continue in List a piece”."
)

# A rule of Soko's standards her materials go against, as the standards name it.
RULE: Final = N_("Soko’s rule: {rule}")

PLASTIC: Final = N_("Plastic or pre-made materials")
PHOTO: Final = N_("Photo not clear")
PRICE: Final = N_("Price looks wrong")
# Each common reason with the advice that goes with it.
REASONS: Final = {
    PLASTIC: N_(
        "Soko sells handmade pieces from natural or upcycled materials: glass beads, brass, "
        "horn, bone, wood. Plastic and ready-made parts are not accepted."
    ),
    PHOTO: N_("Take a new photo in daylight, close to the piece, on a plain background."),
    PRICE: N_("Check the price: it is in Kenyan shillings, for example 1500."),
}


def product_link(ctx: StepContext, product: Product) -> str:
    """The piece's public page (`/p/{slug}`)."""
    return links.product_page_url(ctx.market.config.public_base_url, product.slug, product.id)


def reason_text(t: Translator, reason: str) -> str:
    """A stored rejection reason in the reader's language (common ones are translated)."""
    return t._(reason) if reason in REASONS else reason


def listing_approved(ctx: StepContext, product: Product, artisan_user_id: int) -> None:
    title, link = product.title, product_link(ctx, product)
    image = cover_image(ctx.session, product.id)

    def message(t: Translator) -> Outbound:
        return Outbound(
            text=t._(APPROVED).format(title=title, link=link),
            image=image,
            links=(LinkButton(t._(SHARE), link),),
        )

    ctx.notify(artisan_user_id, message)


def listing_rejected(ctx: StepContext, product: Product, artisan_user_id: int) -> None:
    title, reason = product.title, product.rejection_reason
    image = cover_image(ctx.session, product.id)
    # Turned down for its materials: the rules they go against, each once.
    flagged = check_codes(product.material_codes).refused if reason == PLASTIC else ()
    rules = list({flag.rule.code: flag.rule for flag in flagged}.values())

    def message(t: Translator) -> Outbound:
        advice = t._(REASONS[reason]) + "\n" if reason in REASONS else ""
        advice += "".join(t._(RULE).format(rule=rule.title_in(t.locale)) + "\n" for rule in rules)
        fix = advice + t._(RESUBMIT)
        return Outbound(
            text=t._(REJECTED).format(title=title, reason=reason_text(t, reason), fix=fix),
            image=image,
        )

    ctx.notify(artisan_user_id, message)
