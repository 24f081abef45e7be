"""The two credentials Daraja asks for besides the OAuth token.

- The STK password: base64(shortcode + passkey + timestamp), the timestamp being Nairobi's
  wall-clock time as YYYYMMDDHHMMSS (Daraja checks it against the same timestamp sent beside
  it, and refuses one too far from its own clock).
- The SecurityCredential of B2C and transaction status: the initiator's password encrypted
  with the public key of Safaricom's certificate (RSA, PKCS#1 v1.5), base64.
"""

from __future__ import annotations

import base64
from datetime import datetime
from zoneinfo import ZoneInfo

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import padding, rsa

NAIROBI = ZoneInfo("Africa/Nairobi")


def timestamp(now: datetime) -> str:
    """`now` (tz-aware) as Daraja's Timestamp: Nairobi time, YYYYMMDDHHMMSS."""
    if now.tzinfo is None:
        raise ValueError("the time must be tz-aware")
    return now.astimezone(NAIROBI).strftime("%Y%m%d%H%M%S")


def stk_password(shortcode: str, passkey: str, stamp: str) -> str:
    return base64.b64encode(f"{shortcode}{passkey}{stamp}".encode()).decode("ascii")


def load_certificate(data: bytes) -> x509.Certificate:
    """A certificate in PEM (Safaricom's .cer files) or DER; ValueError if it is neither."""
    if b"-----BEGIN CERTIFICATE-----" in data:
        return x509.load_pem_x509_certificate(data)
    return x509.load_der_x509_certificate(data)


def security_credential(initiator_password: str, certificate: bytes) -> str:
    """The initiator password encrypted with the certificate's RSA public key, base64."""
    public_key = load_certificate(certificate).public_key()
    if not isinstance(public_key, rsa.RSAPublicKey):
        raise ValueError("the M-Pesa certificate's key is not RSA")
    sealed = public_key.encrypt(initiator_password.encode(), padding.PKCS1v15())
    return base64.b64encode(sealed).decode("ascii")
