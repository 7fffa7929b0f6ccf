"""The interactive prompt in a pseudo-terminal: tab completion, colour, confirmation."""

from __future__ import annotations

import os
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

pty = pytest.importorskip("pty")

ROOT = Path(__file__).resolve().parents[2]
ANSI = re.compile(r"\x1b\[[0-9;?]*[a-zA-Z]")
WAIT = 90.0  # only a hung process takes this long


class Terminal:
    """The console on a pseudo-terminal, read as a person reads the screen."""

    def __init__(self, home: Path) -> None:
        self.primary, secondary = pty.openpty()
        env = {k: v for k, v in os.environ.items() if not k.startswith(("DISCORD_", "NO_COLOR"))}
        env.update({"HOME": str(home), "PYTHONPATH": str(ROOT), "TERM": "xterm"})
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bot", "console", "--demo", "--files", str(home / "out")],
            stdin=secondary,
            stdout=secondary,
            stderr=secondary,
            cwd=ROOT,
            env=env,
            close_fds=True,
        )
        os.close(secondary)
        self.raw = ""
        self.mark = 0  # where in the shown text the next expectation starts

    @property
    def shown(self) -> str:
        return ANSI.sub("", self.raw)

    def type(self, text: str) -> None:
        os.write(self.primary, text.encode())

    def expect(self, pattern: str) -> None:
        """Wait until `pattern` (a regex) shows after what was expected before."""
        deadline = time.monotonic() + WAIT
        compiled = re.compile(pattern)
        while (found := compiled.search(self.shown, self.mark)) is None:
            assert time.monotonic() < deadline, f"never saw {pattern!r}:\n{self.shown[-1500:]}"
            ready, _, _ = select.select([self.primary], [], [], 0.5)
            if ready:
                chunk = os.read(self.primary, 65536).decode("utf-8", "replace")
                if "\x1b[6n" in chunk:
                    self.type("\x1b[1;1R")  # answer the cursor position request
                self.raw += chunk
        self.mark = found.end()

    def enter(self, text: str) -> None:
        """Type as a person does: the next key only once the text shows on the line."""
        self.type(text)
        self.expect(re.escape(text))

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=WAIT)
        os.close(self.primary)


def test_completion_colour_and_a_confirmation_at_a_real_prompt(tmp_path: Path) -> None:
    terminal = Terminal(tmp_path)
    try:
        terminal.expect(r"Files the bot sends go to")  # the banner comes before the prompt
        terminal.expect(r"organiser> ")
        assert "\x1b[" in terminal.raw  # a terminal gets colour
        terminal.enter("as al")
        terminal.type("\t")
        terminal.expect(r"ice")  # the completion is drawn: only the missing letters
        terminal.type("\r")
        terminal.expect(r"You are now alice")
        terminal.enter("/prefs sh")
        terminal.type("\t")
        terminal.expect(r"ow")
        terminal.type("\r")
        terminal.expect(r"1st jacot-2018")
        terminal.enter("/leave")
        terminal.type("\r")
        terminal.expect(r"Confirm\? \[y/N\]")
        terminal.enter("n")
        terminal.type("\r")
        terminal.expect(r"Cancelled\. Nothing changed\.")
        terminal.enter("exit")
        terminal.type("\r")
        assert terminal.process.wait(timeout=WAIT) == 0
    finally:
        terminal.close()
    # History is kept for the next session.
    history = tmp_path / ".local" / "state" / "seminar-bot" / "console-history"
    assert "/prefs show" in history.read_text(encoding="utf-8")
