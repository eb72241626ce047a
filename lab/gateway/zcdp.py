"""ρ-zCDP accounting: a project's accounting, budget units of ρ, and the (ε, δ) a ρ implies.

A steward approves each project under one accounting (``Accounting``): pure ε (discrete Laplace,
ε's add) or ρ-zCDP (OpenDP's discrete Gaussian, ρ's add: Bun & Steinke 2016, Lemma 2.3). Under
zCDP a budget and every charge is a whole number of micro-ρ, exactly like micro-ε, and the
budget is also shown as the (ε, δ) its ρ implies at the project's δ.

That conversion is OpenDP's, never a formula of ours: ``implied_epsilon`` asks OpenDP's
``make_fix_delta(make_zCDP_to_approxDP(m), δ)`` for a measurement ``m`` whose zCDP map is the
ledger's ρ — a discrete Gaussian whose scale is chosen so that OpenDP's own map at distance 1 is
at least that ρ (compared as exact rationals), so float rounding only ever overstates ε. The ε is
then rounded *up* to whole micro-ε. Since ε(ρ) at a fixed δ is increasing, charging the
organisation levels the increments ε(ρ_after) − ε(ρ_before) in micro-ε telescopes to exactly
ε(ρ_total): the whole sequence of a project's releases on a dataset is (ε(ρ_total), δ)-DP, and
that is what it spends of the organisation's (ε, δ) caps (``ledger``).
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass
from enum import StrEnum
from fractions import Fraction

import opendp.prelude as dp

from lab.errors import InternalError, InvalidInput
from lab.gateway.accounting import MICRO, PICO, share_units, sum_rounded_up

dp.enable_features("contrib")

_SCALE_STEPS = 16


class Accounting(StrEnum):
    """How a project's releases are noised and composed."""

    PURE = "pure"  # discrete Laplace, pure ε-DP, ε's add
    ZCDP = "zcdp"  # discrete Gaussian, ρ-zCDP, ρ's add; shown as (ε, δ) at the project's δ

    @classmethod
    def parse(cls, text: str) -> Accounting:
        """The accounting named ``text``; a clear error otherwise."""
        try:
            return cls(str(text).strip().lower())
        except ValueError:
            raise InvalidInput(f'accounting is "pure" or "zcdp", got {text!r}') from None


def rho_units(rho: float) -> int:
    """ρ as whole micro-ρ (nearest unit); refuses anything not a finite ρ of at least 1e-06."""
    if not (isinstance(rho, int | float) and math.isfinite(rho) and rho > 0):
        raise InvalidInput(f"ρ must be a finite number above 0, got {rho!r}")
    if rho < 1 / MICRO:
        raise InvalidInput(f"ρ must be at least 1e-06 (one micro-ρ, the budget unit), got {rho!r}")
    return round(Fraction(rho) * MICRO)


@dataclass(frozen=True)
class RhoSpend:
    """An exact ρ-zCDP charge in micro-ρ."""

    rho_micro: int

    def __post_init__(self) -> None:
        if not (isinstance(self.rho_micro, int) and self.rho_micro >= 0):
            raise InvalidInput("a ρ spend is a whole number ≥ 0 of micro-ρ")

    @classmethod
    def requested(cls, rho: float) -> RhoSpend:
        """The spend an analyst asks for, refused below one micro-ρ."""
        return cls(rho_units(rho))

    @property
    def rho(self) -> Fraction:
        """ρ as an exact rational."""
        return Fraction(self.rho_micro, MICRO)

    def split(self, parts: int) -> tuple[RhoSpend, ...]:
        """``parts`` equal shares rounded down, so they never compose above this (ρ's add)."""
        return (RhoSpend(share_units(self.rho_micro, parts, "ρ")),) * parts


@dataclass(frozen=True)
class RhoCost:
    """A ρ-zCDP cost as OpenDP's maps report it (a float); sums round up, as ρ's add."""

    rho: float

    def __post_init__(self) -> None:
        if not (math.isfinite(self.rho) and self.rho >= 0):
            raise InvalidInput(f"ρ must be a finite number ≥ 0, got {self.rho!r}")

    def __add__(self, other: RhoCost) -> RhoCost:
        """zCDP composition of two releases on the same data: ρ's add (rounded up)."""
        return RhoCost(sum_rounded_up((self.rho, other.rho)))


def implied_epsilon(rho_micro: int, delta_pico: int) -> float:
    """OpenDP's ε for ``rho_micro`` micro-ρ of zCDP at δ = ``delta_pico`` pico-δ (0 for ρ = 0)."""
    return _implied_epsilon(int(rho_micro), int(delta_pico))


def implied_epsilon_micro(rho_micro: int, delta_pico: int) -> int:
    """``implied_epsilon`` rounded up to whole micro-ε: what the (ε, δ) budgets are charged."""
    return math.ceil(Fraction(implied_epsilon(rho_micro, delta_pico)) * MICRO)


def rho_for_epsilon(epsilon_micro: int, delta_pico: int) -> int:
    """The largest micro-ρ whose implied ε (micro-ε, rounded up) is at most ``epsilon_micro``.

    So a steward can grant "the ρ worth ε = 1 at δ = 1e-6", and a benchmark can compare the two
    accountings at the same total (ε, δ). 0 if not even one micro-ρ fits.
    """
    low, high = 0, max(1, epsilon_micro)  # ε(ρ) ≥ ρ, so ρ never exceeds ε
    while low < high:
        middle = (low + high + 1) // 2
        if implied_epsilon_micro(middle, delta_pico) <= epsilon_micro:
            low = middle
        else:
            high = middle - 1
    return low


@functools.lru_cache(maxsize=4096)
def _implied_epsilon(rho_micro: int, delta_pico: int) -> float:
    if rho_micro < 0 or not 0 < delta_pico < PICO:
        raise InvalidInput("a zCDP budget needs ρ ≥ 0 and a δ in (0, 1) to be shown in ε")
    if rho_micro == 0:
        return 0.0
    delta = delta_pico / PICO
    if Fraction(delta) > Fraction(delta_pico, PICO):  # the float never exceeds the budget's δ
        delta = math.nextafter(delta, 0.0)
    carrier = _rho_carrier(Fraction(rho_micro, MICRO))
    approx = dp.c.make_fix_delta(dp.c.make_zCDP_to_approxDP(carrier), delta)
    epsilon: float = approx.map(1.0)[0]
    return epsilon


def _rho_carrier(rho: Fraction) -> dp.Measurement:
    """A discrete Gaussian whose OpenDP zCDP map at distance 1 is at least ``rho`` (exactly).

    Its map is 1/(2σ²); σ = 1/√(2ρ) is stepped down an ulp at a time while rounding left it
    below ρ, so the conversion never understates the ρ it was given.
    """
    scale = 1.0 / math.sqrt(2.0 * float(rho))
    domain, metric = dp.atom_domain(T=float, nan=False), dp.absolute_distance(T=float)
    for _ in range(_SCALE_STEPS):
        carrier = dp.m.make_gaussian(domain, metric, scale=scale)
        if Fraction(carrier.map(1.0)) >= rho:
            return carrier
        scale = math.nextafter(scale, 0.0)
    raise InternalError("could not carry ρ through OpenDP's map; this is a bug")
