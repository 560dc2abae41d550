"""The package is light to import and the CLI entry points exist."""

import subprocess
import sys


def test_import_sim_is_light():
    code = ("import sys, sim; heavy = [m for m in ('matplotlib', 'mesa', 'pandas', 'pyarrow', 'scipy') "
            "if m in sys.modules]; print(','.join(heavy))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == "", f"import sim pulled in: {out}"


def test_python_dash_m_sim_prints_help():
    proc = subprocess.run([sys.executable, "-m", "sim", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0
    assert "run" in proc.stdout and "compare" in proc.stdout and "validate" in proc.stdout
