"""`GET /checkout/success` and `/checkout/cancel`: where a payment page sends the buyer back.

A short page in the buyer's language (her account's, found through the order; `?lang=` or
the browser's otherwise) that sends her back to the chat she ordered in. The order itself is
settled by the provider's webhook, never by a visit to these pages, and the page shows nothing
of the order but its code.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from typing import Final

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from conversations import links
from conversations.i18n import N_, SUPPORTED_LOCALES
from handlers.web.pages_render import PageLanguage, Pages
from store.models import Channel, Order, User
from store.uow import UnitOfWorkFactory

_ORDER_CODE: Final = re.compile(r"^[A-Z0-9-]{1,16}$")

SUCCESS: Final = N_(
    "Thank you! Your payment is being confirmed; the chat will tell you when it is."
)
CANCELLED: Final = N_("No payment was taken. Your order waits in the chat until its time runs out.")
ORDER_HEADING: Final = N_("Order {code}")
YOUR_ORDER: Final = N_("Your order")
BACK_TO_TELEGRAM: Final = N_("Back to Telegram")
BACK_TO_WHATSAPP: Final = N_("Back to WhatsApp")


def checkout_page_routes(uow_factory: UnitOfWorkFactory, pages: Pages) -> list[Route]:
    def buyer(code: str) -> tuple[str, Channel] | None:
        """The buyer's language and the channel she ordered in."""
        with uow_factory(read_only=True) as uow:
            row = uow.session.execute(
                select(User.locale, Order.channel)
                .join(User, User.id == Order.buyer_user_id)
                .where(Order.code == code)
            ).one_or_none()
        return (row.locale, row.channel) if row is not None else None

    def page(message: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            language = pages.language(request)
            code = request.query_params.get("order", "").upper()
            known = _ORDER_CODE.match(code) is not None
            found = await run_in_threadpool(buyer, code) if known else None
            channel = None
            if found is not None:
                locale, channel = found
                if not language.explicit and locale in SUPPORTED_LOCALES:
                    language = PageLanguage(locale, explicit=False)
            return pages.render(
                "checkout.html",
                language,
                {
                    "message": message,
                    "heading": ORDER_HEADING if known else YOUR_ORDER,
                    "code": code if known else "",
                    "back": back_links(pages, channel),
                },
                cache_seconds=0,
            )

        return endpoint

    return [
        Route("/checkout/success", page(SUCCESS), methods=["GET"], name="checkout_success"),
        Route("/checkout/cancel", page(CANCELLED), methods=["GET"], name="checkout_cancel"),
    ]


def back_links(pages: Pages, channel: Channel | None) -> list[tuple[str, str, str]]:
    """(channel, label, url) for the chats to go back to: the one she ordered in, if known."""
    site = pages.site
    chats = links.chat_links(site.telegram_bot_username, site.whatsapp_number)
    found: list[tuple[str, str, str]] = []
    if chats.telegram and channel in (None, Channel.TELEGRAM):
        found.append(("telegram", BACK_TO_TELEGRAM, chats.telegram))
    if chats.whatsapp and channel in (None, Channel.WHATSAPP):
        found.append(("whatsapp", BACK_TO_WHATSAPP, chats.whatsapp))
    if not found and channel is not None:  # e.g. ordered in the web chat: offer both
        return back_links(pages, None)
    return found
