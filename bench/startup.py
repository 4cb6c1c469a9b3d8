"""A web worker's start-up: seconds to import the app and run ``create_app()`` in a fresh process, its memory
(resident after start, and the peak), and which heavy libraries it loaded; with the installed plugins and
content, and with all but the certificates plugin. Each figure is the median of several fresh processes.
Prints figures; asserts nothing.

    .venv/bin/python bench/startup.py
    .venv/bin/python bench/startup.py --runs 5
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("weasyprint", "pyhanko", "segno", "psycopg")
VARIANTS = {"with the certificates plugin": "all", "without the certificates plugin": "no-certificates"}


def _memory_kib() -> dict[str, int]:
    """VmRSS (resident now) and VmHWM (the peak) of this process, from Linux's /proc."""
    found = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "VmHWM"):
            found[name] = int(value.split()[0])
    return found


def child(variant: str) -> None:
    """Start the app as a web worker does, then print one JSON line of figures."""
    started = time.perf_counter()
    sys.path.insert(0, str(ROOT))
    from lms.app import create_app
    from lms.plugins.loader import PLUGIN_GROUP, PluginSet

    imported = time.perf_counter()
    plugins = PluginSet.discover() if variant == "all" else _without_certificates(PluginSet, PLUGIN_GROUP)
    create_app(plugins=plugins)
    done = time.perf_counter()
    memory = _memory_kib()
    print(json.dumps({"import_s": imported - started, "create_app_s": done - imported, "total_s": done - started,
                      "rss_mb": memory["VmRSS"] / 1024, "peak_mb": memory["VmHWM"] / 1024,
                      "loaded": [name for name in HEAVY if name in sys.modules]}))


def _without_certificates(plugin_set, group: str):  # noqa: ANN001, ANN202
    """The installed plugins and content less the certificates plugin, whose entry point is never loaded."""
    from lms.plugins import loader

    real = loader.entry_points

    def entry_points(**selection):  # noqa: ANN003, ANN202
        found = real(**selection)
        return [ep for ep in found if ep.name != "certificates"] if selection.get("group") == group else found

    loader.entry_points = entry_points  # the one lookup discover() makes
    try:
        return plugin_set.discover()
    finally:
        loader.entry_points = real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="fresh processes per variant (medians are printed)")
    parser.add_argument("--child", choices=sorted(VARIANTS.values()), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    print(f"web worker start-up: import lms.app + create_app() in a fresh process, SQLite, median of {args.runs}")
    print(f"{'':34}{'total s':>9}{'import s':>10}{'create_app s':>14}{'RSS MB':>9}{'peak MB':>9}  heavy libraries loaded")
    for label, variant in VARIANTS.items():
        runs = []
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory(prefix="lms-bench-startup-") as folder:
                env = {**os.environ, "LMS_INSTANCE_PATH": folder, "DATABASE_URL": f"sqlite:///{folder}/lms.sqlite3",
                       "LMS_SECRET_KEY": "benchmark-secret-key-0123456789abcdef"}
                output = subprocess.run([sys.executable, __file__, "--child", variant], env=env, cwd=ROOT,
                                        capture_output=True, text=True, check=True).stdout
            runs.append(json.loads(output.strip().splitlines()[-1]))

        def median(key: str) -> float:
            return statistics.median(run[key] for run in runs)

        loaded = ", ".join(runs[-1]["loaded"]) or "none"
        print(f"{label:34}{median('total_s'):9.2f}{median('import_s'):10.2f}{median('create_app_s'):14.2f}"
              f"{median('rss_mb'):9.0f}{median('peak_mb'):9.0f}  {loaded}")


if __name__ == "__main__":
    main()
