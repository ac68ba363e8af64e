"""compose.yaml holds together: what its replicas are told is real settings, valid; they
reach the Redis and PostgreSQL it starts, with the credentials it gives; and the proxy's
configuration (run for real in test_proxy.py) sends to them."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

import yaml
from service_client import ROOT

from app.config import Settings

COMPOSE = yaml.safe_load((ROOT / "compose.yaml").read_text())
SERVICES: dict[str, Any] = COMPOSE["services"]
DEFAULT = re.compile(r"\$\{[A-Z_]+:-([^}]*)\}")  # ${NAME:-default}: the default


def replicas() -> dict[str, dict[str, str]]:
    return {
        name: {k: DEFAULT.sub(r"\1", str(v)) for k, v in service["environment"].items()}
        for name, service in SERVICES.items()
        if service.get("build") == "."
    }


def test_the_replicas_are_given_real_valid_settings_and_names_of_their_own() -> None:
    found = replicas()
    assert len(found) == 2
    for env in found.values():
        names = {k.removeprefix("PIPESCOPE_").lower() for k in env}
        assert names <= set(Settings.model_fields), names - set(Settings.model_fields)
        Settings.model_validate({k.removeprefix("PIPESCOPE_").lower(): v for k, v in env.items()})
    assert len({env["PIPESCOPE_REPLICA_NAME"] for env in found.values()}) == 2
    assert len({env["PIPESCOPE_BROKER_URL"] for env in found.values()}) == 1
    assert len({env["PIPESCOPE_DATABASE_URL"] for env in found.values()}) == 1


def test_the_replicas_reach_the_redis_and_the_postgresql_it_starts() -> None:
    env = next(iter(replicas().values()))
    broker, database = (
        urlsplit(env["PIPESCOPE_BROKER_URL"]),
        urlsplit(env["PIPESCOPE_DATABASE_URL"]),
    )
    assert broker.hostname in SERVICES and "redis-server" in SERVICES[broker.hostname]["command"]
    postgres = SERVICES[str(database.hostname)]["environment"]
    assert (database.username, database.password, database.path) == (
        postgres["POSTGRES_USER"],
        postgres["POSTGRES_PASSWORD"],
        "/" + postgres["POSTGRES_DB"],
    )
    for name in replicas():
        assert set(SERVICES[name]["depends_on"]) == {broker.hostname, database.hostname}


def test_the_proxy_sends_to_every_replica_on_the_port_the_image_serves() -> None:
    proxy = SERVICES["proxy"]
    assert "./deploy/nginx.conf:/etc/nginx/nginx.conf:ro" in proxy["volumes"]
    conf = (ROOT / "deploy" / "nginx.conf").read_text()
    upstreams = re.findall(r"^\s*server ([\w-]+):(\d+)", conf, re.MULTILINE)
    port = re.search(r"^\s+PIPESCOPE_PORT=(\d+)", (ROOT / "Dockerfile").read_text(), re.M)
    assert port is not None
    assert sorted(upstreams) == sorted((name, port[1]) for name in replicas())
    listen = re.search(r"listen (\d+);", conf)
    assert listen is not None and proxy["ports"] == [f"{listen[1]}:{listen[1]}"]
