"""Settings from KORDON_* environment variables (and `kordon serve` flags).

`load_settings()` reads them: each `KORDON_<FIELD>` (any case) is converted to the field's type
by msgspec and checked against its bounds; a bad value stops the start with a message that names
the variable, never its value.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from app.schemas.bounds import Count, NonNegativeFloat, Positive, PositiveFloat
from app.schemas.validation import failure

__all__ = ["Secret", "Settings", "SettingsError", "load_settings"]

_PREFIX = "kordon_"
# Words pydantic-settings also read as booleans, besides true/false/1/0.
_BOOLEANS = dict.fromkeys(("yes", "on", "y", "t"), "true") | dict.fromkeys(
    ("no", "off", "n", "f"), "false"
)


class Secret:
    """A setting kept out of reprs, logs and error messages: only `get_secret_value()` shows it."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def get_secret_value(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return "Secret('**********')"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Secret) and other._value == self._value

    def __hash__(self) -> int:
        return hash(self._value)


class SettingsError(ValueError):
    pass


class Settings(msgspec.Struct, frozen=True, kw_only=True):
    """Gateway settings. Provider URLs and keys are not here: `data/providers` names the
    environment variables that hold them, so the bundle never carries a secret."""

    host: str = "127.0.0.1"
    port: int = 8080
    opa_url: str = "http://127.0.0.1:8181"
    # A decision is one in-memory evaluation on loopback (~0.1 ms); 250 ms means OPA is sick.
    opa_timeout_s: PositiveFloat = 0.25
    # Decisions in flight to OPA at once; the rest queue in the gateway (OPA answers each within
    # its timeout instead of evaluating dozens at once on a core it shares), for at most
    # opa_queue_timeout_s, then fail closed (docs/performance.md, "Decision backpressure").
    opa_pool_size: Positive = 8
    opa_queue_timeout_s: PositiveFloat = 1.0
    # Decisions over this Unix socket instead of opa_url's TCP (OPA listens on both; readiness
    # and bundle data stay on opa_url). `kordon serve` sets it for its own sidecar.
    opa_decision_socket: Path | None = None
    # Decision memo (app/policy/memo.py): this many decisions of the active bundle revision,
    # served again for identical input documents; 0 = off. Only with the OPA sidecar
    # `kordon serve` supervises (its status reports tell the gateway of every activation).
    decision_memo_size: Count = 4096
    keys_file: Path = Path("var/keys.json")
    max_body_bytes: Positive = 4 * 1024 * 1024
    # Longest a request's personal-data scan may take (it runs on the event loop); past it
    # the request is refused (413). A 1 KB message takes ~0.2 ms, a 4 MiB body under a second.
    scan_budget_ms: PositiveFloat = 1000.0
    upstream_connect_timeout_s: PositiveFloat = 2.0
    # Until the upstream's response headers arrive; a route that misses it is failed over.
    upstream_first_byte_timeout_s: PositiveFloat = 60.0
    # Between two reads of a response body once it has started.
    upstream_read_timeout_s: PositiveFloat = 120.0
    # Longest quiet gap between two chunks of a stream; past it the client gets an error event.
    upstream_idle_timeout_s: PositiveFloat = 60.0
    # Circuit breaker per (provider, model, replica): open after this many failures in a row (or
    # half of the recent ones), for this long, then one trial request.
    breaker_failures: Positive = 5
    breaker_open_s: PositiveFloat = 30.0
    # Retry budget: each request earns this fraction of a retry, plus a floor per second.
    retry_budget_ratio: NonNegativeFloat = 0.2
    retry_budget_min_per_s: NonNegativeFloat = 10.0
    # Active probes (each vendor's model list) of open circuits, every this many seconds;
    # 0 = off (a half-open trial request closes a circuit).
    probe_interval_s: NonNegativeFloat = 0.0
    # Bearer key for /admin/*; unset, the admin endpoints answer 403. Never logged.
    admin_key: Secret | None = None
    upstream_pool_size: Positive = 256
    # Shared quota counters for several replicas; unset, each process counts in memory.
    redis_url: str | None = None
    redis_timeout_s: PositiveFloat = 0.25
    # AES-256 key (base64 of 32 bytes) for session pseudonym mappings kept in Redis; without
    # it (or without Redis) each process keeps its sessions in memory.
    vault_key: Secret | None = None
    session_ttl_s: PositiveFloat = 1800
    # Audit trail (docs/audit.md): PostgreSQL when audit_dsn is set, else segment files in
    # audit_dir; segments sealed with the Ed25519 key in the file audit_signing_key.
    audit_enabled: bool = True
    audit_dir: Path = Path("var/audit")
    audit_dsn: Secret | None = None
    audit_signing_key: Path | None = None
    audit_queue_size: Positive = 10_000
    audit_segment_records: Positive = 10_000
    audit_segment_seconds: PositiveFloat = 60.0
    # fsync each written batch (group commit); off leaves flushing to the OS.
    audit_fsync: bool = True
    # Policy source for `kordon serve` (README, "Bundle sources"): the repository's rego/ + data/
    # by default, else a local bundle (directory or .tar.gz) or a bundle service OPA polls.
    bundle: Path | None = None
    bundle_url: str | None = None
    # A file holding the bundle service's bearer token; OPA reads it itself (never argv).
    bundle_token_file: Path | None = None
    bundle_polling_min_delay_s: Positive = 5
    bundle_polling_max_delay_s: Positive = 10
    # Set only for a bundle service that supports OPA's long polling.
    bundle_long_polling_timeout_s: Positive | None = None
    # Public key (PEM) bundles must be signed with; unsigned or tampered bundles are refused.
    bundle_verification_key: Path | None = None
    bundle_verification_key_id: str = "kordon"
    bundle_signing_alg: str = "RS256"
    bundle_signing_scope: str | None = None
    # The OPA child is restarted when it exits; this many exits within the window end the
    # gateway with a non-zero status so the orchestrator can act.
    opa_max_failures: Positive = 5
    opa_failure_window_s: PositiveFloat = 60.0
    # On SIGTERM/SIGINT: how long requests in flight (streams included) may take to finish.
    drain_timeout_s: NonNegativeFloat = 30.0


def load_settings(environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
    """Settings from `environ` (default: the process environment), `overrides` (flags) first."""
    names = {field.name: field.type for field in msgspec.structs.fields(Settings)}
    values: dict[str, object] = {}
    for variable, value in (os.environ if environ is None else environ).items():
        name = variable.lower().removeprefix(_PREFIX)
        if variable.lower().startswith(_PREFIX) and name in names:
            values[name] = _BOOLEANS.get(value.lower(), value) if names[name] is bool else value
    values.update(overrides)
    try:
        return msgspec.convert(values, Settings, strict=False, dec_hook=_decode)
    except msgspec.ValidationError as exc:
        where, what = failure(exc)
        variable = f"KORDON_{where.upper()}" if where else "KORDON_* settings"
        raise SettingsError(f"{variable}: {what}") from None


def _decode(kind: type, value: Any) -> object:
    if isinstance(value, kind):  # a flag or a caller passed the type itself
        return value
    if isinstance(value, str) and kind is Path:
        return Path(value)
    if isinstance(value, str) and kind is Secret:
        return Secret(value)
    raise NotImplementedError
