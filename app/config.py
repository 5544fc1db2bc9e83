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
    # Decisions in flight to OPA at once; the rest queue in the gateway (OPA answers each within
    # its timeout instead of evaluating dozens at once on a core it shares), for at most
    # opa_queue_timeout_s, then fail closed (docs/performance.md, "Decision backpressure").
    opa_pool_size: int = Field(default=8, gt=0)
    opa_queue_timeout_s: float = Field(default=1.0, gt=0)
    # Decisions over this Unix socket instead of opa_url's TCP (OPA listens on both; readiness
    # and bundle data stay on opa_url). `kordon serve` sets it for its own sidecar.
    opa_decision_socket: Path | None = None
    # Decision memo (app/policy/memo.py): this many decisions of the active bundle revision,
    # served again for identical input documents; 0 = off. Only with the OPA sidecar
    # `kordon serve` supervises (its status reports tell the gateway of every activation).
    decision_memo_size: int = Field(default=4096, ge=0)
    keys_file: Path = Path("var/keys.json")
    max_body_bytes: int = Field(default=4 * 1024 * 1024, gt=0)
    # Longest a request's personal-data scan may take (it runs on the event loop); past it
    # the request is refused (413). A 1 KB message takes ~0.2 ms, a 4 MiB body under a second.
    scan_budget_ms: float = Field(default=1000.0, gt=0)
    upstream_connect_timeout_s: float = Field(default=2.0, gt=0)
    # Until the upstream's response headers arrive; a route that misses it is failed over.
    upstream_first_byte_timeout_s: float = Field(default=60.0, gt=0)
    # Between two reads of a response body once it has started.
    upstream_read_timeout_s: float = Field(default=120.0, gt=0)
    # Longest quiet gap between two chunks of a stream; past it the client gets an error event.
    upstream_idle_timeout_s: float = Field(default=60.0, gt=0)
    # Circuit breaker per (provider, model, replica): open after this many failures in a row (or
    # half of the recent ones), for this long, then one trial request.
    breaker_failures: int = Field(default=5, ge=1)
    breaker_open_s: float = Field(default=30.0, gt=0)
    # Retry budget: each request earns this fraction of a retry, plus a floor per second.
    retry_budget_ratio: float = Field(default=0.2, ge=0)
    retry_budget_min_per_s: float = Field(default=10.0, ge=0)
    # Active probes (GET /models) of open circuits of OpenAI-compatible replicas, every this
    # many seconds; 0 = off (a half-open trial request closes a circuit).
    probe_interval_s: float = Field(default=0.0, ge=0)
    # Bearer key for /admin/*; unset, the admin endpoints answer 403. Never logged.
    admin_key: SecretStr | None = None
    upstream_pool_size: int = Field(default=256, gt=0)
    # Shared quota counters for several replicas; unset, each process counts in memory.
    redis_url: str | None = None
    redis_timeout_s: float = Field(default=0.25, gt=0)
    # AES key (base64, 16/24/32 bytes) for session pseudonym mappings kept in Redis; without
    # it (or without Redis) each process keeps its sessions in memory.
    vault_key: SecretStr | None = None
    session_ttl_s: float = Field(default=1800, gt=0)
    # Audit trail (docs/audit.md): PostgreSQL when audit_dsn is set, else segment files in
    # audit_dir; segments sealed with the Ed25519 key in the file audit_signing_key.
    audit_enabled: bool = True
    audit_dir: Path = Path("var/audit")
    audit_dsn: SecretStr | None = None
    audit_signing_key: Path | None = None
    audit_queue_size: int = Field(default=10_000, gt=0)
    audit_segment_records: int = Field(default=10_000, gt=0)
    audit_segment_seconds: float = Field(default=60.0, gt=0)
    # fsync each written batch (group commit); off leaves flushing to the OS.
    audit_fsync: bool = True
    # Policy source for `kordon serve` (README, "Bundle sources"): the repository's rego/ + data/
    # by default, else a local bundle (directory or .tar.gz) or a bundle service OPA polls.
    bundle: Path | None = None
    bundle_url: str | None = None
    # A file holding the bundle service's bearer token; OPA reads it itself (never argv).
    bundle_token_file: Path | None = None
    bundle_polling_min_delay_s: int = Field(default=5, ge=1)
    bundle_polling_max_delay_s: int = Field(default=10, ge=1)
    # Set only for a bundle service that supports OPA's long polling.
    bundle_long_polling_timeout_s: int | None = Field(default=None, ge=1)
    # Public key (PEM) bundles must be signed with; unsigned or tampered bundles are refused.
    bundle_verification_key: Path | None = None
    bundle_verification_key_id: str = "kordon"
    bundle_signing_alg: str = "RS256"
    bundle_signing_scope: str | None = None
    # The OPA child is restarted when it exits; this many exits within the window end the
    # gateway with a non-zero status so the orchestrator can act.
    opa_max_failures: int = Field(default=5, ge=1)
    opa_failure_window_s: float = Field(default=60.0, gt=0)
    # On SIGTERM/SIGINT: how long requests in flight (streams included) may take to finish.
    drain_timeout_s: float = Field(default=30.0, ge=0)
