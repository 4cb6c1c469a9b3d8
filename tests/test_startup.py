"""A web worker's start-up loads no library that only some work needs: the certificates' PDF, signing and QR
libraries load on first use, and a SQLite deployment never loads psycopg."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEAVY = ("weasyprint", "pyhanko", "pyhanko_certvalidator", "segno", "psycopg")
SCRIPT = """
import json, sys
from lms.app import create_app
app = create_app()
assert "certificates.plugin" in sys.modules  # the plugin itself is loaded, only not its heavy libraries
print(json.dumps(sorted({name.split(".")[0] for name in sys.modules} & set(sys.argv[1:]))))
"""


def test_create_app_loads_no_pdf_signing_qr_or_postgresql_library(tmp_path):
    env = {**os.environ, "LMS_INSTANCE_PATH": str(tmp_path), "DATABASE_URL": f"sqlite:///{tmp_path}/lms.sqlite3"}
    result = subprocess.run([sys.executable, "-c", SCRIPT, *HEAVY], env=env, cwd=ROOT, capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []
