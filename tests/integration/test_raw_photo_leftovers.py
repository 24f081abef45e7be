"""Raw photos as sent (GPS and all) left under the media store's private `incoming/` prefix
are removed once older than the set age, on a local folder and on S3; the renditions beside
them are never touched."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import boto3
import pytest

from store.media.leftovers import remove_raw_leftovers
from store.media.storage import LocalMediaStore, MediaStore, S3MediaStore, s3_client_config
from store.models.types import utcnow
from tests.fakes.s3_api import FaultyS3, faulty_s3

RAW_OLD, RAW_NEW = "incoming/" + "a" * 64, "incoming/" + "b" * 64
RENDITION = "c" * 64 + "/large.jpg"


@pytest.fixture(scope="module")
def s3_server() -> Iterator[FaultyS3]:
    with faulty_s3() as s3:
        yield s3


def s3_store(s3: FaultyS3) -> S3MediaStore:
    client = boto3.client(
        "s3",
        endpoint_url=s3.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=s3_client_config(),
    )
    client.create_bucket(Bucket="raw-leftovers")
    return S3MediaStore(client, "raw-leftovers", "https://cdn.soko.example", prefix="shop/")


def fill(store: MediaStore) -> None:
    for key in (RAW_OLD, RAW_NEW, RENDITION):
        store.put(key, b"\xff\xd8 photo with GPS", "image/jpeg")


def test_old_raw_files_go_from_a_local_folder(tmp_path: Path) -> None:
    store = LocalMediaStore(tmp_path, "https://soko.test")
    fill(store)
    two_days_ago = (utcnow() - timedelta(days=2)).timestamp()
    for key in (RAW_OLD, RENDITION):
        os.utime(store.path_for(key), (two_days_ago, two_days_ago))

    assert remove_raw_leftovers(store, utcnow() - timedelta(days=1)) == 1

    assert not store.exists(RAW_OLD)
    assert store.exists(RAW_NEW)  # not old enough yet
    assert store.exists(RENDITION)  # a rendition, however old


def test_old_raw_files_go_from_s3(s3_server: FaultyS3) -> None:
    store = s3_store(s3_server)
    fill(store)
    assert remove_raw_leftovers(store, utcnow() - timedelta(days=1)) == 0  # all new
    assert remove_raw_leftovers(store, utcnow() + timedelta(minutes=1)) == 2
    assert not store.exists(RAW_OLD)
    assert not store.exists(RAW_NEW)
    assert store.exists(RENDITION)
