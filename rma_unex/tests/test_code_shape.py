"""The code shows the process (design.md, style.md): model files by concern
and of a readable size, small methods, every ``sudo()`` explained."""

import ast
from pathlib import Path

from odoo.modules.module import get_module_path
from odoo.tests import TransactionCase

ADDON = Path(get_module_path("rma_unex"))
MAX_MODEL_FILE_LINES = 500
MAX_METHOD_LINES = 60


def _code_files():
    """The addon's Python, its tests excepted."""
    return [p for p in ADDON.rglob("*.py") if "tests" not in p.relative_to(ADDON).parts]


class TestCodeShape(TransactionCase):
    def test_model_files_stay_readable(self):
        for path in (ADDON / "models").glob("*.py"):
            lines = len(path.read_text(encoding="utf-8").splitlines())
            with self.subTest(file=path.name):
                self.assertLessEqual(lines, MAX_MODEL_FILE_LINES)

    def test_methods_stay_small(self):
        long = []
        for path in _code_files():
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    length = node.end_lineno - node.lineno + 1
                    if length > MAX_METHOD_LINES:
                        long.append(f"{path.relative_to(ADDON)}:{node.name} {length}")
        self.assertFalse(long, f"methods over {MAX_METHOD_LINES} lines")

    def test_every_sudo_says_why(self):
        """A ``# sudo: why`` comment on the statement, or on the lines just
        above it, for every ``sudo()`` call of the addon."""
        silent = []
        for path in _code_files():
            source = path.read_text(encoding="utf-8")
            lines = source.splitlines()
            tree = ast.parse(source)
            statements = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
            for call in ast.walk(tree):
                if not (
                    isinstance(call, ast.Call)
                    and isinstance(call.func, ast.Attribute)
                    and call.func.attr == "sudo"
                ):
                    continue
                # the innermost statement holding the call
                statement = max(
                    (s for s in statements if s.lineno <= call.lineno <= s.end_lineno),
                    key=lambda s: s.lineno,
                )
                first = statement.lineno - 1
                context = lines[max(0, first - 4) : call.end_lineno]
                if not any("# sudo:" in line for line in context):
                    silent.append(f"{path.relative_to(ADDON)}:{call.lineno}")
        self.assertFalse(silent, "sudo() without a '# sudo: why' comment")
