"""`GET /pay/demo/{code}` and `POST /pay/demo/{code}`: the demo card's pay page.

The demo card has no card form of its own, so the pay link the chat shows beside "Pay now
(demo card)" opens this page: in the buyer's language (her account's; `?lang=` or the
browser's otherwise), what she pays, and a button that pays through the provider's `confirm`
(the path a real provider's webhook takes); after it, the page says the order is paid. It
pays only orders whose channel the demo card serves (PAYMENTS_DEMO, no real provider): for
any other order, and for an unknown, paid or expired one, it says plainly why there is
nothing to pay here. It takes no money.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from conversations.flows import cart, checkout
from conversations.i18n import N_, SUPPORTED_LOCALES, Translator
from handlers.web.checkout_pages import ORDER_HEADING, YOUR_ORDER, back_links
from handlers.web.pages_render import PageLanguage, Pages
from store.models import Channel, Order, OrderStatus, User
from store.money import Money
from store.payment_port import PaymentProvider, confirmed_in_chat, takes_payments
from store.uow import UnitOfWorkFactory

PATH: Final = "/pay/demo/{code}"
_ORDER_CODE: Final = re.compile(r"^[A-Z0-9-]{1,16}$")

NOT_FOUND: Final = N_("We can't find this order. Please open the pay link from the chat again.")
PAY_WITH_DEMO_CARD: Final = N_("Pay {amount} with the demo card")
PAID: Final = N_(
    "Order {code} is paid. Thank you! The chat will tell you when your pieces are on their way."
)
# On WhatsApp the way to pay is a link in a message; on Telegram, a button.
PAY_IN_CHAT: Final = N_(
    "Please pay for order {code} in the chat, with the pay link or button we sent you there."
)
_PAID_STATUSES: Final = frozenset({OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED})


@dataclass(frozen=True)
class OrderView:
    code: str
    locale: str
    channel: Channel
    status: OrderStatus
    total: Money
    lines: tuple[tuple[int, str, Money], ...]  # quantity, title, line total


def demo_pay_routes(
    uow_factory: UnitOfWorkFactory,
    pages: Pages,
    payments: PaymentProvider,
    clock: Callable[[], datetime],
) -> list[Route]:
    def find(code: str) -> OrderView | None:
        with uow_factory(read_only=True) as uow:
            row = uow.session.execute(
                select(Order, User.locale)
                .join(User, User.id == Order.buyer_user_id)
                .where(Order.code == code)
            ).one_or_none()
            if row is None:
                return None
            order, locale = row
            return OrderView(
                order.code,
                locale,
                order.channel,
                order.status,
                Money(order.total_minor, order.currency),
                tuple(
                    (line.quantity, line.title, Money(line.line_total_minor, order.currency))
                    for line in order.lines
                ),
            )

    def pay(code: str) -> None:
        with uow_factory() as uow:
            order = uow.session.scalar(select(Order).where(Order.code == code))
            if order is None or order.status is not OrderStatus.PENDING_PAYMENT:
                return
            provider = confirmed_in_chat(payments, order.channel)
            if provider is None:
                return
            provider.confirm(uow.session, code, clock())  # once per order, however often
            uow.commit()

    async def lookup(request: Request) -> tuple[PageLanguage, str, OrderView | None]:
        language = pages.language(request)
        code = str(request.path_params["code"]).upper()
        found = await run_in_threadpool(find, code) if _ORDER_CODE.match(code) else None
        if found is not None and not language.explicit and found.locale in SUPPORTED_LOCALES:
            language = PageLanguage(found.locale, explicit=False)
        return language, code, found

    async def show(request: Request) -> Response:
        language, _, order = await lookup(request)
        if order is None:
            return not_found(language)
        return render(language, order)

    async def submit(request: Request) -> Response:
        language, code, order = await lookup(request)
        if order is None:
            return not_found(language)
        await run_in_threadpool(pay, code)
        # Back to the page, which now says how it went (reloading it pays nothing twice).
        return RedirectResponse(language.href(PATH.format(code=code)), status_code=303)

    def not_found(language: PageLanguage) -> Response:
        message = Translator(language.locale)._(NOT_FOUND)
        context = page(YOUR_ORDER, "", message, back=[])
        return pages.render("demo_pay.html", language, context, status_code=404, cache_seconds=0)

    def render(language: PageLanguage, order: OrderView) -> Response:
        t = Translator(language.locale)
        code = order.code
        back = back_links(pages, order.channel)
        payable_here = confirmed_in_chat(payments, order.channel) is not None
        if order.status in _PAID_STATUSES:
            context = page(ORDER_HEADING, code, t._(PAID).format(code=code), back)
        elif order.status is not OrderStatus.PENDING_PAYMENT:
            context = page(
                ORDER_HEADING, code, t._(checkout.NO_LONGER_WAITING).format(code=code), back
            )
        elif not takes_payments(payments, order.channel):
            context = page(
                ORDER_HEADING, code, t._(checkout.ORDER_NOT_PAYABLE).format(code=code), back
            )
        elif not payable_here:
            context = page(ORDER_HEADING, code, t._(PAY_IN_CHAT).format(code=code), back)
        else:
            locale = language.locale
            amount = order.total.format(locale)
            context = page(ORDER_HEADING, code, "", back)
            context["lines"] = [
                t._(cart.LINE).format(quantity=quantity, title=title, total=total.format(locale))
                for quantity, title, total in order.lines
            ]
            context["total"] = t._(checkout.TOTAL).format(amount=amount)
            context["pay_label"] = t._(PAY_WITH_DEMO_CARD).format(amount=amount)
            context["action"] = language.href(PATH.format(code=code))
        return pages.render(
            "demo_pay.html", language, context, cache_seconds=0, allow_forms=payable_here
        )

    return [
        Route(PATH, show, methods=["GET"], name="demo_pay"),
        Route(PATH, submit, methods=["POST"], name="demo_pay_submit"),
    ]


def page(
    heading: str, code: str, message: str, back: list[tuple[str, str, str]]
) -> dict[str, object]:
    """A page with a message and no form (the pay form adds its lines, total and button)."""
    return {
        "heading": heading,
        "code": code,
        "message": message,
        "back": back,
        "lines": [],
        "total": "",
        "pay_label": "",
        "action": "",
    }
