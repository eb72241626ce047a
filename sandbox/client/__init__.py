"""The notebook client SDK: an analyst's view of the DP gateway, over HTTP only.

It imports nothing of the lab (only the standard library, pandas and, for plots, matplotlib), so
a sandbox kernel needs no server code and reaches restricted data only through the gateway.

Public: :class:`Lab`, :class:`LabError`, :class:`WideIntervalWarning`,
:func:`plot_with_error_bars`, :func:`plot_trend`.

Modules:

* ``lab`` — ``Lab``: datasets, schema, mock rows, cost, query, budget and history as DataFrames.
* ``http`` — the JSON-over-HTTP caller (bearer token, timeouts) and ``LabError``.
* ``intervals`` — which values an answer's 95% intervals qualify; the warning when an interval
  is wider than its value.
* ``plotting`` — query values with their 95% intervals as error bars, or as trend lines with
  interval bands.

In a notebook::

    from sandbox.client import Lab, plot_with_error_bars

    lab = Lab()  # reads DATALAB_GATEWAY_URL and DATALAB_GATEWAY_TOKEN
    df = lab.query('SELECT "所属区", COUNT(*) FROM "tax-monthly" GROUP BY "所属区"', epsilon=0.5)
    plot_with_error_bars(df)
"""

from .http import LabError
from .intervals import WideIntervalWarning
from .lab import Lab
from .plotting import plot_trend, plot_with_error_bars

__all__ = ["Lab", "LabError", "WideIntervalWarning", "plot_trend", "plot_with_error_bars"]
