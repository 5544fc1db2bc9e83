"""Settings from KORDON_* environment variables (and `kordon serve` flags)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings"]


class Settings(BaseSettings):
    """Gateway settings. Provider URLs and keys are not here: `data/providers` names the
    environment variables that hold them, so the bundle never carries a secret."""

    model_config = SettingsConfigDict(env_prefix="KORDON_", frozen=True, extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8080
    opa_url: str = "http://127.0.0.1:8181"
    # A decision is one in-memory evaluation on loopback (~0.1 ms); 250 ms means OPA is sick.
    opa_timeout_s: float = Field(default=0.25, gt=0)
    keys_file: Path = Path("var/keys.json")
    max_body_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    upstream_connect_timeout_s: float = Field(default=2.0, gt=0)
    # Until the upstream's response headers arrive; a route that misses it is failed over.
    upstream_first_byte_timeout_s: float = Field(default=60.0, gt=0)
    # Between two reads of a response body once it has started.
    upstream_read_timeout_s: float = Field(default=120.0, gt=0)
    upstream_pool_size: int = Field(default=256, gt=0)
    # Shared quota counters for several replicas; unset, each process counts in memory.
    redis_url: str | None = None
    redis_timeout_s: float = Field(default=0.25, gt=0)
    # AES key (base64, 16/24/32 bytes) for session pseudonym mappings kept in Redis; without
    # it (or without Redis) each process keeps its sessions in memory.
    vault_key: SecretStr | None = None
    session_ttl_s: float = Field(default=1800, gt=0)
