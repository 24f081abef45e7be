"""The log filter `soko` installs on the root handlers: every secret setting, the database
password, Bot API tokens in URLs and Authorization headers cut out of what is written, in
messages, their arguments and tracebacks."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from bot.log_redaction import REDACTED, RedactSecrets, keep_secrets_out_of_logs
from bot.settings import Settings

TOKEN = "123456:AAE-secret-part-of-the-token"


@pytest.fixture
def written() -> Iterator[tuple[logging.Logger, io.StringIO, RedactSecrets]]:
    """A logger whose handler writes to a string through a fresh filter."""
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    redact = RedactSecrets()
    handler.addFilter(redact)
    logger = logging.getLogger("tests.redaction")
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    logger.propagate = False
    yield logger, out, redact
    logger.removeHandler(handler)


def test_every_secret_setting_and_the_database_password_are_cut_out(
    written: tuple[logging.Logger, io.StringIO, RedactSecrets], monkeypatch: pytest.MonkeyPatch
) -> None:
    logger, out, redact = written
    monkeypatch.setattr("bot.log_redaction.SECRETS", redact)
    settings = Settings(
        database_url="postgresql+psycopg://soko:db-pass-81x@db/soko",
        telegram_bot_token=SecretStr(TOKEN),
        telegram_webhook_secret=SecretStr("hook-secret-5-Kx93q"),
        telegram_payment_provider_token=SecretStr("284685063:TEST:prov-77"),
        twilio_auth_token=SecretStr("twilio-auth-99"),
        stripe_secret_key=SecretStr("sk_live_abc123"),
        stripe_webhook_secret=SecretStr("whsec_xyz789"),
        s3_access_key_id=SecretStr("AKIAEXAMPLE42"),
        s3_secret_access_key=SecretStr("s3-secret-key-0"),
    )
    keep_secrets_out_of_logs(settings)
    secrets = [
        "db-pass-81x",
        TOKEN,
        "hook-secret-5-Kx93q",
        "284685063:TEST:prov-77",
        "twilio-auth-99",
        "sk_live_abc123",
        "whsec_xyz789",
        "AKIAEXAMPLE42",
        "s3-secret-key-0",
    ]
    logger.debug("params %s", {"secret_token": "hook-secret-5-Kx93q", "n": secrets})
    logger.warning("joined: " + " ".join(secrets))
    try:
        raise RuntimeError(f"refused sk_live_abc123 at {settings.database_url}")
    except RuntimeError:
        logger.exception("call failed")
    text = out.getvalue()
    assert [secret for secret in secrets if secret in text] == []
    assert text.count(REDACTED) >= 2 * len(secrets)
    assert "RuntimeError: refused <redacted>" in text  # the traceback is kept, redacted


def test_a_new_secret_setting_is_covered_without_a_change(
    written: tuple[logging.Logger, io.StringIO, RedactSecrets], monkeypatch: pytest.MonkeyPatch
) -> None:
    logger, out, redact = written
    monkeypatch.setattr("bot.log_redaction.SECRETS", redact)

    class Later(Settings):
        some_later_secret: SecretStr = SecretStr("later-secret-3")

    keep_secrets_out_of_logs(Later())
    logger.info("calling with %s", "later-secret-3")
    assert out.getvalue() == f"INFO calling with {REDACTED}\n"


def test_the_mpesa_secrets_are_cut_out(
    written: tuple[logging.Logger, io.StringIO, RedactSecrets], monkeypatch: pytest.MonkeyPatch
) -> None:
    logger, out, redact = written
    monkeypatch.setattr("bot.log_redaction.SECRETS", redact)
    secrets = {
        "mpesa_consumer_key": "daraja-key-A1",
        "mpesa_consumer_secret": "daraja-secret-B2",
        "mpesa_passkey": "bfb279f9aa9bdbcf158e97dd71a467cd",
        "mpesa_initiator_password": "initiator-pw-C3",
        "mpesa_callback_token": "cb-token-" + "x" * 30,
    }
    keep_secrets_out_of_logs(
        Settings(
            _env_file=None,  # type: ignore[call-arg]
            mpesa_shortcode="174379",
            **{name: SecretStr(value) for name, value in secrets.items()},
        )
    )
    logger.info("daraja call with %s", " ".join(secrets.values()))
    text = out.getvalue()
    assert [secret for secret in secrets.values() if secret in text] == []
    assert text.count(REDACTED) == len(secrets)


def test_tokens_in_bot_api_urls_and_authorization_headers_are_cut_out(
    written: tuple[logging.Logger, io.StringIO, RedactSecrets],
) -> None:
    logger, out, _ = written  # nothing known: the shapes alone
    logger.info('HTTP Request: POST https://api.telegram.org/bot%s/getMe "200 OK"', TOKEN)
    logger.debug("GET https://api.telegram.org/file/bot%s/photos/1.jpg", TOKEN)
    logger.debug("headers {'Authorization': 'Basic QUM6c2VjcmV0', 'Accept': '*/*'}")
    logger.debug("send_request_headers [(b'Authorization', b'Bearer sk_test_1')]")
    logger.debug("Authorization: AWS4-HMAC-SHA256 Credential=AKIA42/x, Signature=ab12")
    text = out.getvalue()
    for secret in ("AAE-secret-part", "QUM6c2VjcmV0", "sk_test_1", "AKIA42", "ab12"):
        assert secret not in text
    assert f"https://api.telegram.org/bot{REDACTED}/getMe" in text
    assert "'Accept': '*/*'" in text  # only the secret goes


def test_short_values_are_not_taken_for_secrets(
    written: tuple[logging.Logger, io.StringIO, RedactSecrets],
) -> None:
    logger, out, redact = written
    redact.keep_out("1", "ab")
    logger.info("order 1 of 12, tab")
    assert out.getvalue() == "INFO order 1 of 12, tab\n"
