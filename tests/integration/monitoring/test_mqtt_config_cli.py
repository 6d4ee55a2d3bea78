"""`enlace devices mosquitto-config` on both stores, against a real broker: the active devices and
the subscriber get passwords (printed once), a device publishes with its own and its readings are
stored; a rerun keeps passwords, drops a revoked device (refused after SIGHUP); bad options of it
and of `enlace ingest mqtt` exit 2 with the reason."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from enlace.entrypoints.cli.main import app
from enlace.interactions.context import Services
from enlace.modules.monitoring import registry
from enlace.modules.monitoring.mqtt_credentials import SUBSCRIBER_USER
from enlace.modules.monitoring.mqtt_topics import readings_topic
from tests.integration.monitoring.device_support import new_device, new_patient
from tests.integration.monitoring.mqtt_support import (
    DAY_BEFORE,
    cgm_batch,
    stored_count,
    subscriber_thread,
    wait_until,
)
from tests.support.mosquitto import Refused, connect, mosquitto, require_mosquitto


@pytest.fixture
def env(services: Services, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("ENLACE_DATABASE_URL", services.settings.resolved_database_url)
    monkeypatch.setenv("ENLACE_VAR_DIR", str(tmp_path / "var"))


def _config(out: Path, *extra: str) -> dict[str, str]:
    result = CliRunner().invoke(app, ["devices", "mosquitto-config", "--out", str(out), *extra])
    assert result.exit_code == 0, result.output
    lines = [line.split("\t") for line in result.stdout.splitlines() if "\t" in line]
    return dict((user, password) for user, password in lines)


def test_devices_publish_with_the_issued_passwords_and_revoked_ones_are_refused(
    services: Services, env: None, tmp_path: Path
) -> None:
    require_mosquitto()
    a = new_device(services, new_patient(services), kind="cgm")[0]
    b = new_device(services, new_patient(services, "López"), kind="cgm")[0]
    new_device(services, None, kind="cgm")  # in stock, bound to nobody: no credential
    out = tmp_path / "mqtt"
    issued = _config(out)
    assert sorted(issued) == sorted([a, b, SUBSCRIBER_USER])
    assert (out / "passwd").stat().st_mode & 0o777 == 0o600
    with mosquitto(tmp_path / "broker", out / "passwd", out / "acl") as broker:
        with subscriber_thread(
            services, broker.port, SUBSCRIBER_USER, issued[SUBSCRIBER_USER]
        ) as subscriber:
            sender = connect(broker.port, a, a, issued[a])
            assert sender.publish(readings_topic(a), cgm_batch(DAY_BEFORE, 4))
            sender.publish(readings_topic(b), cgm_batch(DAY_BEFORE, 2))  # forged: dropped
            assert wait_until(lambda: subscriber.handled == 1)
            sender.close()
        assert stored_count(services, a) == 4 and stored_count(services, b) == 0
        with services.db.begin() as conn:
            registry.revoke(conn, services.repo, b)
        assert _config(out) == {}  # nothing new to issue; a's password is kept
        broker.reload()
        with pytest.raises(Refused):
            connect(broker.port, b, b, issued[b])
        connect(broker.port, a, a, issued[a]).close()


def test_rotation_issues_a_new_password_and_the_old_one_stops_working(
    services: Services, env: None, tmp_path: Path
) -> None:
    require_mosquitto()
    a = new_device(services, new_patient(services), kind="cgm")[0]
    out = tmp_path / "mqtt"
    old = _config(out)[a]
    new = _config(out, "--rotate", a)
    assert list(new) == [a] and new[a] != old
    with mosquitto(tmp_path / "broker", out / "passwd", out / "acl") as broker:
        with pytest.raises(Refused):
            connect(broker.port, a, a, old)
        connect(broker.port, a, a, new[a]).close()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["devices", "mosquitto-config", "--out", "{tmp}/mqtt", "--rotate", "nope"], "--rotate"),
        (["devices", "mosquitto-config", "--out", "{tmp}/file"], "is not a folder"),
        (["ingest", "mqtt", "--topic", "enlace/#/x"], "not a valid MQTT topic filter"),
        (["ingest", "mqtt", "--port", "70000"], "is not a TCP port"),
        (["ingest", "mqtt", "--client-id", ""], "--client-id"),
        (["ingest", "mqtt", "--processes", "0"], "--processes must be 1 to 16"),
    ],
)
def test_bad_options_exit_2_with_the_reason(
    services: Services, env: None, tmp_path: Path, arguments: list[str], message: str
) -> None:
    (tmp_path / "file").write_text("")
    result = CliRunner().invoke(app, [a.replace("{tmp}", str(tmp_path)) for a in arguments])
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert not (tmp_path / "mqtt" / "passwd").exists()
