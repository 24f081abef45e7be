"""Daraja's STK password and the B2C SecurityCredential."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone

import pytest
from cryptography.hazmat.primitives.asymmetric import padding

from payments.mpesa.credentials import (
    load_certificate,
    security_credential,
    stk_password,
    timestamp,
)
from tests.fakes.daraja_api import make_certificate

# Safaricom's published sandbox example: shortcode 174379 and its test passkey.
SANDBOX_PASSKEY = "bfb279f9aa9bdbcf158e97dd71a467cd2e0c893059b10f78e6b72ada1ed2c919"


def test_the_timestamp_is_nairobi_wall_clock_time() -> None:
    assert timestamp(datetime(2026, 12, 31, 22, 5, 9, tzinfo=UTC)) == "20270101010509"
    lagos = timezone(timedelta(hours=1))
    assert timestamp(datetime(2026, 3, 1, 8, 0, 0, tzinfo=lagos)) == "20260301100000"


def test_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="tz-aware"):
        timestamp(datetime(2026, 1, 1, 12, 0, 0))


def test_the_password_is_base64_of_shortcode_passkey_and_timestamp() -> None:
    password = stk_password("174379", SANDBOX_PASSKEY, "20160216165627")
    assert base64.b64decode(password).decode() == f"174379{SANDBOX_PASSKEY}20160216165627"
    assert password.startswith("MTc0Mzc5YmZiMjc5ZjlhYTliZGJjZjE1OGU5N2RkNzFh")


def test_the_security_credential_decrypts_with_the_private_key() -> None:
    certificate, private_key = make_certificate()
    sealed = security_credential("Safaricom999!*!", certificate)
    opened = private_key.decrypt(base64.b64decode(sealed), padding.PKCS1v15())
    assert opened == b"Safaricom999!*!"
    assert "Safaricom999" not in sealed
    # PKCS#1 v1.5 pads at random: the same password never seals the same way twice.
    assert security_credential("Safaricom999!*!", certificate) != sealed


def test_a_der_certificate_loads_too_and_junk_does_not() -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    certificate, _ = make_certificate()
    der = load_certificate(certificate).public_bytes(Encoding.DER)
    assert load_certificate(der).serial_number == load_certificate(certificate).serial_number
    with pytest.raises(ValueError, match="asn1"):
        load_certificate(b"not a certificate")
