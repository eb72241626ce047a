"""One checkout's credit benchmark lab, prepared by that checkout's own code (for
``credit_compare.py``, which runs this with the checkout on ``PYTHONPATH``)::

    python benchmarks/credit_prepare.py CHECKOUT HOME PLAN_FILE SCALE SEED BANKS CONSENTS

Imports nothing of the lab but through the checkout's ``benchmarks/credit.py``, so an older
checkout prepares its lab as it did then. The plan (tokens, consents) goes to ``PLAN_FILE``.
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path


def main() -> None:
    checkout, home, plan_file = (Path(a) for a in sys.argv[1:4])
    scale, seed, banks, consents = (int(a) for a in sys.argv[4:8])
    spec = importlib.util.spec_from_file_location("credit", checkout / "benchmarks" / "credit.py")
    own = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(own)
    paths, _ = own.timed("generate", lambda: own.demo_files(scale, seed))
    shutil.rmtree(home, ignore_errors=True)
    settings = own.LabSettings(home=home, database_url="")
    plan, refresh = own.prepare(settings, paths, banks, consents)
    own.settle(settings)
    plan_file.write_text(json.dumps({"plan": plan, "refresh": refresh}))


if __name__ == "__main__":
    main()
