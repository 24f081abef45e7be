"""The deploy recipe (deploy/), checked without Docker: every `soko` command that the compose
file, the image and the systemd units run is one the command line knows (parsed by its own
parser); every variable they set is a Soko setting or one of the few documented for the
images beside it; the health checks ask routes the web app has; the workers and schedulers
wait for the migration; the image runs as a user without privileges and installs the wheel,
and the wheel holds the package data (catalogs, templates, migrations, shipped data)."""

from __future__ import annotations

import argparse
import configparser
import os
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import yaml
from starlette.testclient import TestClient

from bot.cli import build_parser
from bot.container import Container
from bot.settings import Settings, for_web_workers
from bot.web import create_app

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES: dict[str, dict[str, Any]] = COMPOSE["services"]
DOCKERFILE = (DEPLOY / "Dockerfile").read_text()
UNITS = DEPLOY / "systemd"
SETTINGS = frozenset(name.upper() for name in Settings.model_fields)
# The images Soko runs beside (PostgreSQL, MinIO, Caddy) take these; docs/operations.md says
# what each is.
NOT_SOKO = frozenset(
    {
        "POSTGRES_DB",
        "POSTGRES_USER",
        "POSTGRES_PASSWORD",
        "MINIO_ROOT_USER",
        "MINIO_ROOT_PASSWORD",
        "SITE_ADDRESS",
    }
)
PACKAGES = ("bot", "handlers", "conversations", "store", "payments")


def soko_services() -> dict[str, dict[str, Any]]:
    return {
        name: service
        for name, service in SERVICES.items()
        if service.get("build", {}).get("dockerfile") == "deploy/Dockerfile"
    }


def command_line(argv: list[str]) -> argparse.Namespace:
    """`argv` (without `soko`) as `soko` parses it; a test failure if it does not."""
    try:
        return build_parser().parse_args(argv)
    except SystemExit:
        pytest.fail(f"soko {' '.join(argv)}: not a command line soko takes")


def runs(service: dict[str, Any]) -> list[str]:
    command = service["command"]
    argv = command if isinstance(command, list) else shlex.split(command)
    assert argv[0] == "soko", argv
    return [str(arg) for arg in argv[1:]]


def environment(service: dict[str, Any]) -> dict[str, str]:
    given = service.get("environment", {})
    if isinstance(given, list):
        given = dict(item.split("=", 1) for item in given)
    return {str(name): str(value) for name, value in given.items()}


def env_file(path: Path) -> dict[str, str]:
    return dict(re.findall(r"^([A-Z0-9_]+)=(.*)$", path.read_text(), flags=re.MULTILINE))


def interpolated(value: str) -> str:
    """Compose's `${NAME}` / `${NAME:?…}` / `${NAME:-default}` with an example value."""
    return re.sub(r"\$\{[A-Z0-9_]+(?::[-?][^}]*)?\}", "example", value)


def test_every_soko_command_of_the_compose_file_and_the_image_is_one_soko_takes() -> None:
    commands = {name: runs(service) for name, service in soko_services().items()}
    for argv in commands.values():
        command_line(argv)
    image_default = re.search(r"^CMD (\[.*\])$", DOCKERFILE, flags=re.MULTILINE)
    assert image_default is not None
    command_line(yaml.safe_load(image_default.group(1))[1:])

    assert sorted(" ".join(argv[:2]) for argv in commands.values()) == [
        "db upgrade",
        "scheduler",
        "scheduler",
        "telegram register",
        "web --host",
        "web --host",
    ]


def test_postgresql_s3_a_proxy_two_workers_two_schedulers_and_a_migration_first() -> None:
    assert SERVICES["postgres"]["image"] == "postgres:15"
    assert SERVICES["minio"]["image"].startswith("minio/minio")
    assert SERVICES["proxy"]["image"].startswith("caddy:")
    migrate = next(n for n, s in soko_services().items() if runs(s)[:2] == ["db", "upgrade"])
    assert SERVICES[migrate]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert SERVICES[migrate]["restart"] == "no"
    for name, service in soko_services().items():
        if runs(service)[0] in ("web", "scheduler"):
            waits = service["depends_on"]
            assert waits[migrate]["condition"] == "service_completed_successfully", name
            assert waits["bucket"]["condition"] == "service_completed_successfully", name
    assert "mc mb" in " ".join(SERVICES["bucket"]["command"])
    proxy_waits = SERVICES["proxy"]["depends_on"]
    workers = [n for n, s in soko_services().items() if runs(s)[0] == "web"]
    assert {proxy_waits[w]["condition"] for w in workers} == {"service_healthy"}


def test_every_variable_is_a_setting_or_documented_for_the_image_beside() -> None:
    operations = (ROOT / "docs" / "operations.md").read_text()
    operator_file = env_file(DEPLOY / "soko.env.example")
    for name, service in SERVICES.items():
        allowed = SETTINGS if name in soko_services() else SETTINGS | NOT_SOKO
        assert set(environment(service)) <= allowed, name
    assert set(operator_file) <= SETTINGS | NOT_SOKO
    wanted = set(re.findall(r"\$\{([A-Z0-9_]+)", (DEPLOY / "compose.yaml").read_text()))
    assert wanted <= set(operator_file), "every ${…} of compose.yaml is in soko.env.example"
    for name in NOT_SOKO:
        assert f"`{name}`" in operations, f"{name}: not in docs/operations.md"


def test_the_settings_the_containers_get_load_and_suit_web_workers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """soko.env.example's values, then compose.yaml's over them, as Compose passes them."""
    for service in soko_services().values():
        given = env_file(DEPLOY / "soko.env.example") | environment(service)
        for name, value in given.items():
            monkeypatch.setenv(name, interpolated(value))
        settings = Settings(_env_file=None)  # type: ignore[call-arg]
        assert for_web_workers(settings) is settings  # S3: every worker sees every photo
        assert settings.database_url.startswith("postgresql+psycopg://")


def health_paths() -> list[tuple[str, str]]:
    """(Host, path) of each health check: compose's (inside the container) and Caddy's."""
    checks = []
    for service in soko_services().values():
        if "healthcheck" in service:
            test = " ".join(service["healthcheck"]["test"])
            found = re.search(r"http://([^/'\"\s]+)(/[^'\"\s]*)", test)
            assert found is not None, test
            checks.append((found.group(1), found.group(2)))
    caddy = (DEPLOY / "Caddyfile").read_text()
    upstream = re.search(r"reverse_proxy (\S+)", caddy)
    health_uri = re.search(r"health_uri (\S+)", caddy)
    assert upstream is not None
    assert health_uri is not None
    checks.append((upstream.group(1), health_uri.group(1)))
    return checks


def test_the_health_checks_ask_routes_the_web_app_has(tmp_path: Path) -> None:
    checks = health_paths()
    assert len(checks) == 3  # two workers and the proxy's
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=f"sqlite:///{tmp_path / 'soko.db'}",
        media_dir=tmp_path / "media",
        public_base_url="https://shop.example.org",
    )
    container = Container(settings)
    try:
        client = TestClient(create_app(container))
        for host, path in checks:
            answer = client.get(path, headers={"Host": host})
            # Any answer but "no such route" or "not a host I answer": an empty database may
            # well not be ready.
            assert answer.status_code not in (400, 404), (host, path, answer.status_code)
    finally:
        container.close()


def unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string((UNITS / name).read_text())
    return parser


def test_the_systemd_units_run_commands_soko_takes_as_soko_after_the_migration() -> None:
    names = sorted(path.name for path in UNITS.iterdir())
    assert names == ["soko-migrate.service", "soko-scheduler@.service", "soko-web@.service"]
    for name in names:
        service = unit(name)["Service"]
        argv = shlex.split(service["ExecStart"].replace("%i", "8001"))
        assert argv[0].endswith("/bin/soko"), name
        command_line(argv[1:])
        assert service["User"] not in ("root", "0"), name
        for assignment in shlex.split(service.get("Environment", "")):
            assert assignment.split("=", 1)[0] in SETTINGS, name
    assert unit("soko-migrate.service")["Service"]["Type"] == "oneshot"
    assert "db upgrade" in unit("soko-migrate.service")["Service"]["ExecStart"]
    for name in ("soko-web@.service", "soko-scheduler@.service"):
        first = unit(name)["Unit"]
        assert "soko-migrate.service" in first["Wants"].split(), name
        assert "soko-migrate.service" in first["After"].split(), name


def stages(dockerfile: str) -> list[list[str]]:
    """The Dockerfile's instructions (continuation lines joined), one list per stage."""
    joined = re.sub(r"\\\n\s*", " ", dockerfile)
    lines = [line for line in joined.splitlines() if line.strip() and not line.startswith("#")]
    found: list[list[str]] = []
    for line in lines:
        if line.startswith("FROM "):
            found.append([])
        if found:
            found[-1].append(line)
    return found


def test_the_image_installs_the_wheel_with_postgres_and_runs_as_a_user() -> None:
    build, final = stages(DOCKERFILE)[0], stages(DOCKERFILE)[-1]
    assert len(stages(DOCKERFILE)) >= 2
    assert any(line.startswith("RUN pip wheel") and "--no-deps" in line for line in build)
    base = re.fullmatch(r"FROM python:3\.(\d+)-slim", final[0])
    assert base is not None, final[0]
    assert int(base.group(1)) >= 11, final[0]
    (install,) = [line for line in final if "pip install" in line]
    assert ".whl)[postgres]" in install
    copies = [line for line in final if line.startswith(("COPY", "ADD"))]
    assert copies
    assert all("--from=" in line for line in copies), "no source in the image"
    users = [line.split()[1] for line in final if line.startswith("USER ")]
    assert users[-1:] not in (["root"], ["0"], [])
    assert "[dev" not in DOCKERFILE


def test_the_wheel_holds_the_package_data(tmp_path: Path) -> None:
    """Built as the image's first stage builds it, from what it copies, without a network."""
    source = tmp_path / "src"
    copies = re.findall(r"^COPY (?!--)(.+) \S+$", DOCKERFILE, flags=re.MULTILINE)
    copied = [word for line in copies for word in line.split()]
    assert {"pyproject.toml", "README.md", *PACKAGES} <= set(copied)
    tracked = subprocess.run(
        ["git", "ls-files", *copied], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    for name in tracked:
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ROOT / name, source / name)
    wheels = tmp_path / "wheels"
    subprocess.run(
        [
            *(sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation"),
            *("--quiet", "--wheel-dir", str(wheels), str(source)),
        ],
        env={**os.environ, "PIP_NO_INDEX": "1"},
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("soko-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())

    packaged = [name for name in tracked if name.split("/")[0] in PACKAGES]
    data = [name for name in packaged if not name.endswith((".py", ".pot"))]
    assert "conversations/locales/sw/LC_MESSAGES/messages.po" in data
    assert "store/data/vocabulary.toml" in data
    assert "handlers/web/templates/base.html" in data
    assert [name for name in packaged if name not in inside and not name.endswith(".pot")] == []
    entry_points = next(name for name in inside if name.endswith("entry_points.txt"))
    assert "soko = bot.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_the_filled_in_settings_stay_out_of_git_and_of_the_image_build() -> None:
    # deploy/soko.env holds the database, MinIO, Telegram and Stripe secrets (section 9.4 has
    # the operator fill it in inside the checkout): `git add -A` must not commit it, and the
    # build context (the checkout, compose's `context: ..`) must not carry it, nor .env, the
    # SQLite shop or the virtualenv, to the Docker daemon.
    gitignored = (ROOT / ".gitignore").read_text().split()
    assert "deploy/soko.env" in gitignored
    dockerignored = (ROOT / ".dockerignore").read_text().split()
    for path in ("deploy/soko.env", ".env", ".git", ".venv", "var", "*.db"):
        assert path in dockerignored, path
