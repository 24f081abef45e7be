"""The web app answers only requests addressed to the shop's host names: a forged Host header
gets 400, never a redirect or a link to another site. Health checks answer any Host."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Engine
from starlette.testclient import TestClient

from bot.web import create_app
from tests.integration.web.conftest import BASE_URL, Shop, make_container


def client_for(engine: Engine, tmp_path: Path, **settings: object) -> Iterator[TestClient]:
    container = make_container(engine, tmp_path / "media", **settings)
    base_url = str(settings.get("public_base_url", BASE_URL))
    with TestClient(create_app(container), base_url=base_url, follow_redirects=False) as client:
        yield client
    container.close()


def test_a_forged_host_gets_400_and_no_redirect(client: TestClient, shop: Shop) -> None:
    path = f"/p/{shop.product.slug}/"

    forged = client.get(path, headers={"Host": "evil.example"})
    ours = client.get(path)

    assert forged.status_code == 400
    assert "location" not in forged.headers
    assert "evil.example" not in forged.text
    assert ours.status_code == 307
    assert ours.headers["location"] == f"{BASE_URL}/p/{shop.product.slug}"


def test_a_forged_host_on_an_old_link_by_id_gets_400(client: TestClient, shop: Shop) -> None:
    forged = client.get(f"/p/{shop.product.id}/", headers={"Host": "evil.example:443"})

    assert forged.status_code == 400
    assert "location" not in forged.headers


def test_the_hosts_in_allowed_hosts_are_answered_too(
    engine: Engine, tmp_path: Path, shop: Shop
) -> None:
    page = f"/c/{shop.collection.slug}"
    for client in client_for(engine, tmp_path, allowed_hosts="soko-upstream, Shop.Example.org"):
        assert client.get(page, headers={"Host": "soko-upstream"}).status_code == 200
        assert client.get(page, headers={"Host": "shop.example.org"}).status_code == 200
        assert client.get(page, headers={"Host": "evil.example"}).status_code == 400


def test_a_shop_on_this_machine_is_reached_by_either_loopback_name(
    engine: Engine, tmp_path: Path
) -> None:
    for client in client_for(engine, tmp_path, public_base_url="http://127.0.0.1:8000"):
        assert client.get("/healthz", headers={"Host": "localhost:8000"}).status_code == 200
        assert client.get("/p/none", headers={"Host": "localhost:8000"}).status_code == 404
        assert client.get("/p/none", headers={"Host": "127.0.0.1:8000"}).status_code == 404
        assert client.get("/p/none", headers={"Host": "evil.example"}).status_code == 400


def test_health_checks_and_scrapes_answer_any_host(client: TestClient) -> None:
    # A load balancer or Prometheus addresses the worker by its own address.
    assert client.get("/healthz", headers={"Host": "10.0.0.7:8000"}).status_code == 200
    assert client.get("/metrics", headers={"Host": "10.0.0.7:8000"}).status_code == 200
    assert client.get("/livez", headers={"Host": "10.0.0.7:8000"}).status_code == 200
    assert client.get("/readyz", headers={"Host": "10.0.0.7:8000"}).status_code == 200
