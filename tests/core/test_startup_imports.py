"""What an idle bot holds in memory: the heavy libraries load on first use, not at start.

pypdf (~25 MB) and bibtexparser with pylatexenc (~15 MB) are needed only while a hand-in
is checked or a BibTeX file imported, numpy and OR-tools (~30 MB) only while an
assignment is solved; loading them at start put the idle bot over its 100 MB target
(bench/footprint.py measures it)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOADED_ON_FIRST_USE = ("pypdf", "bibtexparser", "pylatexenc", "numpy", "ortools")


def _loaded_after(script: str) -> str:
    """What `script` prints in a fresh interpreter."""
    done = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_starting_the_bot_does_not_load_the_heavy_libraries() -> None:
    script = (
        "import sys\n"
        "import bot.__main__, bot.core.services, bot.discord.client, bot.commands.layer\n"
        f"print(','.join(m for m in {LOADED_ON_FIRST_USE!r} if m in sys.modules))\n"
    )
    assert _loaded_after(script) == ""


def test_they_do_load_when_a_file_needs_them() -> None:
    script = (
        "import sys\n"
        "from bot.core.catalogue import parse_catalogue\n"
        "parse_catalogue('p.bib', b'@article{a, title={T}, author={A}}')\n"
        "print('bibtexparser' in sys.modules)\n"
    )
    assert _loaded_after(script) == "True"


def test_the_solver_loads_numpy_and_ortools_when_an_assignment_runs() -> None:
    script = (
        "import sys\n"
        "from bot.core.solver import AssignmentInput, solve_assignment\n"
        "result = solve_assignment(AssignmentInput(preferences={1: [10]}, capacities={10: 1}))\n"
        "print(result.assignment, 'numpy' in sys.modules, 'ortools' in sys.modules)\n"
    )
    assert _loaded_after(script) == "{1: 10} True True"
