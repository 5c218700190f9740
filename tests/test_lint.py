"""Style is tested like behaviour: ruff (format and lint) and pylint-odoo's mandatory
checks over every addon, so that a style break fails CI; and every test file of an addon
is imported by its tests/__init__.py, which is all that Odoo's own test runner reads."""

import ast
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


def test_addon_tests_all_imported():
    missing = {}
    for addon in ADDONS:
        tests = ROOT / addon / "tests"
        if not tests.is_dir():
            continue
        imported = {
            alias.name
            for node in ast.walk(ast.parse((tests / "__init__.py").read_text()))
            if isinstance(node, ast.ImportFrom)
            for alias in node.names
        }
        files = {path.stem for path in tests.glob("test_*.py")}
        if files - imported:
            missing[addon] = sorted(files - imported)
    assert not missing, f"test files that Odoo's test runner never runs: {missing}"


def _translation_calls(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name == "_":
                yield node


def test_translated_strings_are_extractable():
    """Odoo's extractor (babel) evaluates the arguments of ``_()``: one f-string among
    them makes it give up on the whole file, whose strings then miss from the .pot."""
    found = []
    for addon in ADDONS:
        for path in (ROOT / addon).rglob("*.py"):
            tree = ast.parse(path.read_text())
            for call in _translation_calls(tree):
                if any(isinstance(node, ast.JoinedStr) for node in ast.walk(call)):
                    found.append(f"{path.relative_to(ROOT)}:{call.lineno}")
    assert not found, "f-strings inside _(): " + ", ".join(found)
