"""The Daraja calls of STK push that run as effects (after the commit that asked for them,
outside any transaction): sending a push, querying one. Each is a kind the effect runner
knows (`store/effect_runner.py`); `bot/effects.py` registers them."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from payments.mpesa.errors import DarajaUnavailable
from payments.mpesa.stk import QUERY_EFFECT, SEND_EFFECT, MpesaStk
from payments.mpesa.stk_results import apply_query, record_sent, send_failed
from store.effect_runner import EffectKind
from store.services.effects import Claimed

logger = logging.getLogger(__name__)

# Backoff 2, 4, 8 s: a prompt that reaches her phone much later than her tap is of no use.
SEND_ATTEMPTS = 4
# The query job asks again every minute anyway.
QUERY_ATTEMPTS = 3


def transient(exc: BaseException) -> bool:
    """Daraja unreachable, throttled or failing on its side; the client already tried again
    the calls it may repeat. A refusal (`DarajaRefused`, a number it will not prompt) is final."""
    return isinstance(exc, DarajaUnavailable)


def stk_effect_kinds(stk: MpesaStk) -> list[EffectKind]:
    def sent(session: Session, claimed: Claimed, result: Mapping[str, Any], now: datetime) -> None:
        record_sent(session, int(claimed.payload["push_id"]), result, now)

    def not_sent(session: Session, claimed: Claimed, error: str, now: datetime) -> None:
        send_failed(session, int(claimed.payload["push_id"]), error, now)

    def answered(
        session: Session, claimed: Claimed, result: Mapping[str, Any], now: datetime
    ) -> None:
        apply_query(session, int(claimed.payload["push_id"]), result, now)

    def not_answered(session: Session, claimed: Claimed, error: str, now: datetime) -> None:
        logger.warning("STK query of push %s failed: %s", claimed.payload["push_id"], error)

    return [
        EffectKind(SEND_EFFECT, stk.send, sent, not_sent, transient, max_attempts=SEND_ATTEMPTS),
        EffectKind(
            QUERY_EFFECT, stk.query, answered, not_answered, transient, max_attempts=QUERY_ATTEMPTS
        ),
    ]
