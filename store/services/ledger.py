"""The append-only ledger: every business event is one balanced transaction.

A positive amount is owed *to* the account's holder. Within a transaction the entries of each
currency sum to zero; the ``fx:conversion`` account bridges the buyer's currency and the
artisans' (a sale in USD pays shares in KES). Balances are sums of entries, never stored.
There is deliberately no function that updates or deletes an entry: a mistake is corrected
by a new (adjustment) transaction.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, true
from sqlalchemy.orm import Session, selectinload

from store.errors import CurrencyMismatch, NotFound, StoreError
from store.models import (
    Artisan,
    LedgerEntry,
    LedgerTransaction,
    MpesaPayout,
    Order,
    OrderLine,
    OrderStatus,
    Payout,
    PayoutStatus,
    TransactionKind,
)
from store.models.mpesa_payouts import IN_FLIGHT
from store.money import Money
from store.savepoints import add_unless_taken
from store.services import permissions
from store.services.audit import Actor

PLATFORM_FEES = "platform:fees"
PLATFORM_SHIPPING = "platform:shipping"  # what buyers paid for shipping: the carrier's due
FX = "fx:conversion"
PAYOUTS_MPESA = "cash:mpesa"
_PAID_STATUSES = (OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.DELIVERED)
_MPESA_REFERENCE = re.compile(r"^[A-Z0-9]{1,32}$")


def artisan_account(artisan_id: int) -> str:
    return f"artisan:{artisan_id}"


def mentor_account(artisan_id: int) -> str:
    return f"mentor:{artisan_id}"


def pending_artisan_account(artisan_id: int) -> str:
    """Her share of a sale not delivered yet (or not passed at the hub): not payable."""
    return f"pending:{artisan_account(artisan_id)}"


def pending_mentor_account(artisan_id: int) -> str:
    return f"pending:{mentor_account(artisan_id)}"


def provider_account(name: str) -> str:
    return f"provider:{name or 'unknown'}"


@dataclass(frozen=True, slots=True)
class Entry:
    account: str
    money: Money


@dataclass(frozen=True, slots=True)
class StatementLine:
    transaction_id: int
    kind: TransactionKind
    created_at: datetime
    memo: str
    amount: Money
    order_id: int | None
    payout_id: int | None


class LedgerError(StoreError):
    """Root of the ledger's errors."""


class UnbalancedTransaction(LedgerError):
    def __init__(self, sums: dict[str, int]) -> None:
        super().__init__(f"entries do not sum to zero: {sums}")
        self.sums = sums


class EmptyTransaction(LedgerError):
    def __init__(self, idempotency_key: str) -> None:
        super().__init__(f"transaction {idempotency_key!r} has no non-zero entries")
        self.idempotency_key = idempotency_key


class OrderNotPaid(LedgerError):
    def __init__(self, order_id: int, status: str) -> None:
        super().__init__(f"order {order_id} is {status}, not paid")
        self.order_id = order_id
        self.status = status


class InconsistentOrderLine(LedgerError):
    def __init__(self, line_id: int, reason: str) -> None:
        super().__init__(f"order line {line_id}: {reason}")
        self.line_id = line_id
        self.reason = reason


class SaleNotRecorded(LedgerError):
    def __init__(self, order_id: int) -> None:
        super().__init__(f"no sale recorded for order {order_id}")
        self.order_id = order_id


class RefundTooLarge(LedgerError):
    def __init__(self, line_id: int, requested: Money, refundable: Money) -> None:
        super().__init__(f"line {line_id}: refund {requested} exceeds refundable {refundable}")
        self.line_id = line_id
        self.requested = requested
        self.refundable = refundable


class NonPositiveAmount(LedgerError):
    def __init__(self, amount: Money) -> None:
        super().__init__(f"amount must be positive: {amount}")
        self.amount = amount


class InsufficientBalance(LedgerError):
    def __init__(self, artisan_id: int, requested: Money, available: Money) -> None:
        super().__init__(f"artisan {artisan_id}: payout {requested} exceeds {available}")
        self.artisan_id = artisan_id
        self.requested = requested
        self.available = available


class InvalidReference(LedgerError):
    def __init__(self, reference: str) -> None:
        super().__init__(f"not an M-Pesa reference: {reference!r}")
        self.reference = reference


class PayoutReferenceConflict(LedgerError):
    """The M-Pesa reference is already recorded for a different artisan or amount."""

    def __init__(self, reference: str, payout_id: int) -> None:
        super().__init__(f"M-Pesa reference {reference} already used by payout {payout_id}")
        self.reference = reference
        self.payout_id = payout_id


# --- posting ------------------------------------------------------------------------------


def post(
    session: Session,
    kind: TransactionKind,
    idempotency_key: str,
    entries: Iterable[Entry],
    *,
    order_id: int | None = None,
    payout_id: int | None = None,
    memo: str = "",
) -> LedgerTransaction:
    """Write one balanced transaction, or return the one already posted under the key.

    Entries for the same account and currency are combined and zero amounts dropped.
    Raises ``UnbalancedTransaction`` (sums per currency) or ``EmptyTransaction``.
    """
    combined: dict[tuple[str, str], int] = defaultdict(int)
    for entry in entries:
        combined[(entry.account, entry.money.currency)] += entry.money.amount
    sums: dict[str, int] = defaultdict(int)
    for (_, currency), amount in combined.items():
        sums[currency] += amount
    if any(sums.values()):
        raise UnbalancedTransaction(dict(sums))
    lines = [(account, cur, amount) for (account, cur), amount in combined.items() if amount]
    if not lines:
        raise EmptyTransaction(idempotency_key)

    existing = _transaction_by_key(session, idempotency_key)
    if existing is not None:
        return existing
    transaction = LedgerTransaction(
        kind=kind,
        idempotency_key=idempotency_key,
        order_id=order_id,
        payout_id=payout_id,
        memo=memo,
    )
    transaction.entries = [
        LedgerEntry(account=account, currency=currency, amount_minor=amount)
        for account, currency, amount in lines
    ]
    if not add_unless_taken(session, transaction):
        # A concurrent unit of work posted the same key first; its transaction stands.
        existing = _transaction_by_key(session, idempotency_key)
        if existing is None:
            raise LookupError(f"ledger key {idempotency_key!r} clashed but is not found")
        return existing
    return transaction


def _transaction_by_key(session: Session, key: str) -> LedgerTransaction | None:
    return session.scalars(
        select(LedgerTransaction)
        .where(LedgerTransaction.idempotency_key == key)
        .options(selectinload(LedgerTransaction.entries))
    ).one_or_none()


def transaction_is_balanced(transaction: LedgerTransaction) -> bool:
    sums: dict[str, int] = defaultdict(int)
    for entry in transaction.entries:
        sums[entry.currency] += entry.amount_minor
    return not any(sums.values())


def unbalanced_transaction_ids(session: Session) -> list[int]:
    """For reconciliation: transactions whose entries do not sum to zero in some currency."""
    rows = session.scalars(
        select(LedgerEntry.transaction_id)
        .group_by(LedgerEntry.transaction_id, LedgerEntry.currency)
        .having(func.sum(LedgerEntry.amount_minor) != 0)
        .distinct()
    )
    return sorted(set(rows))


# --- business events ----------------------------------------------------------------------


def sale_key(order_id: int) -> str:
    return f"sale:order:{order_id}"


def record_sale(session: Session, order: Order) -> LedgerTransaction:
    """The buyer's payment, split: artisans' shares, mentors' commissions, the platform's fee.

    In the order's currency the provider owes the total, the platform earns each line's
    total minus its payout cost, shipping holds the order's shipping fee (never part of an
    artisan's share), and FX receives the payout costs; in each
    artisan currency FX pays the shares and commissions out, to the pending accounts: each
    line's part becomes payable when it is released (`release_line`). Idempotent per order.
    """
    if order.status not in _PAID_STATUSES:
        raise OrderNotPaid(order.id, order.status.value)
    sold = order.currency
    entries = [
        Entry(provider_account(order.payment_provider), Money(-order.total_minor, sold)),
        Entry(PLATFORM_SHIPPING, Money(order.shipping_minor, sold)),
    ]
    for line in order.lines:
        if line.mentor_id is None and line.mentor_commission_minor:
            raise InconsistentOrderLine(line.id, "commission without a mentor")
        payout = Money(
            line.artisan_share_minor + line.mentor_commission_minor, line.artisan_currency
        )
        entries += [
            Entry(FX, Money(line.payout_cost_minor, sold)),
            Entry(PLATFORM_FEES, Money(line.line_total_minor - line.payout_cost_minor, sold)),
            Entry(FX, -payout),
            Entry(
                pending_artisan_account(line.artisan_id),
                Money(line.artisan_share_minor, line.artisan_currency),
            ),
        ]
        if line.mentor_id is not None:
            entries.append(
                Entry(
                    pending_mentor_account(line.mentor_id),
                    Money(line.mentor_commission_minor, line.artisan_currency),
                )
            )
    return post(
        session,
        TransactionKind.SALE,
        sale_key(order.id),
        entries,
        order_id=order.id,
        memo=f"order {order.code}",
    )


def refund_key_prefix(line_id: int) -> str:
    return f"refund:line:{line_id}:"


def refunded_on_line(session: Session, line: OrderLine) -> Money:
    """What has been refunded to the buyer on this line so far, in the order's currency."""
    order = line.order
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0))
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(
            LedgerTransaction.order_id == order.id,
            LedgerTransaction.kind == TransactionKind.REFUND,
            LedgerTransaction.idempotency_key.startswith(refund_key_prefix(line.id)),
            LedgerEntry.account == provider_account(order.payment_provider),
            LedgerEntry.currency == order.currency,
        )
    )
    return Money(int(total or 0), order.currency)


def record_refund(
    session: Session, line: OrderLine, amount: Money, refund_key: str
) -> LedgerTransaction:
    """Give ``amount`` (order currency) of a line back to the buyer, reversing the sale
    in proportion. Repeating a ``refund_key`` returns the first transaction.

    Proportions are cumulative: after refunds totalling R of a line total T, exactly
    portion(x, R, T) of each sale amount x has been reversed, so the refunds of a whole line
    add up to its sale entries exactly, whatever the steps. Raises ``RefundTooLarge``,
    ``SaleNotRecorded``.
    """
    key = refund_key_prefix(line.id) + refund_key
    existing = _transaction_by_key(session, key)
    if existing is not None:
        return existing
    order = line.order
    if amount.currency != order.currency:
        raise CurrencyMismatch(amount.currency, order.currency)
    if amount.amount <= 0:
        raise NonPositiveAmount(amount)
    if _transaction_by_key(session, sale_key(order.id)) is None:
        raise SaleNotRecorded(order.id)
    # Serialise refunds of one line (PostgreSQL; SQLite writers are serialised already).
    session.execute(select(OrderLine.id).where(OrderLine.id == line.id).with_for_update())
    before = refunded_on_line(session, line).amount
    total = line.line_total_minor
    if before + amount.amount > total:
        raise RefundTooLarge(line.id, amount, Money(total - before, order.currency))
    after = before + amount.amount

    def reversed_cost(refunded: int) -> int:
        if refunded == 0:
            return 0
        fee = total - line.payout_cost_minor
        return Money(refunded, order.currency).allocate([line.payout_cost_minor, fee])[0].amount

    def reversed_part(amount_sold: int) -> int:
        return _portion(amount_sold, after, total) - _portion(amount_sold, before, total)

    sold, paid = order.currency, line.artisan_currency
    seller, mentor = _share_accounts(session, line)
    cost = reversed_cost(after) - reversed_cost(before)
    share = reversed_part(line.artisan_share_minor)
    commission = reversed_part(line.mentor_commission_minor)
    entries = [
        Entry(provider_account(order.payment_provider), amount),
        Entry(FX, Money(-cost, sold)),
        Entry(PLATFORM_FEES, Money(cost - amount.amount, sold)),
        Entry(FX, Money(share + commission, paid)),
        Entry(seller, Money(-share, paid)),
    ]
    if mentor is not None:
        entries.append(Entry(mentor, Money(-commission, paid)))
    return post(
        session,
        TransactionKind.REFUND,
        key,
        entries,
        order_id=order.id,
        memo=f"refund order {order.code} line {line.id}",
    )


def shipping_refund_key(order_id: int) -> str:
    return f"refund:shipping:order:{order_id}"


def refunded_shipping(session: Session, order: Order) -> Money:
    """The shipping fee given back to the buyer of ``order`` (all of it, or nothing)."""
    given = _transaction_by_key(session, shipping_refund_key(order.id))
    return Money(order.shipping_minor if given else 0, order.currency)


def record_shipping_refund(session: Session, order: Order, refund_key: str) -> Money:
    """Give the order's shipping fee back (with a full refund): from ``platform:shipping`` to
    the provider, once per order. Returns the fee given back under ``refund_key``: all of it
    the first time and again when asked under the same key (a retry), nothing under another
    key or when the order had no fee. Raises ``SaleNotRecorded``."""
    fee = Money(order.shipping_minor, order.currency)
    memo = f"refund order {order.code} shipping under {refund_key}"
    existing = _transaction_by_key(session, shipping_refund_key(order.id))
    if existing is not None:
        return fee if existing.memo == memo else Money.zero(order.currency)
    if fee.amount <= 0:
        return Money.zero(order.currency)
    if _transaction_by_key(session, sale_key(order.id)) is None:
        raise SaleNotRecorded(order.id)
    post(
        session,
        TransactionKind.REFUND,
        shipping_refund_key(order.id),
        [Entry(provider_account(order.payment_provider), fee), Entry(PLATFORM_SHIPPING, -fee)],
        order_id=order.id,
        memo=memo,
    )
    return fee


def release_key(line_id: int) -> str:
    return f"release:line:{line_id}"


def release_line(session: Session, line: OrderLine) -> LedgerTransaction | None:
    """The line arrived (or passed at the hub): what is left of her share and her mentor's
    commission after refunds moves from pending to payable. Once per line; None when there
    is nothing to move (released already, refunded in full, sold before shares waited, or
    not paid)."""
    existing = _transaction_by_key(session, release_key(line.id))
    if existing is not None:
        return existing
    sale = _transaction_by_key(session, sale_key(line.order_id))
    if sale is None or not _waits_for_release(sale):
        return None
    # Serialise with refunds of the line (PostgreSQL; SQLite writers are serialised already).
    session.execute(select(OrderLine.id).where(OrderLine.id == line.id).with_for_update())
    share, commission = _left_of_line(session, line)
    paid = line.artisan_currency
    entries = [
        Entry(pending_artisan_account(line.artisan_id), Money(-share, paid)),
        Entry(artisan_account(line.artisan_id), Money(share, paid)),
    ]
    if line.mentor_id is not None:
        entries += [
            Entry(pending_mentor_account(line.mentor_id), Money(-commission, paid)),
            Entry(mentor_account(line.mentor_id), Money(commission, paid)),
        ]
    if not share and not commission:
        return None
    return post(
        session,
        TransactionKind.RELEASE,
        release_key(line.id),
        entries,
        order_id=line.order_id,
        memo=f"release order {line.order.code} line {line.id}",
    )


def _left_of_line(session: Session, line: OrderLine) -> tuple[int, int]:
    """Her share and the mentor's commission on the line not reversed by refunds yet."""
    refunded = refunded_on_line(session, line).amount
    total = line.line_total_minor
    share = line.artisan_share_minor - _portion(line.artisan_share_minor, refunded, total)
    commission = line.mentor_commission_minor - _portion(
        line.mentor_commission_minor, refunded, total
    )
    return share, commission


def _waits_for_release(sale: LedgerTransaction) -> bool:
    """Sales posted before shares waited for delivery paid them straight to the payable
    accounts (they stay payable: no backfill)."""
    return any(entry.account.startswith("pending:") for entry in sale.entries)


def is_released(session: Session, line: OrderLine) -> bool:
    return _transaction_by_key(session, release_key(line.id)) is not None


def _share_accounts(session: Session, line: OrderLine) -> tuple[str, str | None]:
    """Where the line's share (and commission) is now: pending, or payable once released
    or when sold before shares waited."""
    sale = _transaction_by_key(session, sale_key(line.order_id))
    pending = sale is not None and _waits_for_release(sale) and not is_released(session, line)
    seller = (pending_artisan_account if pending else artisan_account)(line.artisan_id)
    if line.mentor_id is None:
        return seller, None
    return seller, (pending_mentor_account if pending else mentor_account)(line.mentor_id)


@dataclass(frozen=True, slots=True)
class PendingShare:
    """Part of her pending money: one line, her share or her commission on it."""

    line: OrderLine
    amount: Money
    as_mentor: bool


def pending_shares(session: Session, artisan_id: int) -> list[PendingShare]:
    """Her lines (as seller and as mentor) whose share still waits for release, oldest
    first."""
    lines = session.scalars(
        select(OrderLine)
        .join(LedgerTransaction, LedgerTransaction.order_id == OrderLine.order_id)
        .where(
            LedgerTransaction.kind == TransactionKind.SALE,
            (OrderLine.artisan_id == artisan_id) | (OrderLine.mentor_id == artisan_id),
        )
        .order_by(OrderLine.id)
    ).all()
    shares: list[PendingShare] = []
    for line in lines:
        seller, _ = _share_accounts(session, line)
        if not seller.startswith("pending:"):
            continue
        share, commission = _left_of_line(session, line)
        if line.artisan_id == artisan_id and share:
            shares.append(PendingShare(line, Money(share, line.artisan_currency), False))
        if line.mentor_id == artisan_id and commission:
            shares.append(PendingShare(line, Money(commission, line.artisan_currency), True))
    return shares


def _portion(amount: int, part: int, whole: int) -> int:
    """amount × part / whole, rounded half up, in integers (non-decreasing in ``part``)."""
    return (2 * amount * part + whole) // (2 * whole)


def record_payout(
    session: Session,
    artisan_id: int,
    amount: Money,
    mpesa_reference: str,
    recorded_by_user_id: int,
    now: datetime,
) -> Payout:
    """A community manager records money sent by M-Pesa. One transfer pays what the person
    is owed as a seller first, then as a mentor. Payouts never exceed what is owed.

    The same reference again returns the same payout if artisan and amount match, else
    ``PayoutReferenceConflict``. Raises ``InsufficientBalance``, ``PermissionDenied``.
    """
    permissions.require_manager(session, Actor.user(recorded_by_user_id), "record payouts")
    reference = mpesa_reference.strip().upper()
    if not _MPESA_REFERENCE.match(reference):
        raise InvalidReference(mpesa_reference)
    if amount.amount <= 0:
        raise NonPositiveAmount(amount)
    known = _payout_by_reference(session, reference)
    if known is not None:
        return _same_payout(known, artisan_id, amount, reference)
    lock_artisan(session, artisan_id)
    available = available_balance(session, artisan_id, amount.currency)
    if available < amount:
        raise InsufficientBalance(artisan_id, amount, available)
    return _post_payout(
        session,
        Payout(
            artisan_id=artisan_id,
            amount_minor=amount.amount,
            currency=amount.currency,
            mpesa_reference=reference,
            recorded_by_user_id=recorded_by_user_id,
            created_at=now,
        ),
    )


def record_mpesa_payout(
    session: Session, request: MpesaPayout, receipt: str, now: datetime
) -> Payout:
    """M-Pesa paid a B2C request (`receipt`): the payout, posted as `record_payout` posts
    one. Its money was held for it while in flight (`in_flight`), so it is not checked
    against the balance again: M-Pesa has paid. The same receipt again returns the payout
    already recorded (else ``PayoutReferenceConflict``)."""
    reference = receipt.strip().upper()
    if not _MPESA_REFERENCE.match(reference):
        raise InvalidReference(receipt)
    amount = Money(request.amount_minor, request.currency)
    known = _payout_by_reference(session, reference)
    if known is not None:
        return _same_payout(known, request.artisan_id, amount, reference)
    lock_artisan(session, request.artisan_id)
    return _post_payout(
        session,
        Payout(
            artisan_id=request.artisan_id,
            amount_minor=amount.amount,
            currency=amount.currency,
            status=PayoutStatus.CONFIRMED,
            mpesa_reference=reference,
            recorded_by_user_id=request.requested_by_user_id,
            created_at=now,
            confirmed_at=now,
        ),
    )


def lock_artisan(session: Session, artisan_id: int) -> None:
    """Serialise what spends her balance (PostgreSQL; SQLite writers are serialised
    already): two payouts at once cannot both spend the same money."""
    locked = session.scalar(select(Artisan.id).where(Artisan.id == artisan_id).with_for_update())
    if locked is None:
        raise NotFound("artisan", artisan_id)


def _post_payout(session: Session, payout: Payout) -> Payout:
    """Write `payout` and its ledger transaction: one transfer pays what the person is owed
    as a seller first, then as a mentor."""
    reference = payout.mpesa_reference or ""
    amount = Money(payout.amount_minor, payout.currency)
    if not add_unless_taken(session, payout):
        known = _payout_by_reference(session, reference)
        if known is None:
            raise LookupError(f"payout {reference!r} clashed but is not found")
        return _same_payout(known, payout.artisan_id, amount, reference)
    as_seller = balance(session, artisan_account(payout.artisan_id), amount.currency).amount
    as_mentor = balance(session, mentor_account(payout.artisan_id), amount.currency).amount
    from_seller = min(amount.amount, max(as_seller, 0))
    # What neither balance holds (a refund came while an M-Pesa payout was in flight) stays
    # on her seller account, owed back from her next sales.
    from_mentor = min(amount.amount - from_seller, max(as_mentor, 0))
    from_seller = amount.amount - from_mentor
    post(
        session,
        TransactionKind.PAYOUT,
        f"payout:{payout.id}",
        [
            Entry(artisan_account(payout.artisan_id), Money(-from_seller, amount.currency)),
            Entry(mentor_account(payout.artisan_id), Money(-from_mentor, amount.currency)),
            Entry(PAYOUTS_MPESA, amount),
        ],
        payout_id=payout.id,
        memo=f"M-Pesa {reference}",
    )
    return payout


def _payout_by_reference(session: Session, reference: str) -> Payout | None:
    return session.scalars(select(Payout).where(Payout.mpesa_reference == reference)).one_or_none()


def _same_payout(known: Payout, artisan_id: int, amount: Money, reference: str) -> Payout:
    if (known.artisan_id, known.amount_minor, known.currency) != (
        artisan_id,
        amount.amount,
        amount.currency,
    ):
        raise PayoutReferenceConflict(reference, known.id)
    return known


# --- balances -----------------------------------------------------------------------------


def balance(session: Session, account: str, currency: str) -> Money:
    total = session.scalar(
        select(func.coalesce(func.sum(LedgerEntry.amount_minor), 0)).where(
            LedgerEntry.account == account, LedgerEntry.currency == currency
        )
    )
    return Money(int(total or 0), currency)


def artisan_balance(session: Session, artisan_id: int, currency: str = "KES") -> Money:
    """What she is owed for her own sales (her mentor commissions are separate)."""
    return balance(session, artisan_account(artisan_id), currency)


def payable_balance(session: Session, artisan_id: int, currency: str = "KES") -> Money:
    """What one payout may send her: seller balance plus mentor commissions."""
    return balance(session, artisan_account(artisan_id), currency) + balance(
        session, mentor_account(artisan_id), currency
    )


def pending_balance(session: Session, artisan_id: int, currency: str = "KES") -> Money:
    """Her shares and commissions paid for but not released yet: not payable."""
    return balance(session, pending_artisan_account(artisan_id), currency) + balance(
        session, pending_mentor_account(artisan_id), currency
    )


def pending_to_artisans(session: Session, currency: str = "KES") -> dict[int, Money]:
    """Everyone's pending money (positive only), by artisan id."""
    rows = session.execute(
        select(LedgerEntry.account, func.sum(LedgerEntry.amount_minor))
        .where(LedgerEntry.currency == currency, LedgerEntry.account.startswith("pending:"))
        .group_by(LedgerEntry.account)
    )
    pending: dict[int, int] = defaultdict(int)
    for account, total in rows:
        pending[int(account.rsplit(":", 1)[1])] += int(total)
    return {key: Money(total, currency) for key, total in pending.items() if total > 0}


def in_flight(session: Session, artisan_id: int, currency: str = "KES") -> Money:
    """Her money in M-Pesa payouts not answered yet: spoken for, not to be sent again."""
    total = session.scalar(
        select(func.coalesce(func.sum(MpesaPayout.amount_minor), 0)).where(
            MpesaPayout.artisan_id == artisan_id,
            MpesaPayout.currency == currency,
            MpesaPayout.status.in_(IN_FLIGHT),
        )
    )
    return Money(int(total or 0), currency)


def available_balance(session: Session, artisan_id: int, currency: str = "KES") -> Money:
    """What a new payout may send her: what she is owed less what is in flight to her."""
    return payable_balance(session, artisan_id, currency) - in_flight(session, artisan_id, currency)


def owed_to_artisans(session: Session, currency: str = "KES") -> list[tuple[int, Money]]:
    """Everyone with a positive payable balance, largest first (the payout list)."""
    rows = session.execute(
        select(LedgerEntry.account, func.sum(LedgerEntry.amount_minor))
        .where(
            LedgerEntry.currency == currency,
            LedgerEntry.account.startswith("artisan:") | LedgerEntry.account.startswith("mentor:"),
        )
        .group_by(LedgerEntry.account)
    )
    owed: dict[int, int] = defaultdict(int)
    for account, total in rows:
        owed[int(account.split(":", 1)[1])] += int(total)
    positive = [
        (artisan_id, Money(total, currency)) for artisan_id, total in owed.items() if total > 0
    ]
    return sorted(positive, key=lambda item: (-item[1].amount, item[0]))


def commissions(session: Session, mentor_id: int, currency: str = "KES") -> Money:
    """What a mentor has earned and not been paid: her commissions payable and pending."""
    return balance(session, mentor_account(mentor_id), currency) + balance(
        session, pending_mentor_account(mentor_id), currency
    )


def recent_entries(
    session: Session, account: str, limit: int = 20, *, also: Iterable[str] = ()
) -> list[StatementLine]:
    """The account's latest entries, newest first (an artisan's statement). With `also`
    (its pending account): those accounts' entries too, less the releases between them."""
    accounts = [account, *also]
    rows = session.execute(
        select(LedgerEntry, LedgerTransaction)
        .join(LedgerTransaction, LedgerTransaction.id == LedgerEntry.transaction_id)
        .where(LedgerEntry.account.in_(accounts))
        .where(LedgerTransaction.kind != TransactionKind.RELEASE if also else true())
        .order_by(LedgerEntry.id.desc())
        .limit(limit)
    )
    return [
        StatementLine(
            transaction_id=tx.id,
            kind=tx.kind,
            created_at=tx.created_at,
            memo=tx.memo,
            amount=Money(entry.amount_minor, entry.currency),
            order_id=tx.order_id,
            payout_id=tx.payout_id,
        )
        for entry, tx in rows
    ]
