"""The lab's key service for Parquet modular encryption: master keys stay in the lab's keyring.

Parquet encryption (``pyarrow.parquet.encryption`` when the lab writes, Spark's Parquet reader on
a cluster) never sees a master key. It asks a KMS to wrap or unwrap its own small keys under a
*master key identifier*; here that identifier names a table scope and a role,
``<scope>/footer`` or ``<scope>/columns``, and the wrapping is done by the lab's active
key-encryption key (``keyring``), bound to the identifier. A wrapped key therefore opens only
under the identifier it was made for, and a rotation of the lab's KEKs re-wraps it without
touching the data.

Every call carries an access token that the lab issued for one scope (one published table
version), valid for minutes: reading tokens unwrap only; writing tokens (the lab's own exporter
and rotation) may also wrap. The tokens are HMAC-signed with a secret that lives only in this
process, so they die with it. Nothing here logs a key, a wrapped key or a token.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import os
import re
from dataclasses import dataclass

from lab.clock import timestamp
from lab.crypto.keyring import Keyring, WrappedKey
from lab.errors import IntegrityError, InvalidInput, NotAuthenticated, PermissionDenied

FOOTER = "footer"
COLUMNS = "columns"
_SCOPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_BINDING_LABEL = b"cdl-parquet-master/1\x00"
_TOKEN_SECRET_SIZE = 32
DEFAULT_TOKEN_SECONDS = 900


def table_scope(object_key: str) -> str:
    """The scope of a sealed restricted table: a digest of its object key (one per version)."""
    return "t" + hashlib.sha256(object_key.encode()).hexdigest()[:32]


def master_key_id(scope: str, role: str) -> str:
    """The master key identifier Parquet records for ``scope``'s footer or columns."""
    if not _SCOPE.fullmatch(scope) or role not in (FOOTER, COLUMNS):
        raise InvalidInput(f"not a table scope and key role: {scope!r}, {role!r}")
    return f"{scope}/{role}"


def scope_of(master_key: str) -> str:
    """The scope a master key identifier belongs to (InvalidInput if it is not one of ours)."""
    scope, slash, role = master_key.partition("/")
    if not slash or not _SCOPE.fullmatch(scope) or role not in (FOOTER, COLUMNS):
        raise InvalidInput("unknown master key identifier")
    return scope


@dataclass(frozen=True)
class AccessGrant:
    """What a verified token allows: one scope, until ``expires`` (epoch seconds)."""

    scope: str
    may_wrap: bool
    expires: float


class LabKms:
    """Wraps and unwraps Parquet's keys under the lab's KEKs, for holders of a valid token."""

    def __init__(self, keyring: Keyring, *, token_seconds: int = DEFAULT_TOKEN_SECONDS) -> None:
        self._keyring = keyring
        self._secret = os.urandom(_TOKEN_SECRET_SIZE)
        self.token_seconds = token_seconds

    def __repr__(self) -> str:
        return f"LabKms(keyring={self._keyring!r})"

    def issue_token(
        self, scope: str, *, may_wrap: bool = False, seconds: float | None = None
    ) -> str:
        """A token for ``scope``: unwrapping only unless ``may_wrap``, for ``seconds``."""
        master_key_id(scope, FOOTER)  # validates the scope
        lifetime = self.token_seconds if seconds is None else seconds
        claims = {"s": scope, "w": may_wrap, "e": timestamp() + lifetime, "n": os.urandom(8).hex()}
        payload = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{payload}.{_b64(self._sign(payload))}"

    def verify(self, token: str) -> AccessGrant:
        """The grant ``token`` carries; NotAuthenticated if it is forged, malformed or expired."""
        payload, dot, signature = token.partition(".")
        try:
            genuine = bool(dot) and hmac.compare_digest(_unb64(signature), self._sign(payload))
        except InvalidInput:
            genuine = False
        if not genuine:
            raise NotAuthenticated("the key-service token is not one this lab issued")
        claims = json.loads(_unb64(payload))  # signed by this process: well formed
        grant = AccessGrant(str(claims["s"]), bool(claims["w"]), float(claims["e"]))
        if grant.expires <= timestamp():
            raise NotAuthenticated("the key-service token has expired; ask the lab for a new one")
        return grant

    def wrap(self, token: str, master_key: str, key: bytes) -> str:
        """``key`` wrapped under the active KEK for ``master_key`` (a writing token's scope)."""
        grant = self._grant_for(token, master_key)
        if not grant.may_wrap:
            raise PermissionDenied("this key-service token may only unwrap keys")
        return _encode_wrapped(self._keyring.wrap(key, _binding(master_key)))

    def unwrap(self, token: str, master_key: str, wrapped: str) -> bytes:
        """The key inside ``wrapped``; IntegrityError if it was not wrapped for ``master_key``."""
        self._grant_for(token, master_key)
        return self._keyring.unwrap(_decode_wrapped(wrapped), _binding(master_key))

    def _grant_for(self, token: str, master_key: str) -> AccessGrant:
        grant = self.verify(token)
        if scope_of(master_key) != grant.scope:
            raise PermissionDenied("the key-service token is not for this table")
        return grant

    def _sign(self, payload: str) -> bytes:
        return hmac.new(self._secret, payload.encode(), hashlib.sha256).digest()


def _binding(master_key: str) -> bytes:
    return _BINDING_LABEL + master_key.encode()


def _encode_wrapped(wrapped: WrappedKey) -> str:
    """``kek_id:nonce:ciphertext`` (KEK ids hold no ':'; base64 holds none either)."""
    return ":".join((wrapped.kek_id, _b64(wrapped.nonce), _b64(wrapped.ciphertext)))


def _decode_wrapped(text: str) -> WrappedKey:
    parts = text.split(":")
    if len(parts) != 3:
        raise IntegrityError("the wrapped key is not in the lab's form")
    return WrappedKey(parts[0], _unb64(parts[1]), _unb64(parts[2]))


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        raise InvalidInput("malformed base64 in a key-service message") from None
