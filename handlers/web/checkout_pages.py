"""`GET /checkout/success` and `/checkout/cancel`: where Stripe sends the buyer back.

Minimal on purpose (the web pages are another issue's): a short page that sends the buyer
back to the chat (Telegram deep link, wa.me link, whichever are configured). The order
itself is settled by the webhook, never by a visit to these pages.
"""

from __future__ import annotations

import html
import re
from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import Route

_ORDER_CODE = re.compile(r"^[A-Z0-9-]{1,16}$")

SUCCESS = "Thank you! Your payment is being confirmed; the chat will tell you when it is."
CANCELLED = "No payment was taken. Your order waits in the chat until its time runs out."


def chat_links(telegram_bot_username: str, whatsapp_number: str) -> list[tuple[str, str]]:
    links: list[tuple[str, str]] = []
    if telegram_bot_username:
        links.append(("Back to Telegram", f"https://t.me/{telegram_bot_username.lstrip('@')}"))
    digits = "".join(ch for ch in whatsapp_number if ch.isdigit())
    if digits:
        links.append(("Back to WhatsApp", f"https://wa.me/{digits}"))
    return links


def checkout_page_routes(telegram_bot_username: str = "", whatsapp_number: str = "") -> list[Route]:
    links = chat_links(telegram_bot_username, whatsapp_number)

    def page(message: str) -> Callable[[Request], Awaitable[Response]]:
        async def endpoint(request: Request) -> Response:
            code = request.query_params.get("order", "").upper()
            heading = f"Order {code}" if _ORDER_CODE.match(code) else "Your order"
            anchors = "".join(
                f'<p><a href="{html.escape(url)}">{html.escape(label)}</a></p>'
                for label, url in links
            )
            back = anchors or "<p>You can close this page and go back to the chat.</p>"
            body = (
                '<!doctype html><html><head><meta charset="utf-8">'
                '<meta name="viewport" content="width=device-width, initial-scale=1">'
                f"<title>{html.escape(heading)}</title></head><body>"
                f"<h1>{html.escape(heading)}</h1><p>{html.escape(message)}</p>{back}</body></html>"
            )
            return HTMLResponse(body, headers={"Cache-Control": "no-store"})

        return endpoint

    return [
        Route("/checkout/success", page(SUCCESS), methods=["GET"], name="checkout_success"),
        Route("/checkout/cancel", page(CANCELLED), methods=["GET"], name="checkout_cancel"),
    ]
