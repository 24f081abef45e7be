"""GET /media/{key} through Starlette's test client, serving a real local media store."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from starlette.applications import Starlette
from starlette.testclient import TestClient

from handlers.web.media import media_routes
from store.media import LocalMediaStore, ProcessedPhoto, process_photo
from store.media.storage import MediaStoreError, save_processed


@pytest.fixture
def store(tmp_path: Path) -> LocalMediaStore:
    return LocalMediaStore(tmp_path / "media", "http://testserver")


@pytest.fixture
def client(store: LocalMediaStore) -> TestClient:
    return TestClient(Starlette(routes=media_routes(store)))


@pytest.fixture
def keys(store: LocalMediaStore) -> dict[str, str]:
    buffer = io.BytesIO()
    Image.linear_gradient("L").resize((900, 700)).convert("RGB").save(buffer, "JPEG")
    photo = process_photo(buffer.getvalue())
    assert isinstance(photo, ProcessedPhoto)
    return save_processed(store, photo)


def test_serves_a_stored_photo_with_immutable_cache_headers(
    client: TestClient, store: LocalMediaStore, keys: dict[str, str]
) -> None:
    response = client.get(f"/media/{keys['large']}")

    assert response.status_code == 200
    assert response.content == store.get(keys["large"])
    assert response.headers["content-type"] == "image/jpeg"
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["etag"] == f'"{keys["large"]}"'
    assert response.headers["x-content-type-options"] == "nosniff"


def test_public_url_resolves_to_the_route(
    client: TestClient, store: LocalMediaStore, keys: dict[str, str]
) -> None:
    response = client.get(store.url(keys["thumb"]))

    assert response.status_code == 200
    assert Image.open(io.BytesIO(response.content)).size[0] == 320


def test_revalidation_gets_not_modified(client: TestClient, keys: dict[str, str]) -> None:
    response = client.get(
        f"/media/{keys['medium']}", headers={"If-None-Match": f'"other", "{keys["medium"]}"'}
    )

    assert response.status_code == 304
    assert response.content == b""
    assert response.headers["etag"] == f'"{keys["medium"]}"'


def test_revalidating_a_missing_key_is_not_found(client: TestClient) -> None:
    response = client.get("/media/abc/large.jpg", headers={"If-None-Match": "*"})
    assert response.status_code == 404


def test_head_has_headers_and_no_body(client: TestClient, keys: dict[str, str]) -> None:
    response = client.head(f"/media/{keys['large']}")

    assert response.status_code == 200
    assert response.headers["content-type"] == "image/jpeg"
    assert response.content == b""


def test_missing_key_is_not_found(client: TestClient) -> None:
    assert client.get("/media/0123abcd/large.jpg").status_code == 404


@pytest.mark.parametrize(
    "path",
    [
        "/media/..%2F..%2Fsecret.txt",
        "/media/%2E%2E/secret.txt",
        "/media/.secret.txt",
        "/media/sub/..%2F..%2Fsecret.txt",
        "/media/%2Fetc%2Fpasswd",
        "/media/",
    ],
)
def test_keys_outside_the_store_are_not_found(
    client: TestClient, store: LocalMediaStore, path: str
) -> None:
    (store.directory.parent / "secret.txt").write_text("not for you")
    store.directory.mkdir(exist_ok=True)
    (store.directory / ".secret.txt").write_text("not for you either")

    response = client.get(path)

    assert response.status_code == 404
    assert b"not for you" not in response.content


def test_post_is_not_allowed(client: TestClient, keys: dict[str, str]) -> None:
    assert client.post(f"/media/{keys['large']}").status_code == 405


def test_photos_as_sent_are_never_served(store: LocalMediaStore, client: TestClient) -> None:
    # Raw uploads keep their EXIF (maybe the artisan's home GPS) until the pipeline runs.
    store.put("incoming/" + "a" * 64, b"\xff\xd8raw upload with exif", "image/jpeg")
    assert store.exists("incoming/" + "a" * 64)
    assert client.get("/media/incoming/" + "a" * 64).status_code == 404


class FailingStore(LocalMediaStore):
    """A media store whose backend is down (S3 answering 503, say)."""

    def get(self, key: str) -> bytes | None:
        raise MediaStoreError(f"{key}: S3 answered SlowDown")

    def exists(self, key: str) -> bool:
        raise MediaStoreError(f"{key}: S3 answered SlowDown")


def test_a_media_store_in_trouble_is_a_503_to_try_again_never_a_500(tmp_path: Path) -> None:
    failing = TestClient(Starlette(routes=media_routes(FailingStore(tmp_path, "http://x"))))
    key = f"{'ab' * 32}/large.jpg"

    response = failing.get(f"/media/{key}")
    revalidated = failing.get(f"/media/{key}", headers={"If-None-Match": f'"{key}"'})

    assert (response.status_code, response.headers["retry-after"]) == (503, "30")
    assert revalidated.status_code == 503
