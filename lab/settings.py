"""The lab's settings: declared once, each with a default and help text.

Values come, highest priority first, from ``DATALAB_*`` environment variables, then from an
optional TOML config file (``DATALAB_CONFIG``, default ``$DATALAB_HOME/datalab.toml``), then from
the defaults below. The README's configuration table is checked against this declaration by a test.
"""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
    TomlConfigSettingsSource,
)

from lab.errors import ConfigurationError

ENV_PREFIX = "DATALAB_"
SECRET_SETTINGS = frozenset(
    {
        "s3_secret_key",
        "kek",
        "secret_key",
        "gateway_spark_cluster_secret",
        "gateway_spark_connect_token",
    }
)
REQUEST_THREADS = 40  # anyio's default thread limit, which runs FastAPI's synchronous routes
_DNS_LABEL = r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$"  # a Kubernetes name (RFC 1123 label)
_IMAGE_WITH_TAG = r"^\S+:[\w][\w.-]{0,127}$"  # name:tag; a registry's :port is not a tag
# A Spark master: local mode with N (or all) threads, a standalone master, or Spark Connect.
_SPARK_MASTER = (
    r"^(local(\[(\d+|\*)(,\d+)?\])?|spark://[\w.-]+:\d{1,5}|sc://[\w.-]+(:\d{1,5})?(/;\S*)?)$"
)


def _default_home() -> Path:
    return Path(os.environ.get("DATALAB_HOME", "~/.datalab")).expanduser()


def _config_file() -> Path:
    explicit = os.environ.get("DATALAB_CONFIG")
    return Path(explicit).expanduser() if explicit else _default_home() / "datalab.toml"


class LabSettings(BaseSettings):
    """Every setting of City Data Lab."""

    model_config = SettingsConfigDict(
        env_prefix=ENV_PREFIX, extra="forbid", frozen=True, validate_default=True
    )

    home: Path = Field(
        default_factory=_default_home,
        description="Data directory: SQLite database, local objects, keyring, logs.",
    )
    database_url: str = Field(
        default="",
        description="SQLAlchemy URL of the metadata database; empty means SQLite at "
        "`$DATALAB_HOME/lab.db`. PostgreSQL: `postgresql+psycopg://user@host:5432/db`.",
    )
    storage_backend: Literal["local", "s3"] = Field(
        default="local",
        description="Object store: `local` (a directory under the home) or `s3` (the minio SDK).",
    )
    storage_dir: Path | None = Field(
        default=None,
        description="Directory of the local object store; empty means `$DATALAB_HOME/objects`.",
    )
    s3_endpoint: str = Field(
        default="127.0.0.1:9000", description="S3 endpoint as `host:port` (no scheme)."
    )
    s3_access_key: str = Field(default="", description="S3 access key.")
    s3_secret_key: SecretStr = Field(default=SecretStr(""), description="S3 secret key.")
    s3_bucket: str = Field(
        default="datalab", description="S3 bucket for all lab objects (at least 3 characters)."
    )
    s3_secure: bool = Field(default=False, description="Use HTTPS to reach the S3 endpoint.")
    s3_region: str = Field(default="us-east-1", description="S3 region name.")
    keyring_file: Path | None = Field(
        default=None,
        description="JSON file of key-encryption keys (created 0600 by `datalab init`); "
        "empty means `$DATALAB_HOME/secrets/keyring.json`.",
    )
    kek: SecretStr = Field(
        default=SecretStr(""),
        description="Key-encryption keys as `id:base64key[,id:base64key…]`; the first is active. "
        "Overrides the keyring file when set.",
    )
    secret_key: SecretStr = Field(
        default=SecretStr(""),
        description="Secret for cookies and signed URLs; empty means one generated into "
        "`$DATALAB_HOME/secrets/secret_key` at first start.",
    )
    host: str = Field(default="127.0.0.1", description="Address `datalab serve` binds.")
    port: int = Field(default=8600, ge=1, le=65535, description="Port `datalab serve` binds.")
    public_url: str = Field(
        default="",
        description="URL users reach the lab at; empty means `http://HOST:PORT`.",
    )
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = Field(
        default="INFO", description="Log level of the structured JSON logs."
    )
    log_file: Path | None = Field(
        default=None,
        description="File the JSON logs are appended to; empty means `$DATALAB_HOME/logs/lab.log`.",
    )
    cookie_secure: bool = Field(
        default=False,
        description="Mark session cookies `Secure` (turn on behind HTTPS).",
    )
    session_hours: int = Field(
        default=8, ge=1, le=720, description="Lifetime of a web login session, in hours."
    )
    signin_window_seconds: int = Field(
        default=300,
        ge=10,
        description="Window of the sign-in limits below, in seconds (allowances refill "
        "continuously over it).",
    )
    signin_per_address: int = Field(
        default=30,
        ge=1,
        description="Sign-in attempts (any username, any sign-in form or `POST /auth/login`) one "
        "client address may make per window; more get 429 with `Retry-After`.",
    )
    signin_per_account: int = Field(
        default=5,
        ge=1,
        description="Sign-in attempts at one username from one address per window; a correct "
        "password refills it.",
    )
    signin_username_failures: int = Field(
        default=20,
        ge=1,
        description="Failed sign-ins on one username (from all addresses) per window after which "
        "every attempt on it waits `DATALAB_SIGNIN_USERNAME_DELAY` — a delay, never a lock-out.",
    )
    signin_username_delay: float = Field(
        default=2.0,
        ge=0,
        le=30,
        description="Seconds each attempt on a much-failed username waits before its password "
        "is checked.",
    )
    signin_audit_window_seconds: int = Field(
        default=60,
        ge=1,
        description="Refused sign-ins are audited as one entry of counts per this many seconds.",
    )
    signin_hashing_threads: int = Field(
        default=2,
        ge=1,
        description="Password checks (argon2) run at once per server process, in threads of "
        "their own, so guessing cannot take every request thread or database connection.",
    )
    signin_queue: int = Field(
        default=100,
        ge=1,
        description="Sign-ins that may wait for a password check at once per server process; "
        "more (a flood from many addresses) get 429 until the queue drains.",
    )
    db_pool_size: int = Field(
        default=10,
        ge=1,
        description="Database connections kept open per server process.",
    )
    db_pool_overflow: int = Field(
        default=40,
        ge=0,
        description="Extra connections opened under load. Size + overflow must exceed the 40 "
        "request threads: each request holds at most one connection at a time.",
    )
    db_pool_timeout: float = Field(
        default=10.0,
        gt=0,
        description="Seconds a request waits for a free database connection before 503.",
    )
    token_days: int = Field(
        default=90, ge=1, le=3650, description="Default lifetime of new API tokens, in days."
    )
    ingest_max_bytes: int = Field(
        default=2 * 1024**3,
        ge=1024,
        description="Largest file `datalab ingest` and the steward API accept, in bytes.",
    )
    gateway_cache_bytes: int = Field(
        default=1024**3,
        ge=0,
        description="Memory the DP gateway may keep decrypted restricted tables in (bytes).",
    )
    gateway_max_domain_groups: int = Field(
        default=100_000,
        ge=1,
        description="Most groups a generated public domain (period range, numeric bins, list) "
        "may declare, and a query over public domains may answer (their cross product).",
    )
    gateway_engine: Literal["duckdb", "spark"] = Field(
        default="duckdb",
        description="Engine that computes the gateway's exact aggregates: `duckdb` (embedded, "
        "in the lab's process) or `spark` (needs Java 17+ and the `spark` extra; see "
        "docs/scale.md). Ledger, cache and noise stay in the lab either way.",
    )
    gateway_spark_master: str = Field(
        default="local[2]",
        description="Where the Spark engine runs: `local[N]` (in a JVM beside the lab, N "
        "threads), `spark://host:port` (a standalone master) or `sc://host:port` (Spark "
        "Connect; its token goes in `DATALAB_GATEWAY_SPARK_CONNECT_TOKEN`, never in the URL). "
        "Checked at start: a malformed or unreachable master stops the lab.",
    )
    gateway_spark_connect_token: SecretStr = Field(
        default=SecretStr(""),
        description="The Spark Connect server's authentication token (its "
        "`spark.connect.authenticate.token`), required with an `sc://` master; sent as a "
        "bearer token, over TLS to any host but `localhost` (see docs/scale.md).",
    )
    gateway_spark_driver_memory: str = Field(
        default="2g",
        pattern=r"^\d+[kmgt]$",
        description="Memory of the Spark driver JVM (local mode holds the table there), e.g. `2g`.",
    )
    gateway_spark_cluster_secret: SecretStr = Field(
        default=SecretStr(""),
        description="Shared secret of a standalone Spark cluster (`spark.authenticate`), the "
        "one its master and workers are started with; required with a `spark://` master, so "
        "only the lab can run jobs on executors that are handed its tables' keys. With it the "
        "driver, master and executors authenticate and encrypt their traffic "
        "(`spark.network.crypto.enabled`).",
    )
    gateway_spark_storage: Literal["memory", "encrypted-parquet"] = Field(
        default="memory",
        description="How restricted tables reach Spark: `memory` (decrypted in the lab and "
        "streamed to a local driver) or `encrypted-parquet` (Parquet modular encryption on the "
        "shared folder, keys unwrapped by the lab's key service; what a cluster and Spark Connect "
        "need).",
    )
    gateway_spark_tables_dir: Path | None = Field(
        default=None,
        description="Shared folder of the encrypted Parquet tables Spark reads (default "
        "`<home>/spark-tables`); holds ciphertext and wrapped keys only.",
    )
    gateway_spark_kms_bind: str = Field(
        default="127.0.0.1:0",
        pattern=r"^[\w.-]+:\d{1,5}(-\d{1,5})?$",
        description="Address of the lab's key service for Spark's Parquet readers, host:port "
        "or host:first-last (port 0: any free port; a cluster needs an address its executors "
        "reach). Each `datalab serve` worker runs its own key service on the first free port "
        "of the range, so a fixed range needs at least as many ports as workers.",
    )
    gateway_spark_kms_tls_cert: Path | None = Field(
        default=None,
        description="PEM certificate (chain) the key service presents; with "
        "`DATALAB_GATEWAY_SPARK_KMS_TLS_KEY` it serves HTTPS (needed once executors reach it "
        "from other machines).",
    )
    gateway_spark_kms_tls_key: Path | None = Field(
        default=None,
        description="PEM private key of `DATALAB_GATEWAY_SPARK_KMS_TLS_CERT`.",
    )
    gateway_spark_kms_tls_ca: Path | None = Field(
        default=None,
        description="PEM CA certificate(s) the lab's exporter and Spark's executors trust for "
        "the key service (default: the system's trust store).",
    )
    gateway_spark_kms_token_seconds: int = Field(
        default=900,
        ge=10,
        le=86_400,
        description="Lifetime of the key-service token given to Spark for one query's tables.",
    )
    publication_engine: Literal["duckdb", "spark", "auto"] = Field(
        default="duckdb",
        description="Engine that cuts, types and hands over a restricted table for publication: "
        "`duckdb` (embedded), `spark` (the gateway's Spark master and driver memory; needs Java "
        "17+) or `auto` (Spark from `publication_spark_min_rows` rows). Same kept rows either way.",
    )
    publication_spark_min_rows: int = Field(
        default=50_000_000,
        ge=1,
        description="With `publication_engine=auto`, tables of at least this many rows are cut "
        "on Spark, smaller ones on DuckDB.",
    )
    org_dataset_epsilon: float = Field(
        default=10.0,
        gt=0,
        description="Default cap on the ε one organisation may hold on one restricted dataset, "
        "summed over all its sandbox projects (a steward changes it per organisation).",
    )
    org_dataset_delta: float = Field(
        default=1e-5,
        ge=0,
        lt=1,
        description="Default cap on the δ one organisation may hold on one restricted dataset.",
    )
    org_unit_epsilon: float = Field(
        default=10.0,
        gt=0,
        description="Default cap on the ε one organisation may spend about one privacy unit (the "
        "enterprise's credit code, the resident ID…) across every dataset keyed by it.",
    )
    org_unit_delta: float = Field(
        default=2e-5,
        ge=0,
        lt=1,
        description="Default cap on the δ one organisation may spend about one privacy unit.",
    )
    demo_scale: int = Field(
        default=10_000,
        ge=100,
        description="Enterprises the demo generator creates (24 months each).",
    )
    demo_seed: int = Field(default=20261122, description="Seed of the demo data generator.")
    # audit log anchoring
    audit_signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 audit-checkpoint key of earlier versions (PEM): imported once as "
        "the active `audit-checkpoint` key into the signing key file; empty means "
        "`$DATALAB_HOME/secrets/audit-signing-key.pem`.",
    )
    audit_checkpoint_every: int = Field(
        default=100,
        ge=1,
        description="Write a signed audit checkpoint once this many entries follow the last one.",
    )
    audit_checkpoint_seconds: float = Field(
        default=300.0,
        ge=0,
        description="Write a signed audit checkpoint once the last one is this old and entries "
        "followed it (0: after every append).",
    )
    # housekeeping: what crashed publications and deletions leave behind (docs/operations.md)
    sweep_grace_seconds: int = Field(
        default=43_200,
        ge=1,
        description="Leftovers (object-store version folders, Spark's encrypted Parquet exports "
        "and publication jobs' exchange folders that no recorded or served version owns) are "
        "deleted only once untouched for this long, so a sweep never takes the fresh objects or "
        "files of a publication still in flight. Must exceed the longest publication: 100M rows "
        "take about 6 minutes here (the export about 5), and a Spark publication job's keys "
        "expire after 6 hours, so none runs longer; the default of 12 hours is twice that.",
    )
    sweep_every_seconds: int = Field(
        default=3_600,
        ge=0,
        description="How often each `datalab serve` process sweeps leftovers (at start, then at "
        "this interval; one process at a time, the others skip that turn); 0: never (run "
        "`datalab sweep` instead). Leftovers only come from crashes, so hourly is plenty.",
    )
    # signing keys of manifests, consents and audit checkpoints (docs/security.md, "Signing keys")
    signing_keys_file: Path | None = Field(
        default=None,
        description="The named Ed25519 signing keys of extract manifests, credit consents and "
        "audit checkpoints (JSON, created 0600 on first use, kept apart from the database; rotate "
        "with `datalab keys rotate-signing`); empty means "
        "`$DATALAB_HOME/secrets/signing-keys.json`.",
    )
    # credit profiles (DESIGN §8)
    credit_signing_key_file: Path | None = Field(
        default=None,
        description="Ed25519 consent key of earlier versions (PEM): imported once as the active "
        "consent key when the signing key file is made; empty means "
        "`$DATALAB_HOME/secrets/credit-signing-key.pem`.",
    )
    credit_bank_per_minute: int = Field(
        default=1200, ge=1, description="Profile requests one bank may make per minute."
    )
    credit_operator_per_minute: int = Field(
        default=60, ge=1, description="Profile requests one bank operator may make per minute."
    )
    credit_bank_per_day: int = Field(
        default=200_000, ge=1, description="Profile requests one bank may make per UTC day."
    )
    credit_operator_per_day: int = Field(
        default=2_000, ge=1, description="Profile requests one bank operator may make per UTC day."
    )
    credit_alarm_denial_share: float = Field(
        default=0.3,
        gt=0,
        le=1,
        description="Raise an alarm when this share of a bank's last hour of requests was denied.",
    )
    credit_alarm_min_requests: int = Field(
        default=20, ge=1, description="Requests in the hour before the denial-share alarm applies."
    )
    credit_alarm_distinct_enterprises: int = Field(
        default=100,
        ge=1,
        description="Raise an alarm when one operator asks about more enterprises in an hour.",
    )
    credit_alarm_check_seconds: float = Field(
        default=5.0,
        ge=0,
        description="Check one bank operator's recent queries for alarms at most this often per "
        "server process (0: after every request); a skipped check runs when the interval ends.",
    )
    # Open-data portal: machine APIs (row API, CKAN-compatible API) and their rate limits.
    portal_title: str = Field(
        default="公共数据开放平台",
        description="Name of the open-data catalogue in the CKAN API and the DCAT/data.json "
        "export.",
    )
    portal_publisher: str = Field(
        default="市大数据发展管理局",
        description="Publisher of the open-data catalogue in the DCAT/data.json export.",
    )
    portal_contact_email: str = Field(
        default="",
        pattern=r"^([^@\s]+@[^@\s]+\.[^@\s]+)?$",
        description="Contact address of the open-data portal, given in every dataset's contact "
        "point in the DCAT and data.json export (data.json's schema asks for one); empty: none, "
        "the contact point is the correction form alone.",
    )
    portal_rows_default: int = Field(
        default=100, ge=1, description="Rows per page the row API and `datastore_search` return."
    )
    portal_rows_max: int = Field(
        default=1000,
        ge=1,
        description="Largest page the row API and `datastore_search` return; larger asks are cut.",
    )
    portal_rate_anonymous: int = Field(
        default=120,
        ge=1,
        description="Requests per minute one client address may make to the portal APIs "
        "without a key.",
    )
    portal_rate_keyed: int = Field(
        default=1200,
        ge=1,
        description="Requests per minute one API key (a lab token in `Authorization`) may make "
        "to the portal APIs.",
    )
    # Sandbox hub (sandbox/, DESIGN §5)
    hub_port: int = Field(
        default=8610, ge=1, le=65535, description="Port the sandbox hub's proxy serves on."
    )
    hub_state_dir: Path | None = Field(
        default=None,
        description="Hub state (database, cookie secret, proxy token), kept 0700; empty means "
        "`$DATALAB_HOME/hub`.",
    )
    sandbox_root: Path = Field(
        default=Path("/var/lib/datalab-sandbox"),
        description="Where sandbox users' 0700 homes live; must be traversable by them.",
    )
    sandbox_kernel_envs: Path = Field(
        default=Path("/var/lib/datalab-sandbox/kernel-env"),
        description="Cache of read-only kernel venvs built from Debian's `/usr/bin/python3`.",
    )
    sandbox_subnet: str = Field(
        default="10.231.0.0/24",
        description="Private /24 of the sandbox bridge; the hub API and gateway relay sit on .1.",
    )
    sandbox_memory_mb: int = Field(
        default=2048, ge=128, description="Memory limit of one sandbox server, in MiB."
    )
    sandbox_max_processes: int = Field(
        default=256, ge=16, description="Process (and thread) limit of one sandbox server."
    )
    sandbox_cull_timeout: int = Field(
        default=3600, ge=10, description="Seconds of inactivity after which a server is stopped."
    )
    sandbox_cull_every: int = Field(
        default=300, ge=1, description="How often the idle culler checks, in seconds."
    )
    sandbox_server_hours: int = Field(
        default=12,
        ge=1,
        le=168,
        description="Longest life of a sandbox server and of the gateway token minted for it.",
    )
    sandbox_cpu: float = Field(
        default=1.0,
        gt=0,
        le=64,
        description="CPU cores one sandbox server may use on Kubernetes (its limit and request).",
    )
    sandbox_home_gb: int = Field(
        default=10, ge=1, description="Size of a sandbox user's home volume on Kubernetes, in GiB."
    )
    # Sandboxes on Kubernetes (`datalab sandbox k8s`, docs/kubernetes.md)
    sandbox_k8s_namespace: str = Field(
        default="datalab-sandbox",
        description="Namespace of the Zero to JupyterHub release; the NetworkPolicies go there.",
    )
    sandbox_k8s_release: str = Field(
        default="sandbox",
        description="Helm release name of the hub (its pods carry it as the `release` label).",
    )
    sandbox_k8s_hub_image: str = Field(
        default="registry.example.org/city-data-lab/hub:0.1.0",
        description="Hub image: Zero to JupyterHub's hub image with this project installed.",
    )
    sandbox_k8s_server_image: str = Field(
        default="registry.example.org/city-data-lab/singleuser:0.1.0",
        description="Single-user image: the kernel environment and the notebook SDK, no keys.",
    )
    sandbox_k8s_lab_namespace: str = Field(
        default="datalab",
        description="Namespace of the lab's Deployment, whose gateway the hub's relay forwards to.",
    )
    sandbox_k8s_lab_service: str = Field(
        default="city-data-lab",
        description="The lab's Service name; the hub's gateway relay forwards to it on "
        "`DATALAB_PORT`.",
    )

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        toml = TomlConfigSettingsSource(settings_cls, toml_file=_config_file())
        return (init_settings, env_settings, toml)

    @field_validator(
        "home",
        "storage_dir",
        "keyring_file",
        "signing_keys_file",
        "log_file",
        "credit_signing_key_file",
        "audit_signing_key_file",
        "hub_state_dir",
        mode="after",
    )
    @classmethod
    def _expand(cls, value: Path | None) -> Path | None:
        return value.expanduser().absolute() if value is not None else None

    @field_validator("db_pool_overflow")
    @classmethod
    def _pool_exceeds_request_threads(cls, value: int, info: ValidationInfo) -> int:
        size = info.data.get("db_pool_size", 0)
        if size + value <= REQUEST_THREADS:
            raise ValueError(
                f"with DATALAB_DB_POOL_SIZE={size} the pool must exceed {REQUEST_THREADS} "
                f"connections (the request threads of one server process): use at least "
                f"{REQUEST_THREADS + 1 - size}"
            )
        return value

    @field_validator(
        "sandbox_k8s_namespace",
        "sandbox_k8s_release",
        "sandbox_k8s_lab_namespace",
        "sandbox_k8s_lab_service",
    )
    @classmethod
    def _kubernetes_name(cls, value: str) -> str:
        if not re.fullmatch(_DNS_LABEL, value):
            raise ValueError("a Kubernetes name: 1–63 lower-case letters, digits or '-'")
        return value

    @field_validator("gateway_spark_master")
    @classmethod
    def _spark_master(cls, value: str) -> str:
        if not re.fullmatch(_SPARK_MASTER, value):
            raise ValueError(
                "a Spark master: local[N], local[*], spark://host:port or sc://host:port"
            )
        if "token" in _connect_parameters(value):
            raise ValueError(
                "the Spark Connect token belongs in DATALAB_GATEWAY_SPARK_CONNECT_TOKEN, not in "
                "the master URL (which the lab shows in its messages)"
            )
        return value

    @field_validator("gateway_spark_connect_token")
    @classmethod
    def _connect_needs_its_token(cls, value: SecretStr, info: ValidationInfo) -> SecretStr:
        master = info.data.get("gateway_spark_master", "")
        if master.startswith("sc://") and not value.get_secret_value():
            raise ValueError(
                f"the Spark Connect master {master} needs the server's authentication token "
                "(spark.connect.authenticate.token): a Connect server without one runs SQL for "
                "anyone who reaches its port"
            )
        return value

    @field_validator("gateway_spark_storage")
    @classmethod
    def _no_plaintext_to_spark_connect(cls, value: str, info: ValidationInfo) -> str:
        master = info.data.get("gateway_spark_master", "")
        connect = master.startswith("sc://")
        if info.data.get("gateway_engine") == "spark" and value == "memory" and connect:
            raise ValueError(
                f"`memory` would send restricted rows in plaintext over gRPC to the Spark Connect "
                f"server {master}, which stages large ones on its disk: use encrypted-parquet"
            )
        return value

    @field_validator("sandbox_k8s_hub_image", "sandbox_k8s_server_image")
    @classmethod
    def _image_with_tag(cls, value: str) -> str:
        if not re.fullmatch(_IMAGE_WITH_TAG, value):
            raise ValueError("an image reference with a pinned tag, e.g. registry/name:1.2.0")
        return value

    @field_validator("s3_bucket")
    @classmethod
    def _bucket_name(cls, value: str) -> str:
        if not 3 <= len(value) <= 63 or not value.replace("-", "").replace(".", "").isalnum():
            raise ValueError("a bucket name of 3–63 lower-case letters, digits, '-' or '.'")
        if value != value.lower():
            raise ValueError("a bucket name of 3–63 lower-case letters, digits, '-' or '.'")
        return value

    @cached_property
    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'lab.db'}"

    @cached_property
    def resolved_storage_dir(self) -> Path:
        return self.storage_dir or self.home / "objects"

    @cached_property
    def resolved_spark_tables_dir(self) -> Path:
        return self.gateway_spark_tables_dir or self.home / "spark-tables"

    @cached_property
    def resolved_keyring_file(self) -> Path:
        return self.keyring_file or self.home / "secrets" / "keyring.json"

    @cached_property
    def resolved_signing_keys_file(self) -> Path:
        return self.signing_keys_file or self.home / "secrets" / "signing-keys.json"

    @cached_property
    def resolved_credit_signing_key_file(self) -> Path:
        return self.credit_signing_key_file or self.home / "secrets" / "credit-signing-key.pem"

    @cached_property
    def resolved_audit_signing_key_file(self) -> Path:
        return self.audit_signing_key_file or self.home / "secrets" / "audit-signing-key.pem"

    @cached_property
    def resolved_log_file(self) -> Path:
        return self.log_file or self.home / "logs" / "lab.log"

    @cached_property
    def resolved_public_url(self) -> str:
        return self.public_url or f"http://{self.host}:{self.port}"

    @property
    def resolved_hub_state_dir(self) -> Path:
        return self.hub_state_dir or self.home / "hub"


def _connect_parameters(master: str) -> set[str]:
    """The names of a Spark Connect URL's ``;name=value`` parameters."""
    if not master.startswith("sc://"):
        return set()
    _, _, parameters = master.partition(";")
    return {part.partition("=")[0] for part in parameters.split(";") if part}


def _without_token(value: object) -> str:
    """``repr(value)`` with any ``token=…`` parameter's value hidden."""
    return re.sub(r"(token=)[^;'\"\s]*", r"\1(hidden)", repr(value))


def load_settings(**overrides: object) -> LabSettings:
    """Read the settings, turning a validation failure into one clear ConfigurationError."""
    try:
        return LabSettings(**overrides)  # type: ignore[arg-type]
    except ValidationError as exc:
        raise ConfigurationError(describe_invalid_settings(exc)) from None


def describe_invalid_settings(exc: ValidationError) -> str:
    """Name each bad setting by its environment variable and say what form it expects."""
    parts = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "?"
        shown = "(hidden)" if name in SECRET_SETTINGS else _without_token(error.get("input"))
        parts.append(f"{ENV_PREFIX}{name.upper()}: {error['msg']} (got {shown})")
    return "invalid setting — " + "; ".join(parts)
