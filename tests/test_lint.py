"""Style is tested like behaviour: ruff (format and lint) and pylint-odoo's mandatory
checks over every addon, so that a style break fails CI."""

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADDONS = sorted(path.parent.name for path in ROOT.glob("*/__manifest__.py"))
BIN = Path(sys.executable).parent


def run(*command):
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def test_ruff_lint():
    result = run(str(BIN / "ruff"), "check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format():
    result = run(str(BIN / "ruff"), "format", "--check", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_pylint_odoo_mandatory_checks():
    assert ADDONS, "no addon found"
    result = run(str(BIN / "pylint"), "--rcfile=.pylintrc-mandatory", *ADDONS)
    assert result.returncode == 0, result.stdout + result.stderr
