"""Where processed photos live: a port, a local directory and an S3-compatible bucket.

Keys are content-addressed: `<sha256>/<size>.jpg`, where the sha256 is that of the large
rendition's bytes (`ProcessedPhoto.sha256`). One folder per photo keeps its sizes together
and makes "delete this photo" one prefix. A key never changes content, so whoever serves it
may cache it forever.
"""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final, Protocol

from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError

from store.errors import StoreError
from store.media.pipeline import ProcessedPhoto

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# Each segment starts with a letter or digit: no "..", no hidden files, and never the
# name of one of LocalMediaStore's temporary files (which start with a dot).
_SEGMENT: Final = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
_KEY_RE: Final = re.compile(rf"{_SEGMENT}(?:/{_SEGMENT}){{0,3}}")
_CONTENT_TYPES: Final = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".json": "application/json",
}
CACHE_CONTROL: Final = "public, max-age=31536000, immutable"


class InvalidMediaKey(StoreError):
    def __init__(self, key: str) -> None:
        super().__init__(f"invalid media key {key!r}")
        self.key = key


class MediaStoreError(Exception):
    """The media store could not do what was asked (S3 unreachable or failing, a full disk).
    Its message names the key and the cause, never a credential."""


# Photos as sent, before the pipeline has stripped their metadata (GPS!): never served.
PRIVATE_PREFIX: Final = "incoming/"
# What became of each photo received, by the sha256 of the bytes as sent
# (`conversations.photos.PhotoIntake`): for the shop's own use, never served either.
RECEIVED_PREFIX: Final = "received/"


def is_valid_key(key: str) -> bool:
    return _KEY_RE.fullmatch(key) is not None


def is_public_key(key: str) -> bool:
    return is_valid_key(key) and not key.startswith((PRIVATE_PREFIX, RECEIVED_PREFIX))


def validate_key(key: str) -> str:
    if not is_valid_key(key):
        raise InvalidMediaKey(key)
    return key


def content_type_for(key: str) -> str:
    return _CONTENT_TYPES.get(os.path.splitext(key)[1].lower(), "application/octet-stream")


def media_url(public_base_url: str, key: str) -> str:
    return f"{public_base_url.rstrip('/')}/media/{validate_key(key)}"


class MediaStore(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None: ...

    def exists(self, key: str) -> bool: ...

    def url(self, key: str) -> str:
        """The public URL: `PUBLIC_BASE_URL/media/<key>`."""
        ...


class LocalMediaStore:
    """Files under one directory (`MEDIA_DIR`); the web app serves them at `/media/<key>`."""

    def __init__(self, directory: Path | str, public_base_url: str) -> None:
        self.directory = Path(directory)
        self.public_base_url = public_base_url

    def path_for(self, key: str) -> Path:
        return self.directory.joinpath(*validate_key(key).split("/"))

    def put(self, key: str, data: bytes, content_type: str) -> None:
        try:
            self._write(self.path_for(key), data)
        except OSError as exc:
            raise MediaStoreError(f"{key}: {type(exc).__name__}") from exc

    def _write(self, path: Path, data: bytes) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target, then rename over it: a reader sees the old file or the
        # whole new one, never half of it.
        fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as tmp:
                tmp.write(data)
                tmp.flush()
                os.fsync(tmp.fileno())
            os.chmod(tmp_name, 0o644)  # mkstemp makes 0600; a proxy may serve these files
            os.replace(tmp_name, path)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp_name)
            raise

    def get(self, key: str) -> bytes | None:
        try:
            return self.path_for(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            return None

    def exists(self, key: str) -> bool:
        return self.path_for(key).is_file()

    def url(self, key: str) -> str:
        return media_url(self.public_base_url, key)


# Explicit limits for every S3 call: a bucket that hangs or fails costs a photo at most about
# 3 × (3 s to connect + 5 s per read) before `MediaStoreError`, never an open-ended wait.
S3_CONNECT_TIMEOUT_SECONDS: Final = 3.0
S3_READ_TIMEOUT_SECONDS: Final = 5.0
S3_MAX_ATTEMPTS: Final = 3  # the first try included; "standard" retries 5xx, throttling, timeouts


def s3_client_config() -> Config:
    """The botocore `Config` every S3 client of the shop is built with."""
    return Config(
        connect_timeout=S3_CONNECT_TIMEOUT_SECONDS,
        read_timeout=S3_READ_TIMEOUT_SECONDS,
        retries={"total_max_attempts": S3_MAX_ATTEMPTS, "mode": "standard"},
    )


class S3MediaStore:
    """An S3-compatible bucket. The client comes from the composition root (`bot/`)."""

    def __init__(
        self, client: S3Client, bucket: str, public_base_url: str, prefix: str = ""
    ) -> None:
        self.client = client
        self.bucket = bucket
        self.public_base_url = public_base_url
        self.prefix = prefix

    def _object_key(self, key: str) -> str:
        return self.prefix + validate_key(key)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        object_key = self._object_key(key)
        try:
            self.client.put_object(
                Bucket=self.bucket,
                Key=object_key,
                Body=data,
                ContentType=content_type,
                CacheControl=CACHE_CONTROL,
            )
        except (BotoCoreError, ClientError) as exc:
            raise MediaStoreError(f"{key}: {_cause(exc)}") from exc

    def get(self, key: str) -> bytes | None:
        object_key = self._object_key(key)
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=object_key)
            body: bytes = response["Body"].read()
        except ClientError as exc:
            if _is_not_found(exc):
                return None
            raise MediaStoreError(f"{key}: {_cause(exc)}") from exc
        except BotoCoreError as exc:
            raise MediaStoreError(f"{key}: {_cause(exc)}") from exc
        return body

    def exists(self, key: str) -> bool:
        object_key = self._object_key(key)
        try:
            self.client.head_object(Bucket=self.bucket, Key=object_key)
        except ClientError as exc:
            if _is_not_found(exc):
                return False
            raise MediaStoreError(f"{key}: {_cause(exc)}") from exc
        except BotoCoreError as exc:
            raise MediaStoreError(f"{key}: {_cause(exc)}") from exc
        return True

    def url(self, key: str) -> str:
        return media_url(self.public_base_url, key)


def _cause(exc: BotoCoreError | ClientError) -> str:
    if isinstance(exc, ClientError):
        return f"S3 answered {exc.response.get('Error', {}).get('Code', '?')}"
    return type(exc).__name__


def _is_not_found(exc: ClientError) -> bool:
    code = exc.response.get("Error", {}).get("Code", "")
    return code in ("404", "NoSuchKey", "NotFound")


def photo_key(sha256: str, size: str) -> str:
    return validate_key(f"{sha256}/{size}.jpg")


def received_key(input_sha256: str) -> str:
    """Where the record of a photo received as these bytes is kept: `received/<sha256>.json`."""
    return validate_key(f"{RECEIVED_PREFIX}{input_sha256}.json")


def save_processed(store: MediaStore, photo: ProcessedPhoto) -> dict[str, str]:
    """Store every rendition of a photo; returns size name -> key. Saving twice is harmless."""
    keys: dict[str, str] = {}
    for name, rendition in photo.sizes.items():
        key = photo_key(photo.sha256, name)
        store.put(key, rendition.jpeg, "image/jpeg")
        keys[name] = key
    return keys
