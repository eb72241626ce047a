"""T5 prohibited data: an access-control export with password hashes and fingerprint templates.

Credentials and biometrics may never be stored by the lab (negative list); ingest must reject
this file outright. Hash and template bytes are seeded random bytes in the usual text encodings
(a Django-style PBKDF2 string and base64), not derived from any real secret or finger.
"""

from __future__ import annotations

import base64
from datetime import date

import numpy as np
import pandas as pd

from lab.demo.identifiers import mobile_numbers
from lab.demo.manifest import DemoTable, demo_table
from lab.demo.timeline import AS_OF, iso, random_days

ACCOUNT_COUNT = 300
TEMPLATE_BYTES = 384
PROHIBITED_COLUMNS = ("登录密码", "指纹特征")


def _b64(rng: np.random.Generator, size: int, length: int) -> list[str]:
    """``size`` base64 strings of ``length`` random bytes each."""
    raw = rng.bytes(size * length)
    return [base64.b64encode(raw[i * length : (i + 1) * length]).decode() for i in range(size)]


def _password_hashes(rng: np.random.Generator, size: int) -> list[str]:
    """PBKDF2-SHA256 strings in Django's format: algorithm$iterations$salt$hash."""
    salts = [s.rstrip("=").replace("+", "a").replace("/", "b") for s in _b64(rng, size, 12)]
    digests = _b64(rng, size, 32)
    return [f"pbkdf2_sha256$600000${s}${d}" for s, d in zip(salts, digests, strict=True)]


def build_access_accounts(rng: np.random.Generator) -> DemoTable:
    """User accounts of a building access system, with credentials and biometrics."""
    size = ACCOUNT_COUNT
    frame = pd.DataFrame(
        {
            "用户编号": [f"U{n:06d}" for n in range(1, size + 1)],
            "用户名": [f"user{n:05d}" for n in rng.choice(100_000, size=size, replace=False)],
            "手机号": mobile_numbers(rng, size),
            "登录密码": _password_hashes(rng, size),
            "指纹特征": _b64(rng, size, TEMPLATE_BYTES),
            "注册日期": iso(random_days(rng, date(2020, 1, 1), AS_OF, size)),
        }
    )
    return demo_table(
        frame,
        identifier_columns=("用户编号", "手机号"),
        id="access-control-accounts",
        title="门禁系统用户账号及指纹信息",
        title_en="Access-control accounts with password hashes and fingerprints",
        description="门禁系统导出的用户账号、手机号、登录密码（哈希）与指纹特征模板。"
        "含身份鉴别信息与生物识别信息，属禁止开放数据，应在接入时拒收。",
        department="青岛市公安局",
        topic="公共安全",
        tags=("门禁", "账号", "生物识别"),
        update_frequency="irregular",
        intended_tier="T5",
    )
