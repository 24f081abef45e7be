"""`soko admin …`: the community managers' money commands.

    soko admin payouts                              what each artisan is owed
    soko admin payouts --csv FILE                   … exported as CSV
    soko admin payouts --record SLUG AMOUNT REF     record an M-Pesa payout (she is told in chat)
    soko admin payouts --send [SLUG…]               pay by M-Pesa (B2C) what each is owed
    soko admin refund CODE [--line N] [--amount X]  refund an order, or part of one line
    soko admin refund CODE --retry                  ask again for a refund the provider refused
    soko admin refund CODE --manual REFERENCE       close a refund owed sent back by hand
          [--charge CHARGE_ID]                      … the one of that charge, when several
    soko admin reconcile [--days N]                 repair what missed provider webhooks left
    soko admin jobs                                 the scheduler's jobs and their next run
    soko admin jobs run NAME                        run one job now, once (`admin_jobs`)
    soko admin roles list|grant|revoke              who may do what (`admin_roles`)
    soko admin failed [--limit N]                   updates parked as failed (`admin_failed`)

Every one first checks the database as the serving commands do (`bot.lifecycle`), but never
creates it: on a database not there yet or empty it says so in one line (exit status 1).

Whoever runs a money command acts as a community manager: ``--by PHONE`` (default: the first
of ADMIN_PHONES), her phone or the WhatsApp number she writes from (never a shop's M-Pesa
number, which nobody checks), re-checked by the services.

Refunds and reconcile go through the payment providers' hooks (`bot/plugin.py`): the order's
own provider refunds it, and each provider that is on reconciles. For a provider without a
refund API (Telegram invoices) a refund is owed instead (`store.services.refunds_owed`): the
command records the one a manager decides, she sends the money back in the provider's
dashboard, and ``--manual REFERENCE`` closes it (``--charge`` picks one of several open).
"""

from __future__ import annotations

import argparse
import csv
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.commands import admin_failed, admin_jobs, admin_roles
from bot.container import Container
from bot.effects import run_due_effects
from bot.lifecycle import database_ready
from bot.plugin import AdminError, ProviderPlugin, Refunds
from bot.plugins import PROVIDERS, providers
from bot.settings import load_settings
from conversations.notify import payouts as payout_notices
from payments.refunds import Outcome, RefusedRequest, Requested
from store.errors import NotFound, PermissionDenied, StoreError
from store.models import Artisan, Order, Role, User
from store.models.types import utcnow
from store.money import Money
from store.phones import shown_phone
from store.services import ledger, refunds_owed
from store.services.directory import person_verified_by
from store.services.people import normalize_phone


def register(subparsers: Any) -> None:
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "admin", help="payouts, refunds, reconcile, scheduled jobs, roles, failed updates"
    )
    actions = parser.add_subparsers(dest="admin_action", required=True, metavar="ACTION")

    payouts = actions.add_parser("payouts", help="what artisans are owed; pay or record payouts")
    payouts.add_argument("--record", nargs=3, metavar=("ARTISAN_SLUG", "AMOUNT", "MPESA_REF"))
    payouts.add_argument(
        "--send",
        nargs="*",
        metavar="ARTISAN_SLUG",
        help="pay by M-Pesa each artisan's available balance (all owed, or those named)",
    )
    payouts.add_argument("--csv", type=Path, metavar="FILE", help="export the list as CSV")
    payouts.add_argument("--by", metavar="PHONE", help="the community manager recording it")
    payouts.set_defaults(handler=lambda args: _run(_payouts, args))

    refund = actions.add_parser("refund", help="refund a paid order or part of a line")
    refund.add_argument("order_code")
    refund.add_argument("--line", type=int, metavar="N", help="line number (1 = first)")
    refund.add_argument("--amount", metavar="X", help="in the order's currency, e.g. 12.50")
    refund.add_argument(
        "--retry",
        action="store_true",
        help="ask again for the order's refunds the provider refused (same amounts)",
    )
    refund.add_argument(
        "--manual",
        metavar="REFERENCE",
        help="close the order's refund owed, sent back by hand (the provider's refund reference)",
    )
    refund.add_argument(
        "--charge",
        metavar="CHARGE_ID",
        help="with --manual: the refund owed to close, when the order has several open",
    )
    refund.add_argument("--reason", default="community manager decision")
    refund.add_argument("--by", metavar="PHONE", help="the community manager deciding it")
    refund.set_defaults(handler=lambda args: _run(_refund, args))

    rec = actions.add_parser("reconcile", help="compare providers with the database and repair")
    rec.add_argument("--days", type=int, default=3, help="look back this many days")
    rec.set_defaults(handler=lambda args: _run(_reconcile, args))

    admin_jobs.register(actions, _run)

    admin_roles.register(actions)
    admin_failed.register(actions)


def _run(command: Any, args: argparse.Namespace) -> int:
    container = Container(load_settings(), process="soko-admin")
    try:
        if not database_ready(container, create=False):
            return 1
        result: int = command(container, args, sys.stdout)
        return result
    except (StoreError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except AdminError as exc:  # a provider refused; nothing was written
        print(f"error: {exc}", file=sys.stderr)
        return 1
    finally:
        container.close()


# --- payouts ------------------------------------------------------------------------------


def _payouts(container: Container, args: argparse.Namespace, out: TextIO) -> int:
    currency = container.settings.artisan_currency
    if args.send is not None:
        if args.record:
            raise ValueError("--send and --record are two ways to pay: one at a time")
        return _send_payouts(container, args, out)
    if args.record:
        slug, amount_text, reference = args.record
        with container.uow_factory() as uow:
            manager = _manager(uow.session, container, args.by)
            artisan = _artisan(uow.session, slug)
            amount = _money(amount_text, currency)
            payout = ledger.record_payout(
                uow.session, artisan.id, amount, reference, manager.id, utcnow()
            )
            payout_notices.payout_sent(
                uow.session, payout, utcnow(), container.settings.artisan_timezone
            )
            uow.commit()
        print(f"recorded payout {payout.id}: {_plain(amount)} to {slug} ({reference})", file=out)
    rows = _owed(container, currency)
    if args.csv:
        with args.csv.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(["artisan_slug", "shop_name", "mpesa_phone", "amount", "currency"])
            for artisan, owed in rows:
                writer.writerow(
                    [
                        artisan.slug,
                        artisan.shop_name,
                        artisan.mpesa_phone or "",
                        owed.to_decimal(),
                        currency,
                    ]
                )
        print(f"wrote {len(rows)} rows to {args.csv}", file=out)
    elif not args.record:
        if not rows:
            print("nobody is owed anything", file=out)
        for artisan, owed in rows:
            phone = shown_phone(artisan.mpesa_phone) if artisan.mpesa_phone else "no M-Pesa number"
            print(
                f"{artisan.slug:<24} {_plain(owed):>16}  {phone}  {artisan.shop_name}",
                file=out,
            )
        _list_pending(container, currency, out)
        _list_sent(container, out)
    return 0


def _send_payouts(container: Container, args: argparse.Namespace, out: TextIO) -> int:
    """Queue the payouts through the provider that sends them, then send them now (each
    call after the commit that queued it); M-Pesa's results come to the shop's webhook."""
    desk = next((p.payouts() for p in providers(container) if p.payouts() is not None), None)
    if desk is None:
        able = [p for p in PROVIDERS if p.payout_setting]
        for provider in able:
            print(
                f"error: {provider.title} payouts are off: set {provider.payout_setting}",
                file=sys.stderr,
            )
        if not able:
            print("error: no payment provider here sends payouts", file=sys.stderr)
        return 2
    with container.uow_factory(read_only=True) as uow:
        manager_id = _manager(uow.session, container, args.by).id
    now = utcnow()
    for line in desk.send(args.send, manager_id, now):
        print(line, file=out)
    print(f"requests sent: {run_due_effects(container, now)}", file=out)
    return 0


def _list_sent(container: Container, out: TextIO) -> None:
    zone = ZoneInfo(container.settings.artisan_timezone)
    for plugin in providers(container):
        desk = plugin.payouts()
        if desk is None:
            continue
        with container.uow_factory(read_only=True) as uow:
            lines = desk.listing(uow.session, zone)
        for line in lines:
            print(line, file=out)


def _list_pending(container: Container, currency: str, out: TextIO) -> None:
    """Shares paid for and not delivered yet: not payable, shown apart."""
    with container.uow_factory(read_only=True) as uow:
        pending = ledger.pending_to_artisans(uow.session, currency)
        if not pending:
            return
        artisans = uow.session.scalars(
            select(Artisan).where(Artisan.id.in_(pending)).order_by(Artisan.slug)
        ).all()
        print("pending until delivered (not payable yet):", file=out)
        for artisan in artisans:
            print(f"{artisan.slug:<24} {_plain(pending[artisan.id]):>16}", file=out)


def _owed(container: Container, currency: str) -> list[tuple[Artisan, Money]]:
    with container.uow_factory(read_only=True) as uow:
        owed = ledger.owed_to_artisans(uow.session, currency)
        artisans = {
            artisan.id: artisan
            for artisan in uow.session.scalars(
                select(Artisan).where(Artisan.id.in_([artisan_id for artisan_id, _ in owed]))
            )
        }
        return [(artisans[artisan_id], amount) for artisan_id, amount in owed]


# --- refunds ------------------------------------------------------------------------------


def _refund(container: Container, args: argparse.Namespace, out: TextIO) -> int:
    if args.manual is not None:
        return _refund_by_hand(container, args, out)
    if args.charge is not None:
        raise ValueError("--charge picks the refund owed that --manual closes")
    if args.retry and (args.line is not None or args.amount is not None):
        raise ValueError("--retry asks again for refused refunds as they were: no --line, --amount")
    with container.uow_factory(read_only=True) as uow:
        provider = _provider_of(container, _order(uow.session, args.order_code))
    if isinstance(provider, int):
        return provider
    plugin, desk = provider
    if desk is None:
        return _owe_by_hand(container, args, plugin.title, out)
    now = utcnow()
    with container.uow_factory() as uow:
        _manager(uow.session, container, args.by)
        order = _order(uow.session, args.order_code)
        if args.retry:
            asked = desk.retry(uow.session, order, now)
        else:
            line_id = None
            if args.line is not None:
                if not 1 <= args.line <= len(order.lines):
                    raise NotFound("order line", args.line)
                line_id = order.lines[args.line - 1].id
            amount = _money(args.amount, order.currency) if args.amount else None
            asked = [desk.refund(uow.session, order, line_id, amount, args.reason, now)]
        code = order.code
        uow.commit()
    run_due_effects(container, now)  # the refund goes out now, or the effect runner retries it
    with container.uow_factory(read_only=True) as uow:
        order = _order(uow.session, code)
        outcomes = [(request, desk.outcome(uow.session, request.request_id)) for request in asked]
        refused = desk.refused(uow.session, order)
    return _told(plugin.title, code, outcomes, refused, out)


def _refund_by_hand(container: Container, args: argparse.Namespace, out: TextIO) -> int:
    if args.retry or args.line is not None or args.amount is not None:
        raise ValueError(
            "--manual closes the refund owed as recorded: no --retry, --line, --amount"
        )
    with container.uow_factory() as uow:
        manager = _manager(uow.session, container, args.by)
        order = _order(uow.session, args.order_code)
        closed = refunds_owed.close_by_hand(
            uow.session, order, args.manual, manager.id, utcnow(), charge_id=args.charge
        )
        code = order.code
        uow.commit()
    reference = args.manual.strip()
    for refund in closed:
        if not refund.newly:
            print(
                f"the refund owed of {_plain(refund.amount)} on order {code} was closed with"
                f" {reference} before: nothing more to do",
                file=out,
            )
            continue
        print(
            f"closed the refund owed of {_plain(refund.amount)} on order {code}"
            f" with reference {reference}; the buyer is told in the chat",
            file=out,
        )
        if refund.reversed_now is not None:
            print(f"ledger: the sale reversed ({_plain(refund.reversed_now)})", file=out)
        elif refund.reversed_before:
            print("ledger: the sale was reversed when the buyer cancelled", file=out)
        else:
            print(
                f"ledger: nothing to reverse: order {code} was never paid with this payment",
                file=out,
            )
    return 0


def _owe_by_hand(container: Container, args: argparse.Namespace, provider: str, out: TextIO) -> int:
    """A refund a manager decides for a provider without a refund API: recorded as owed,
    reversed in the ledger once she has sent the money back and closed it."""
    if args.retry:
        raise ValueError(f"{provider} refunds are sent by hand: there is nothing to ask again")
    with container.uow_factory() as uow:
        manager = _manager(uow.session, container, args.by)
        order = _order(uow.session, args.order_code)
        line_id = None
        if args.line is not None:
            if not 1 <= args.line <= len(order.lines):
                raise NotFound("order line", args.line)
            line_id = order.lines[args.line - 1].id
        amount = _money(args.amount, order.currency) if args.amount else None
        owed = refunds_owed.record_by_manager(
            uow.session, order, line_id, amount, manager.id, utcnow()
        )
        code = order.code
        uow.commit()
    print(
        f"recorded a refund owed of {_plain(owed.amount)} on order {code}"
        f" (charge {owed.charge_id}): {provider} payments have no refund API",
        file=out,
    )
    print(
        f"next: refund the buyer {_plain(owed.amount)} in your payment provider's dashboard,"
        f" then run: soko admin refund {code} --manual REFERENCE",
        file=out,
    )
    return 0


def _told(
    provider: str,
    code: str,
    outcomes: list[tuple[Requested, Outcome]],
    refused: list[RefusedRequest],
    out: TextIO,
) -> int:
    """What became of the requests this command made, then (apart) the order's earlier
    refunds the provider refused that still wait for a person."""
    asked = {request.request_id for request, _ in outcomes}
    errors = {r.request_id: r.error for r in refused if r.request_id in asked}
    status = 0
    for request, outcome in outcomes:
        if outcome is Outcome.REFUSED:
            error = errors.get(request.request_id, "")
            print(f"error: {provider} refused a refund of order {code}: {error}", file=out)
            print(
                "the ledger holds the reversal but no money went back: a person must look"
                f" (to ask again: soko admin refund {code} --retry)",
                file=out,
            )
            status = 1
            continue
        print(f"refunded {_plain(request.amount)} on order {code}", file=out)
        if outcome is Outcome.PENDING:
            print(
                f"{provider} has not taken the refund yet; it is sent when {provider} answers",
                file=out,
            )
    earlier = [r for r in refused if r.request_id not in asked]
    if earlier:
        amounts = ", ".join(_plain(r.amount) for r in earlier)
        print(
            f"note: earlier refunds of order {code} that {provider} refused still wait for a"
            f" person ({amounts}): soko admin refund {code} --retry asks again",
            file=out,
        )
    return status


def _order(session: Session, code: str) -> Order:
    order = session.scalar(select(Order).where(Order.code == code.strip().upper()))
    if order is None:
        raise NotFound("order", code)
    return order


def _provider_of(container: Container, order: Order) -> tuple[ProviderPlugin, Refunds | None] | int:
    """The plug-in the order was paid with and its refunds (None: it has no refund API, a
    refund is owed by hand), or the exit status after saying why there are none."""
    registered = next((p for p in PROVIDERS if p.pays_as == order.payment_provider), None)
    if registered is None:
        paid_with = order.payment_provider or "nothing"
        print(
            f"error: order {order.code} cannot be refunded: paid with {paid_with}", file=sys.stderr
        )
        return 1
    plugin = next((p for p in providers(container) if isinstance(p, registered)), None)
    if plugin is None:
        print(
            f"error: {registered.title} is not configured ({registered.setting})", file=sys.stderr
        )
        return 2
    return plugin, plugin.refunds()


# --- reconcile ----------------------------------------------------------------------------


def _reconcile(container: Container, args: argparse.Namespace, out: TextIO) -> int:
    now = utcnow()
    since = now - timedelta(days=args.days)

    def run_effects() -> int:
        return run_due_effects(container, now)

    reports = [
        report
        for plugin in providers(container)
        if (report := plugin.reconcile(since, now, run_effects)) is not None
    ]
    if not reports:
        able = [p for p in PROVIDERS if p.reconcile is not ProviderPlugin.reconcile]
        for provider in able:
            print(
                f"error: {provider.title} is not configured ({provider.setting})", file=sys.stderr
            )
        if not able:
            print("error: no payment provider here has anything to reconcile", file=sys.stderr)
        return 2
    for report in reports:
        for line in report.lines:
            print(line, file=out)
    return 0 if all(report.ok for report in reports) else 1


# --- shared -------------------------------------------------------------------------------


def _manager(session: Session, container: Container, phone: str | None) -> User:
    """The community manager this number is proven to be (`directory.person_verified_by`:
    her phone or the WhatsApp number she writes from, never a shop's M-Pesa number)."""
    wanted = phone or next(iter(container.settings.admin_phones), "")
    user = person_verified_by(session, wanted) if normalize_phone(wanted) else None
    if user is None:
        raise ValueError(f"no person with the phone {wanted!r} (use --by PHONE)")
    if not user.has_role(Role.COMMUNITY_MANAGER):
        raise PermissionDenied("act as a community manager", user.id)
    return user


def _artisan(session: Session, slug: str) -> Artisan:
    artisan = session.scalar(select(Artisan).where(Artisan.slug == slug))
    if artisan is None:
        raise NotFound("artisan", slug)
    return artisan


def _money(text: str, currency: str) -> Money:
    return Money.of_major(text.replace(",", "").strip(), currency)  # InvalidAmount, Inexact…


def _plain(money: Money) -> str:
    """For operators and their spreadsheets: "1500.00 KES"."""
    return f"{money.to_decimal()} {money.currency}"
