"""The one order database: every table, imported here so the metadata is complete."""

from store.models.audit import ActorKind, AuditAction, PeopleAudit
from store.models.base import Base
from store.models.cases import CaseKind, CaseOutcome, OrderCase
from store.models.catalog import (
    Category,
    Collection,
    CollectionProduct,
    Product,
    ProductPhoto,
    ProductStatus,
)
from store.models.effects import Effect, EffectStatus
from store.models.heartbeats import heartbeats
from store.models.ledger import (
    LedgerEntry,
    LedgerTransaction,
    Payout,
    PayoutStatus,
    TransactionKind,
)
from store.models.messaging import (
    ConversationState,
    InboxMessage,
    InboxStatus,
    OutboxMessage,
    OutboxStatus,
)
from store.models.mpesa import OPEN_PUSH, StkPush, StkPushStatus
from store.models.mpesa_payouts import MpesaPayout, MpesaPayoutStatus
from store.models.orders import (
    Cart,
    CartItem,
    CartRemoval,
    LineStatus,
    Order,
    OrderLine,
    OrderStatus,
    Parcel,
    PaymentEvent,
)
from store.models.people import (
    Artisan,
    ArtisanStatus,
    Channel,
    Identity,
    PromisedRole,
    ReferralCode,
    Role,
    RoleSource,
    User,
    UserRole,
)
from store.models.reviews import ListingReview, ReviewDecision
from store.models.scheduler import SCHEDULER_JOBS_TABLE, scheduler_jobs
from store.models.visits import VisitOutcome, WorkshopVisit

__all__ = [
    "OPEN_PUSH",
    "SCHEDULER_JOBS_TABLE",
    "ActorKind",
    "Artisan",
    "ArtisanStatus",
    "AuditAction",
    "Base",
    "Cart",
    "CartItem",
    "CartRemoval",
    "CaseKind",
    "CaseOutcome",
    "Category",
    "Channel",
    "Collection",
    "CollectionProduct",
    "ConversationState",
    "Effect",
    "EffectStatus",
    "Identity",
    "InboxMessage",
    "InboxStatus",
    "LedgerEntry",
    "LedgerTransaction",
    "LineStatus",
    "ListingReview",
    "MpesaPayout",
    "MpesaPayoutStatus",
    "Order",
    "OrderCase",
    "OrderLine",
    "OrderStatus",
    "OutboxMessage",
    "OutboxStatus",
    "Parcel",
    "PaymentEvent",
    "Payout",
    "PayoutStatus",
    "PeopleAudit",
    "Product",
    "ProductPhoto",
    "ProductStatus",
    "PromisedRole",
    "ReferralCode",
    "ReviewDecision",
    "Role",
    "RoleSource",
    "StkPush",
    "StkPushStatus",
    "TransactionKind",
    "User",
    "UserRole",
    "VisitOutcome",
    "WorkshopVisit",
    "heartbeats",
    "scheduler_jobs",
]
