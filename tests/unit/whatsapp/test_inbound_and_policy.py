"""Twilio's form → Inbound, the media policy's allow-lists, the window, the rate limiter."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from handlers.whatsapp import window
from handlers.whatsapp.delivery import RateLimiter, backoff
from handlers.whatsapp.inbound import MalformedUpdate, parse_update
from handlers.whatsapp.media import MediaPolicy, MediaRefused
from handlers.whatsapp.twilio_http import BaseUrlHttpClient
from store.models import Channel

SID = "AC" + "1" * 32
MEDIA = f"https://api.twilio.com/2010-04-01/Accounts/{SID}/Messages/MM1/Media/ME1"


def form(**fields: str) -> dict[str, str]:
    return {"MessageSid": "SM" + "a" * 32, "WaId": "254712345678", **fields}


def test_a_message_becomes_an_inbound_keyed_by_the_e164_number() -> None:
    update = parse_update(
        form(
            Body="Habari",
            ProfileName=" Wanjiru ",
            NumMedia="3",
            MediaUrl0=MEDIA,
            MediaContentType0="image/jpeg",
            MediaUrl1=MEDIA + "2",
            MediaContentType1="audio/ogg",
            MediaUrl2=MEDIA + "3",
            MediaContentType2="image/png",
        )
    )
    inbound = update.inbound
    assert (inbound.channel, inbound.platform_user_id, inbound.text) == (
        Channel.WHATSAPP,
        "+254712345678",
        "Habari",
    )
    assert inbound.profile_name == "Wanjiru"
    assert [m.url for m in update.media] == [MEDIA, MEDIA + "3"]
    assert update.skipped_media == 1


def test_the_number_she_writes_from_is_vouched_for_as_hers() -> None:
    assert parse_update(form(Body="Hi")).inbound.verified_phone == "+254712345678"


def test_buttons_lists_and_locations() -> None:
    assert parse_update(form(ButtonPayload="lang:sw", ButtonText="Kiswahili")).inbound.payload == (
        "lang:sw"
    )
    assert parse_update(form(ListId="cat:necklace")).inbound.payload == "cat:necklace"
    assert parse_update(form(ButtonPayload="x" * 65)).inbound.payload is None
    pin = parse_update(form(Latitude="-1.3133", Longitude="36.7876")).inbound.location
    assert pin is not None
    assert (pin.latitude, pin.longitude) == (-1.3133, 36.7876)
    assert parse_update(form(Latitude="200", Longitude="0")).inbound.location is None


def test_the_number_falls_back_to_from_and_junk_is_refused() -> None:
    update = parse_update({"MessageSid": "SM" + "b" * 32, "From": "whatsapp:+254712000111"})
    assert update.phone == "+254712000111"
    with pytest.raises(MalformedUpdate):
        parse_update({"MessageSid": "SM" + "b" * 32, "WaId": "not a number"})
    with pytest.raises(MalformedUpdate):
        parse_update({"MessageSid": "../../etc", "WaId": "254712345678"})


def test_only_twilio_media_of_this_account_is_a_source() -> None:
    policy = MediaPolicy.for_account(SID)
    policy.check_source(MEDIA)
    for url in (
        MEDIA.replace("https://", "http://"),
        MEDIA.replace("api.twilio.com", "api.twilio.com.evil.example"),
        MEDIA.replace("api.twilio.com", "evil.example"),
        MEDIA.replace(SID, "AC" + "2" * 32),
        MEDIA.replace("https://", "https://user:pw@"),
        MEDIA.replace("api.twilio.com", "169.254.169.254"),
    ):
        with pytest.raises(MediaRefused):
            policy.check_source(url)


def test_redirects_only_to_twilios_cdn_over_https() -> None:
    policy = MediaPolicy.for_account(SID, "http://127.0.0.1:9000")
    policy.check_redirect("https://mms.twiliocdn.com/AC1/abc")
    policy.check_redirect("https://media.twiliocdn.com/AC1/abc")
    for url in (
        "http://mms.twiliocdn.com/AC1/abc",
        "https://twiliocdn.com.evil.example/x",
        "https://evil.example/x",
        "http://127.0.0.1:9000/anything",  # the API base is a source, not a redirect target
        "http://localhost:8000/x",
    ):
        with pytest.raises(MediaRefused):
            policy.check_redirect(url)
    policy.check_source(f"http://127.0.0.1:9000/2010-04-01/Accounts/{SID}/Messages/M/Media/E")


def test_the_window_is_24_hours_from_the_last_message_less_a_margin() -> None:
    now = datetime(2025, 3, 1, 12, tzinfo=UTC)
    assert window.is_open(now - timedelta(hours=23), now)
    assert not window.is_open(now - timedelta(hours=23, minutes=59), now)
    assert not window.is_open(None, now)


def test_the_rate_limiter_never_lets_more_than_80_into_any_second() -> None:
    clock = [0.0]
    slept: list[float] = []

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    limiter = RateLimiter(rate=80, clock=lambda: clock[0], sleep=sleep)
    sent_at = []
    for _ in range(241):
        with limiter.slot():
            sent_at.append(clock[0])
    assert max(sum(1 for t in sent_at if start <= t < start + 1) for start in sent_at) == 80
    assert sent_at[79] == 0  # 80 at once: the window is full, not paced
    assert clock[0] == pytest.approx(3.0)  # 241 sends: three full seconds, one more
    limiter.pause(5)
    before = clock[0]
    with limiter.slot():
        assert clock[0] - before >= 5
    assert backoff(0) == timedelta(seconds=5)
    assert backoff(20) == timedelta(minutes=15)


def test_a_send_counts_from_when_twilio_answered_it() -> None:
    clock = [0.0]

    def sleep(seconds: float) -> None:
        clock[0] += seconds

    limiter = RateLimiter(rate=1, clock=lambda: clock[0], sleep=sleep)
    with limiter.slot():
        clock[0] += 5  # Twilio slow to answer: the message may have reached it just now
    with limiter.slot():
        assert clock[0] == pytest.approx(6.0)


def test_twilio_hosts_are_sent_to_the_configured_base() -> None:
    client = BaseUrlHttpClient("http://127.0.0.1:9000/proxy")
    assert client.rewrite("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages.json?x=1") == (
        "http://127.0.0.1:9000/proxy/2010-04-01/Accounts/AC1/Messages.json?x=1"
    )
    assert client.rewrite("https://content.twilio.com/v1/Content") == (
        "http://127.0.0.1:9000/proxy/v1/Content"
    )
    assert client.rewrite("https://example.com/x") == "https://example.com/x"
    client.session.close()


def test_a_voice_note_alone_is_marked_unusable_but_not_beside_photos() -> None:
    voice = parse_update(form(NumMedia="1", MediaUrl0=MEDIA, MediaContentType0="audio/ogg"))
    assert voice.inbound.unsupported_media
    assert voice.media == ()
    both = parse_update(
        form(
            NumMedia="2",
            MediaUrl0=MEDIA,
            MediaContentType0="audio/ogg",
            MediaUrl1=MEDIA + "2",
            MediaContentType1="image/jpeg",
        )
    )
    assert not both.inbound.unsupported_media
    assert not parse_update(form(Body="Habari")).inbound.unsupported_media
