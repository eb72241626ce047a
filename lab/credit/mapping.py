"""The credit source mapping: which published dataset and columns feed each credit input.

A mapping is a TOML text a steward edits (the demo ships ``lab/demo/credit_sources.toml``)::

    version = "2026.1"
    [inputs.tax_monthly]
    dataset = "…"                   # the catalogue slug of the published dataset
    period_format = "YYYY-MM"       # monthly inputs: how the period column is written
    columns = { credit_code = "…", period = "…", tax_paid = "…", … }
    units = { tax_paid = "元", … }  # every money and energy field
    codes = { late_filing = ["…"] } # the values each code list of the input stands for

``parse_mapping`` checks the text on its own (known inputs and fields, every required field,
unit and code list present) and reports every problem at once; ``lab.credit.mapping_check``
then checks it against the published catalogue. An input left out of the mapping is simply
not held: its scope says so in every profile.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from types import MappingProxyType

from lab.credit.inputs import BY_NAME, PERIOD_FORMATS, UNITS, InputSpec
from lab.errors import InvalidInput

SHIPPED = ("lab.demo", "credit_sources.toml")
_TOP_KEYS = {"version", "title", "inputs"}
_INPUT_KEYS = {"dataset", "columns", "units", "codes", "period_format"}


class MappingError(InvalidInput):
    """A source mapping that cannot be used; ``problems`` lists every thing to fix."""

    def __init__(self, version: str, problems: list[str]) -> None:
        self.problems = tuple(problems)
        listed = "; ".join(problems)
        super().__init__(
            f"the credit source mapping {version!r} is invalid ({len(problems)} problems): "
            f"{listed}. Fix it and run `datalab credit sources check`."
        )


@dataclass(frozen=True)
class Binding:
    """One input bound to a dataset: its columns by field, units and code lists."""

    input: str
    dataset: str
    columns: Mapping[str, str]
    units: Mapping[str, str]
    codes: Mapping[str, tuple[str, ...]]
    period_format: str = "YYYY-MM"

    @property
    def spec(self) -> InputSpec:
        """What the input needs (``lab.credit.inputs``)."""
        return BY_NAME[self.input]

    def column(self, field: str) -> str | None:
        """The source column bound to ``field`` (None for an unbound optional field)."""
        return self.columns.get(field)

    def factor(self, field: str) -> float:
        """The factor that turns ``field``'s unit into the base unit (元, kWh); 1 if unitless."""
        kind = self.spec.field(field).kind
        unit = self.units.get(field)
        return UNITS[kind][unit] if kind in UNITS and unit is not None else 1.0


@dataclass(frozen=True)
class SourceMapping:
    """A whole mapping: its version, title, bindings by input, and the text it was read from."""

    version: str
    title: str
    bindings: Mapping[str, Binding]
    text: str

    def datasets(self) -> tuple[str, ...]:
        """Every dataset slug the mapping reads, sorted."""
        return tuple(sorted({b.dataset for b in self.bindings.values()}))


def shipped_text() -> str:
    """The mapping shipped with the product (the demo city's)."""
    package, name = SHIPPED
    return resources.files(package).joinpath(name).read_text("utf-8")


def shipped_mapping() -> SourceMapping:
    """The shipped mapping, parsed."""
    return parse_mapping(shipped_text())


def parse_mapping(text: str) -> SourceMapping:
    """``text`` as a mapping; ``MappingError`` listing every structural problem."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise MappingError("?", [f"not valid TOML: {exc}"]) from None
    problems: list[str] = []
    version = raw.get("version")
    if not isinstance(version, str) or not version.strip():
        problems.append("the mapping needs a non-empty `version` string")
        version = "?"
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        problems.append(f"unknown top-level keys {unknown}; allowed: {sorted(_TOP_KEYS)}")
    inputs = raw.get("inputs", {})
    if not isinstance(inputs, dict):
        inputs = {}
        problems.append("`inputs` must be a table of [inputs.<name>] tables")
    bindings = {}
    for name, entry in inputs.items():
        found = _binding(name, entry, problems)
        if found is not None:
            bindings[name] = found
    if problems:
        raise MappingError(version, problems)
    title = str(raw.get("title", ""))
    return SourceMapping(version, title, MappingProxyType(bindings), text)


def _binding(name: str, entry: object, problems: list[str]) -> Binding | None:
    """One ``[inputs.<name>]`` table as a binding, or None after noting its problems."""
    where = f"[inputs.{name}]"
    if name not in BY_NAME:
        problems.append(f"{where}: unknown input {name!r}; known inputs: {sorted(BY_NAME)}")
        return None
    if not isinstance(entry, dict):
        problems.append(f"{where} must be a table")
        return None
    before = len(problems)
    unknown = sorted(set(entry) - _INPUT_KEYS)
    if unknown:
        problems.append(f"{where}: unknown keys {unknown}; allowed: {sorted(_INPUT_KEYS)}")
    dataset = entry.get("dataset")
    if not isinstance(dataset, str) or not dataset.strip():
        problems.append(f"{where}: missing `dataset` (the catalogue slug of its source)")
    spec = BY_NAME[name]
    columns = _strings(entry.get("columns", {}), f"{where} columns", problems)
    _check_columns(spec, columns, where, problems)
    units = _strings(entry.get("units", {}), f"{where} units", problems)
    _check_units(spec, units, where, problems)
    codes = _code_lists(spec, entry.get("codes", {}), where, problems)
    period_format = entry.get("period_format", "")
    if spec.monthly and period_format not in PERIOD_FORMATS:
        problems.append(f"{where}: `period_format` must be one of {list(PERIOD_FORMATS)}")
    if not spec.monthly and period_format:
        problems.append(f"{where}: `period_format` applies to monthly inputs only")
    if len(problems) > before:
        return None
    return Binding(
        name,
        str(dataset),
        MappingProxyType(columns),
        MappingProxyType(units),
        MappingProxyType(codes),
        period_format or "YYYY-MM",
    )


def _strings(value: object, where: str, problems: list[str]) -> dict[str, str]:
    """A table of non-empty strings (problems noted for anything else)."""
    if not isinstance(value, dict):
        problems.append(f"{where} must be a table of strings")
        return {}
    bad = sorted(k for k, v in value.items() if not isinstance(v, str) or not v.strip())
    if bad:
        problems.append(f"{where}: {bad} must be non-empty strings")
    return {k: v for k, v in value.items() if isinstance(v, str) and v.strip()}


def _check_columns(spec: InputSpec, columns: dict[str, str], where: str, problems: list[str]):
    known = {f.name for f in spec.fields}
    unknown = sorted(set(columns) - known)
    if unknown:
        has = sorted(known)
        problems.append(f"{where} columns: unknown fields {unknown}; {spec.name} has {has}")
    missing = [f.name for f in spec.fields if f.required and f.name not in columns]
    if missing:
        problems.append(f"{where} columns: missing required fields {missing}")


def _check_units(spec: InputSpec, units: dict[str, str], where: str, problems: list[str]):
    for field in spec.fields:
        allowed = UNITS.get(field.kind)
        if allowed is None:
            if field.name in units:
                problems.append(f"{where} units: {field.name!r} is a {field.kind} and has no unit")
            continue
        unit = units.get(field.name)
        if unit is None:
            problems.append(f"{where} units: missing the unit of {field.name!r} ({list(allowed)})")
        elif unit not in allowed:
            problems.append(
                f"{where} units: unknown unit {unit!r} for {field.name!r}; one of {list(allowed)}"
            )
    unknown = sorted(set(units) - {f.name for f in spec.fields})
    if unknown:
        problems.append(f"{where} units: unknown fields {unknown}")


def _code_lists(
    spec: InputSpec, value: object, where: str, problems: list[str]
) -> dict[str, tuple[str, ...]]:
    if not isinstance(value, dict):
        problems.append(f"{where} codes must be a table of string lists")
        return {}
    lists = {}
    for name in spec.code_lists:
        codes = value.get(name)
        if codes is None:
            problems.append(f"{where} codes: missing the code list {name!r}")
        elif (
            not isinstance(codes, list)
            or not codes
            or not all(isinstance(c, str) and c for c in codes)
        ):
            problems.append(f"{where} codes: {name!r} must be a non-empty list of strings")
        else:
            lists[name] = tuple(codes)
    unknown = sorted(set(value) - set(spec.code_lists))
    if unknown:
        allowed = list(spec.code_lists)
        problems.append(f"{where} codes: unknown code lists {unknown}; {spec.name} has {allowed}")
    return lists
