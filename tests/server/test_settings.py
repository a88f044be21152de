"""Settings from the environment; generated secrets persist with mode 0600 and never print."""

import stat
from pathlib import Path

import pytest

from server.settings import (
    IceServer,
    SettingsError,
    parse_bind,
    parse_ice_servers,
    parse_signing_keys,
    settings_from_env,
)

SECRET = "s" * 40


def test_env_and_overrides(tmp_path: Path) -> None:
    env = {
        "HUIZHEN_PORT": "9001",
        "HUIZHEN_DATA_DIR": str(tmp_path),
        "HUIZHEN_SECRET_KEYS": f"a:{SECRET},b:{SECRET}x",
        "HUIZHEN_API_KEY": "key",
        "HUIZHEN_COALESCE_MS": "5",
        "HUIZHEN_REDIS_URL": "redis://127.0.0.1:1",
        "HUIZHEN_ICE_SERVERS": "stun:127.0.0.1:3478",
    }
    settings = settings_from_env(env, port=None, host="0.0.0.0")
    assert settings.port == 9001 and settings.host == "0.0.0.0"
    assert [k.kid for k in settings.signing_keys] == ["a", "b"]
    assert settings.coalesce_s == 0.005
    assert settings.redis_url == "redis://127.0.0.1:1"
    assert settings.ice_servers == (IceServer(("stun:127.0.0.1:3478",)),)
    assert settings.public_base == "http://0.0.0.0:9001"
    assert SECRET not in repr(settings) and "api_key" not in repr(settings)


def test_generated_secrets_are_private_and_reused(tmp_path: Path) -> None:
    first = settings_from_env({}, data_dir=tmp_path).with_secrets()
    mode = stat.S_IMODE((tmp_path / "secrets.json").stat().st_mode)
    assert mode == 0o600
    second = settings_from_env({}, data_dir=tmp_path).with_secrets()
    assert first.signing_keys == second.signing_keys and first.api_key == second.api_key
    assert len(first.api_key) >= 32
    assert first.api_key not in repr(first)
    assert first.signing_keys[0].secret not in repr(first)


def test_env_secrets_win_over_the_file(tmp_path: Path) -> None:
    settings_from_env({}, data_dir=tmp_path).with_secrets()
    env = {"HUIZHEN_SECRET_KEYS": f"mine:{SECRET}", "HUIZHEN_API_KEY": "apikey"}
    settings = settings_from_env(env, data_dir=tmp_path).with_secrets()
    assert settings.signing_keys[0].kid == "mine" and settings.api_key == "apikey"


@pytest.mark.parametrize("text", ["nocolon", "a:short", f"a:{SECRET},a:{SECRET}"])
def test_bad_signing_keys(text: str) -> None:
    with pytest.raises(SettingsError):
        parse_signing_keys(text)


def test_bad_number_names_the_variable() -> None:
    with pytest.raises(SettingsError, match="HUIZHEN_PORT"):
        settings_from_env({"HUIZHEN_PORT": "eighty"})


def test_ice_servers_json() -> None:
    servers = parse_ice_servers(
        '[{"urls": ["turn:t.example:3478"], "username": "u", "credential": "c"},'
        ' {"urls": "stun:s"}]'
    )
    assert servers[0].urls == ("turn:t.example:3478",) and servers[0].credential == "c"
    assert "'c'" not in repr(servers[0])
    assert servers[1].urls == ("stun:s",)
    assert parse_ice_servers("") == ()


def test_public_url_wins() -> None:
    assert settings_from_env({}, public_url="https://h.example/").public_base == "https://h.example"


def test_media_addresses_are_checked_ip_addresses() -> None:
    env = {"HUIZHEN_MEDIA_ADDRESSES": " 10.0.0.5, ::1 ,"}
    assert settings_from_env(env).media_addresses == ("10.0.0.5", "::1")
    assert settings_from_env({}).media_addresses == ()
    with pytest.raises(SettingsError, match="HUIZHEN_MEDIA_ADDRESSES"):
        settings_from_env({"HUIZHEN_MEDIA_ADDRESSES": "node-b.example"})


def test_room_store_is_sqlite_unless_told_memory() -> None:
    assert settings_from_env({}).room_store == "sqlite"
    assert settings_from_env({"HUIZHEN_ROOM_STORE": "memory"}).room_store == "memory"
    with pytest.raises(SettingsError, match="HUIZHEN_ROOM_STORE"):
        settings_from_env({"HUIZHEN_ROOM_STORE": "redis"})


def test_room_store_sync_is_full_unless_told_normal() -> None:
    assert settings_from_env({}).room_store_sync == "FULL"
    assert settings_from_env({"HUIZHEN_ROOM_STORE_SYNC": "normal"}).room_store_sync == "NORMAL"
    with pytest.raises(SettingsError, match="HUIZHEN_ROOM_STORE_SYNC"):
        settings_from_env({"HUIZHEN_ROOM_STORE_SYNC": "OFF"})


def test_upload_limits_metrics_bind_and_tls() -> None:
    env = {
        "HUIZHEN_MAX_UPLOAD_BYTES": "1048576",
        "HUIZHEN_ROOM_QUOTA_BYTES": "0",
        "HUIZHEN_METRICS_BIND": "[::1]:9100",
        "HUIZHEN_CERTFILE": "/etc/huizhen/cert.pem",
        "HUIZHEN_KEYFILE": "/etc/huizhen/key.pem",
    }
    settings = settings_from_env(env)
    assert (settings.max_upload_bytes, settings.room_quota_bytes) == (1 << 20, 0)
    assert parse_bind(settings.metrics_bind or "") == ("::1", 9100)
    assert settings.certfile == Path("/etc/huizhen/cert.pem")
    assert settings.public_base == "https://127.0.0.1:8000"
    with pytest.raises(SettingsError, match="HUIZHEN_METRICS_BIND"):
        settings_from_env({"HUIZHEN_METRICS_BIND": "9100"})
    with pytest.raises(SettingsError, match="HUIZHEN_KEYFILE"):
        settings_from_env({"HUIZHEN_KEYFILE": "/etc/huizhen/key.pem"})
