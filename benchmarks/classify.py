"""Benchmark ``classify_frame`` on a 1M-row × 20-column frame of strings, against a plain scan.

    .venv/bin/python benchmarks/classify.py [--rows 1000000] [--repeat 3]

The table is an in-memory pandas frame of Python strings (object dtype, None for nulls) — what the
lab's ingest hands the classifier after reading a file — built from seeded pools: credit codes,
legal representatives, resident IDs, mobiles (one blank per 50, so a real file would load them as
floats), register fields, monthly measures, a 备注 column of Chinese remarks in which exactly three
rows of the million hold a resident ID (one in full-width digits), a header-less column of random
18-digit serials, and a few more text and number columns. Generation is not timed.

Timed, interleaved over ``--repeat`` rounds, medians reported:

* baseline: ``frame[c].str.len()`` over every column — one pass of pandas over every cell;
* ``classify_frame`` end to end with the packaged guide (default 20,000-row detection sample, full
  scan of text-like columns).

Prints a markdown table and checks that the three embedded IDs were found and the dataset is T4.

``--file`` measures the lab's whole path instead, from a CSV file on disk (written first, not
timed): staging (encoding check, Arrow CSV read, profile, sample, text Parquet) and
classification with every row of free text scanned — against a baseline of Arrow reading the
same file into memory.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.csv as pacsv

from classification import classify_frame, load_guide
from classification.checksums import org_code_check_char, resident_id_check_char, uscc_check_char
from lab.catalogue.versions.staged import purge
from lab.ingest.pipeline import classify_staged
from lab.ingest.staging import stage

POOL = 50_000
DISTRICTS = np.asarray(["市南区", "市北区", "黄岛区", "崂山区", "李沧区", "城阳区", "即墨区"])
SURNAMES = np.asarray(list("王张李刘孙杨于赵姜徐"))
GIVEN_NAMES = np.asarray(list("伟芳娜强磊军洋勇艳杰"))
REMARKS = np.asarray(["已核实", "企业经营正常", "联系人已回访", "无异常情况", "材料齐全，准予登记"])
EMBEDDED = (
    "当事人身份证370202199003071233已核实",
    "经办人证件号：１１０１０５１９４９１２３１００２Ｘ",
)


def _digits(rng: np.random.Generator, size: int, width: int) -> np.ndarray:
    """``size`` random digit strings of exactly ``width`` (≤ 18) characters."""
    return np.char.zfill(rng.integers(0, 10**width, size=size, dtype=np.int64).astype(str), width)


def _credit_codes(rng: np.random.Generator) -> np.ndarray:
    """A pool of valid credit codes of companies (91…) and individual businesses (92…)."""
    kinds = np.where(rng.random(POOL) < 0.6, "91", "92")
    codes = []
    for kind, body in zip(kinds.tolist(), _digits(rng, POOL, 8).tolist(), strict=True):
        first17 = f"{kind}370202{body}{org_code_check_char(body)}"
        codes.append(first17 + uscc_check_char(first17))
    return np.asarray(codes)


def _resident_ids(rng: np.random.Generator) -> np.ndarray:
    """A pool of valid resident IDs born 1950–2005 in Qingdao districts."""
    born = np.datetime64("1950-01-01") + rng.integers(0, 20_000, size=POOL)
    birth = np.char.replace(np.datetime_as_string(born), "-", "")
    bodies = np.char.add(np.char.add("370202", birth), _digits(rng, POOL, 3))
    return np.asarray([b + resident_id_check_char(b) for b in bodies.tolist()])


def build_frame(rows: int, *, dtype: str = "str", seed: int = 7) -> pd.DataFrame:
    """The 20-column benchmark table (see the module docstring) with columns of ``dtype``."""
    rng = np.random.default_rng(seed)

    def pick(pool: np.ndarray) -> np.ndarray:
        return pool[rng.integers(0, len(pool), size=rows)]

    mobiles = np.char.add("13", _digits(rng, rows, 9)).astype(object)
    mobiles[::50] = None
    remarks = pick(REMARKS).astype(object)
    remarks[rng.choice(rows, size=3, replace=False)] = [EMBEDDED[0], EMBEDDED[1], EMBEDDED[0]]
    columns = {
        "统一社会信用代码": pick(_credit_codes(rng)),
        "企业名称": pick(np.char.add(np.char.add("青岛", _digits(rng, POOL, 5)), "科技有限公司")),
        "法定代表人": np.char.add(pick(SURNAMES), pick(GIVEN_NAMES)),
        "身份证号": pick(_resident_ids(rng)),
        "手机号": mobiles,
        "所属区": pick(DISTRICTS),
        "行业门类": pick(np.asarray(list("ACEFGHIKLM"))),
        "成立日期": np.datetime_as_string(np.datetime64("2000-01-01") + rng.integers(0, 9e3, rows)),
        "注册资本（元）": rng.integers(10_000, 10_000_000, size=rows).astype(str),
        "销售额（元）": rng.integers(0, 5_000_000, size=rows).astype(str),
        "增值税（元）": rng.integers(0, 500_000, size=rows).astype(str),
        "参保人数": rng.integers(1, 500, size=rows).astype(str),
        "用电量（千瓦时）": rng.integers(0, 100_000, size=rows).astype(str),
        "所属期": pick(np.asarray([f"2025-{m:02d}" for m in range(1, 13)])),
        "住所": np.char.add(pick(DISTRICTS), np.char.add(_digits(rng, rows, 3), "号")),
        "备注": remarks,
        "处罚内容": np.char.add("罚款人民币", np.char.add(_digits(rng, rows, 4), "元")),
        "serial": _digits(rng, rows, 18),
        "金额": (rng.random(rows) * 1e5).round(2).astype(str),
        "状态": pick(np.asarray(["存续", "在业", "注销"])),
    }
    return pd.DataFrame({name: np.asarray(v, dtype=object) for name, v in columns.items()}).astype(
        dtype
    )


def _baseline(frame: pd.DataFrame) -> None:
    """One plain pandas pass over every cell of every column."""
    for name in frame.columns:
        frame[name].str.len()


def file_benchmark(frame: pd.DataFrame, repeat: int) -> None:
    """Time the lab's staging + classification of ``frame`` written as a CSV file."""
    work = Path(__file__).with_name(".work")
    work.mkdir(exist_ok=True)
    path = work / "classify-benchmark.csv"
    frame.to_csv(path, index=False)
    guide = load_guide()
    timings: dict[str, list[float]] = {"baseline": [], "lab": []}
    result = None
    try:
        for _ in range(repeat):
            start = time.perf_counter()
            pacsv.read_csv(path)
            timings["baseline"].append(time.perf_counter() - start)
            start = time.perf_counter()
            with path.open("rb") as stream:
                staged = stage(stream, path.name, work / "staging", max_bytes=2**40)
            result = classify_staged(staged, guide)
            timings["lab"].append(time.perf_counter() - start)
            purge(staged.folder)
    finally:
        path.unlink(missing_ok=True)
    baseline, lab = (statistics.median(timings[k]) for k in ("baseline", "lab"))
    size = f"{len(frame):,} × {len(frame.columns)}"
    print(f"file: {size} CSV; medians of {repeat}")
    print("| phase | median s | × baseline |\n|---|---|---|")
    print(f"| Arrow `read_csv` of the file | {baseline:.2f} | 1.0 |")
    print(f"| lab stage + classify (full free-text scan) | {lab:.2f} | {lab / baseline:.1f} |")
    print(f"tier {result.tier}; 备注 → {result.column('备注').level}")


def main() -> None:
    """Build the frame, time both phases, print the medians and check the result."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--dtype", choices=("str", "object"), default="str")
    parser.add_argument("--file", action="store_true", help="measure the lab's path from a CSV")
    args = parser.parse_args()
    frame = build_frame(args.rows, dtype=args.dtype)
    if args.file:
        file_benchmark(frame, args.repeat)
        return
    guide = load_guide()
    timings: dict[str, list[float]] = {"baseline": [], "classify": []}
    result = None
    for _ in range(args.repeat):
        start = time.perf_counter()
        _baseline(frame)
        timings["baseline"].append(time.perf_counter() - start)
        start = time.perf_counter()
        result = classify_frame(frame, guide=guide)
        timings["classify"].append(time.perf_counter() - start)
    assert result is not None
    remarks = result.column("备注")
    found = any("3 valid resident IDs embedded" in r for r in remarks.reasons)
    baseline, classify = (statistics.median(timings[k]) for k in ("baseline", "classify"))
    print(f"rows × columns: {len(frame):,} × {len(frame.columns)}, in-memory, dtype {args.dtype}")
    print("| phase | median s | × baseline |\n|---|---|---|")
    print(f"| pandas `.str.len()` over all columns | {baseline:.2f} | 1.0 |")
    print(f"| `classify_frame` end to end | {classify:.2f} | {classify / baseline:.1f} |")
    print(result.reasons[0])
    print(f"tier {result.tier}; 备注 → {remarks.level}; three embedded IDs found: {found}")
    print(f"serial column → {result.column('serial').category} {result.column('serial').level}")


if __name__ == "__main__":
    main()
