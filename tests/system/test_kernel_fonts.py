"""Chinese labels in notebook plots render with a CJK font in the real kernel environment."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

from lab.settings import load_settings
from sandbox.kernel_env import ensure_kernel_env, kernel_environ
from tests.fixtures.sandbox_hub import skip_unless_isolation_possible

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "sandbox"
PLOT = """
import json, sys, warnings
warnings.simplefilter("error")
import matplotlib
matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib import font_manager
from sandbox.client import plot_with_error_bars
import pandas as pd
frame = pd.DataFrame({"所属区": ["市南区", "崂山区", "黄岛区"], "企业数": [120.0, 95.0, 143.0],
                      "企业数_low": [110.0, 80.0, 130.0], "企业数_high": [131.0, 108.0, 155.0]})
ax = plot_with_error_bars(frame)
ax.set_title("各区企业数（95% 区间）")
figure = ax.figure
figure.savefig(sys.argv[1])
files = {font_manager.findfont(t.get_fontproperties()) for t in [ax.title, *ax.get_xticklabels()]}
fonts = sorted({font_manager.FontProperties(fname=f).get_name() for f in files})
print(json.dumps({"rc": matplotlib.matplotlib_fname(), "fonts": fonts}))
"""


def test_chinese_plot_labels_use_the_cjk_font(tmp_path) -> None:
    """A plot with Chinese title and tick labels, drawn by the kernel venv with the environment
    the spawner gives kernels, warns of no missing glyph and resolves to Noto Sans CJK."""
    skip_unless_isolation_possible()
    env = ensure_kernel_env(load_settings().sandbox_kernel_envs)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    picture = ARTIFACTS / "kernel-chinese-plot.png"
    environ = {"PATH": os.environ["PATH"], "HOME": str(tmp_path), **kernel_environ(env.sdk)}
    run = subprocess.run(
        [str(env.python), "-c", PLOT, str(picture)],
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert "missing from font" not in run.stderr
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["rc"].startswith(str(env.sdk)), result
    assert result["fonts"] == ["Noto Sans CJK SC"], result
    assert picture.stat().st_size > 0


def test_without_the_rc_the_same_plot_misses_glyphs(tmp_path) -> None:
    """The check above can fail: matplotlib's own default font lacks the Chinese glyphs."""
    skip_unless_isolation_possible()
    env = ensure_kernel_env(load_settings().sandbox_kernel_envs)
    environ = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        **kernel_environ(env.sdk),
        "MATPLOTLIBRC": str(tmp_path / "none"),
    }
    run = subprocess.run(
        [str(env.python), "-c", PLOT, str(tmp_path / "plot.png")],
        env=environ,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert run.returncode != 0 and "missing from font" in run.stderr
