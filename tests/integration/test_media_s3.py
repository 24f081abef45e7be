"""S3MediaStore against moto's S3 server on localhost: real boto3, real HTTP, no internet."""

from __future__ import annotations

import io
from collections.abc import Iterator

import boto3
import pytest
from moto.server import ThreadedMotoServer
from mypy_boto3_s3 import S3Client
from PIL import Image

from bot.container import Container
from bot.settings import MediaStoreKind, Settings
from store.media import InvalidMediaKey, ProcessedPhoto, S3MediaStore, process_photo
from store.media.storage import (
    S3_CONNECT_TIMEOUT_SECONDS,
    S3_MAX_ATTEMPTS,
    S3_READ_TIMEOUT_SECONDS,
    save_processed,
)

BUCKET = "soko-media"


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


@pytest.fixture
def client(s3_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> S3Client:
    for name in ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)
    s3: S3Client = boto3.client(
        "s3",
        endpoint_url=s3_endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",  # moto accepts any key
    )
    existing = {bucket["Name"] for bucket in s3.list_buckets().get("Buckets", [])}
    if BUCKET not in existing:
        s3.create_bucket(Bucket=BUCKET)
    return s3


@pytest.fixture
def store(client: S3Client, request: pytest.FixtureRequest) -> S3MediaStore:
    # A prefix per test keeps tests independent on the shared server.
    return S3MediaStore(client, BUCKET, "https://cdn.soko.example", prefix=f"{request.node.name}/")


def test_put_get_exists(store: S3MediaStore) -> None:
    store.put("abc/large.jpg", b"jpeg bytes", "image/jpeg")

    assert store.get("abc/large.jpg") == b"jpeg bytes"
    assert store.exists("abc/large.jpg")


def test_missing_object(store: S3MediaStore) -> None:
    assert store.get("nothing/here.jpg") is None
    assert not store.exists("nothing/here.jpg")


def test_objects_carry_content_type_and_long_cache(store: S3MediaStore, client: S3Client) -> None:
    store.put("abc/thumb.jpg", b"x", "image/jpeg")

    head = client.head_object(Bucket=BUCKET, Key=store.prefix + "abc/thumb.jpg")

    assert head["ContentType"] == "image/jpeg"
    assert head["CacheControl"] == "public, max-age=31536000, immutable"


def test_url_is_under_the_public_base_url(store: S3MediaStore) -> None:
    assert store.url("abc/large.jpg") == "https://cdn.soko.example/media/abc/large.jpg"


def test_invalid_keys_never_reach_the_bucket(store: S3MediaStore, client: S3Client) -> None:
    with pytest.raises(InvalidMediaKey):
        store.put("../escape.jpg", b"x", "image/jpeg")
    listed = client.list_objects_v2(Bucket=BUCKET, Prefix=store.prefix)
    assert listed.get("KeyCount", 0) == 0


def test_save_processed_round_trip(store: S3MediaStore) -> None:
    image = Image.radial_gradient("L").resize((1200, 900)).convert("RGB")
    buffer = io.BytesIO()
    image.save(buffer, "JPEG")
    photo = process_photo(buffer.getvalue())
    assert isinstance(photo, ProcessedPhoto)

    keys = save_processed(store, photo)

    assert keys["large"] == f"{photo.sha256}/large.jpg"
    for size, key in keys.items():
        assert store.get(key) == photo.sizes[size].jpeg


def test_the_shops_s3_client_waits_for_nothing_without_a_limit(s3_endpoint: str) -> None:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        media_store=MediaStoreKind.S3,
        s3_bucket=BUCKET,
        s3_endpoint_url=s3_endpoint,
    )
    media = Container(settings).media_store
    assert isinstance(media, S3MediaStore)

    config = media.client.meta.config
    assert (config.connect_timeout, config.read_timeout) == (
        S3_CONNECT_TIMEOUT_SECONDS,
        S3_READ_TIMEOUT_SECONDS,
    )
    assert config.retries == {"total_max_attempts": S3_MAX_ATTEMPTS, "mode": "standard"}
