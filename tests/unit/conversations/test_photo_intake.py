"""`PhotoIntake` hashes what was sent before anything decodes it: a photo received before is
answered from its record in the media store, across restarts, and never processed again."""

from __future__ import annotations

from pathlib import Path

import pytest

import conversations.photos
from conversations.photo_records import StoredPhoto
from conversations.photos import PhotoIntake
from store.media import PhotoError, PhotoErrorCode, PhotoLimits, ProcessedPhoto
from store.media.pipeline import process_photo
from store.media.storage import LocalMediaStore, MediaStoreError, is_public_key
from tests.unit.media.images import blurred, encode, photo_jpeg, textured


class CountedPipeline:
    def __init__(self) -> None:
        self.runs = 0

    def __call__(self, data: bytes, limits: PhotoLimits) -> ProcessedPhoto | PhotoError:
        self.runs += 1
        return process_photo(data, limits)


@pytest.fixture
def pipeline(monkeypatch: pytest.MonkeyPatch) -> CountedPipeline:
    counted = CountedPipeline()
    monkeypatch.setattr(conversations.photos, "process_photo", counted)
    return counted


def intake(directory: Path) -> PhotoIntake:
    """As each start of the process makes it: a fresh intake on the same media directory."""
    return PhotoIntake(LocalMediaStore(directory, "http://localhost:8000"), PhotoLimits())


def stored(photo: object) -> StoredPhoto:
    assert isinstance(photo, StoredPhoto), photo
    return photo


def test_the_same_photo_sent_again_is_processed_once(
    tmp_path: Path, pipeline: CountedPipeline
) -> None:
    data = photo_jpeg()
    receiving = intake(tmp_path)

    first = stored(receiving.receive(data))
    again = stored(receiving.receive(data))

    assert pipeline.runs == 1
    assert again == first


def test_it_is_known_after_a_restart(tmp_path: Path, pipeline: CountedPipeline) -> None:
    blurry = encode(blurred(textured(1200, 900), 6), "JPEG", quality=90)
    first = stored(intake(tmp_path).receive(blurry))

    after_restart = stored(intake(tmp_path).receive(blurry))

    assert pipeline.runs == 1
    assert after_restart == first
    assert after_restart.advice == first.advice != ()  # her tip is given again too


def test_three_copies_in_one_message_are_processed_once(
    tmp_path: Path, pipeline: CountedPipeline
) -> None:
    data = photo_jpeg()

    first, second, third = intake(tmp_path).receive_all([data, data, data])

    assert pipeline.runs == 1
    assert stored(first) == stored(second) == stored(third)


def test_another_photo_is_processed(tmp_path: Path, pipeline: CountedPipeline) -> None:
    receiving = intake(tmp_path)

    first = stored(receiving.receive(photo_jpeg(1200, 900)))
    other = stored(receiving.receive(photo_jpeg(1000, 900)))

    assert pipeline.runs == 2
    assert other.record.sha256 != first.record.sha256


def test_a_refused_photo_is_refused_again(tmp_path: Path, pipeline: CountedPipeline) -> None:
    receiving = intake(tmp_path)
    too_small = photo_jpeg(400, 300)

    first, again = receiving.receive(too_small), receiving.receive(too_small)

    assert first == again == PhotoError(PhotoErrorCode.TOO_SMALL, "400x300")


def test_an_unreadable_record_means_processing_it_again(
    tmp_path: Path, pipeline: CountedPipeline
) -> None:
    data = photo_jpeg()
    first = stored(intake(tmp_path).receive(data))
    [record] = (tmp_path / "received").iterdir()
    record.write_bytes(b'{"sha256": "cut off')

    again = stored(intake(tmp_path).receive(data))

    assert pipeline.runs == 2
    assert again == first


class ForgetfulStore(LocalMediaStore):
    """A store that cannot keep records (a bucket policy, a hiccup): photos still go in."""

    def put(self, key: str, data: bytes, content_type: str) -> None:
        if key.startswith("received/"):
            raise MediaStoreError(f"{key}: S3 answered 503")
        super().put(key, data, content_type)


def test_a_store_that_cannot_keep_records_still_stores_the_photo(
    tmp_path: Path, pipeline: CountedPipeline
) -> None:
    receiving = PhotoIntake(ForgetfulStore(tmp_path, "http://localhost:8000"), PhotoLimits())

    photo = stored(receiving.receive(photo_jpeg()))

    assert (tmp_path / photo.record.keys["large"]).is_file()


class FailingStore(LocalMediaStore):
    def get(self, key: str) -> bytes | None:
        raise MediaStoreError(f"{key}: S3 answered 503")


def test_a_store_that_cannot_be_read_is_not_saved_and_nothing_is_processed(
    tmp_path: Path, pipeline: CountedPipeline
) -> None:
    receiving = PhotoIntake(FailingStore(tmp_path, "http://localhost:8000"), PhotoLimits())

    refused = receiving.receive(photo_jpeg())

    assert isinstance(refused, PhotoError)
    assert refused.code is PhotoErrorCode.NOT_SAVED
    assert pipeline.runs == 0


def test_records_are_never_served(tmp_path: Path, pipeline: CountedPipeline) -> None:
    intake(tmp_path).receive(photo_jpeg())
    [record] = (tmp_path / "received").iterdir()

    assert not is_public_key(f"received/{record.name}")
