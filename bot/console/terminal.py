"""Reading lines: an interactive prompt (history, tab completion) or piped input."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Protocol, TextIO

from prompt_toolkit import PromptSession
from prompt_toolkit.completion import CompleteEvent, Completer, Completion
from prompt_toolkit.document import Document
from prompt_toolkit.formatted_text import ANSI
from prompt_toolkit.history import FileHistory, History, InMemoryHistory
from prompt_toolkit.patch_stdout import patch_stdout


class Lines(Protocol):
    """Where commands come from. `None` is the end of input."""

    interactive: bool

    async def read(self, prompt: str) -> str | None: ...

    async def confirm(self, question: str) -> bool: ...

    def output(self) -> contextlib.AbstractContextManager[object]: ...


class Vocabulary(Protocol):
    """What tab completion offers; the console keeps it current."""

    def commands(self) -> list[str]: ...

    def options(self, command_text: str) -> list[str]: ...

    def values(self, command_text: str, option: str) -> list[str]: ...

    def names(self) -> list[str]: ...


class PipedLines:
    """One command per line from a pipe or file; a confirmation reads the next line."""

    interactive = False

    def __init__(self, source: TextIO, echo: Callable[[str, str], None]) -> None:
        self.source = source
        # Piped input is not shown by a terminal: the console prints each line itself.
        self.echo = echo
        # A line a confirmation read but did not take (a script that did not answer).
        self._held: str | None = None

    async def _next(self) -> str | None:
        if self._held is not None:
            line, self._held = self._held, None
            return line
        line = await asyncio.to_thread(self.source.readline)
        return line.rstrip("\r\n") if line else None

    async def read(self, prompt: str) -> str | None:
        line = await self._next()
        if line is not None and line.strip() and not line.lstrip().startswith("#"):
            self.echo(prompt, line)
        return line

    async def confirm(self, question: str) -> bool:
        """`y`/`yes` confirms, `n`/`no` declines; anything else declines and is kept
        as the next command, so a script that does not answer loses no line."""
        while True:
            line = await self._next()
            if line is None:
                self.echo(question, "")
                return False
            answer = line.strip()
            if not answer or answer.startswith("#"):
                continue
            if answer.lower() in {"y", "yes", "n", "no"}:
                self.echo(question, answer)
                return answer.lower() in {"y", "yes"}
            self.echo(question, "")
            self._held = line
            return False

    def output(self) -> contextlib.AbstractContextManager[object]:
        return contextlib.nullcontext()


class PromptLines:
    """prompt_toolkit: line editing, history across sessions, tab completion; what the
    reminder engine prints while you type appears above the prompt."""

    interactive = True

    def __init__(self, vocabulary: Vocabulary, history_path: Path | None) -> None:
        history: History = InMemoryHistory()
        if history_path is not None:
            with contextlib.suppress(OSError):
                history_path.parent.mkdir(parents=True, exist_ok=True)
                history = FileHistory(str(history_path))
        self.session: PromptSession[str] = PromptSession(
            history=history,
            completer=ConsoleCompleter(vocabulary),
            complete_while_typing=False,
        )
        self.plain: PromptSession[str] = PromptSession()

    async def read(self, prompt: str) -> str | None:
        while True:
            try:
                return await self.session.prompt_async(ANSI(prompt))
            except EOFError:
                return None
            except KeyboardInterrupt:
                continue  # Ctrl-C drops the line being typed, as in a shell

    async def confirm(self, question: str) -> bool:
        try:
            answer = await self.plain.prompt_async(ANSI(question))
        except (EOFError, KeyboardInterrupt):
            return False
        return answer.strip().lower() in {"y", "yes"}

    def output(self) -> contextlib.AbstractContextManager[object]:
        return patch_stdout(raw=True)


class ConsoleCompleter(Completer):
    """Command names, then `name:` options of that command, then known values
    (paper codes, choices) of the option being typed."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary

    def get_completions(
        self, document: Document, complete_event: CompleteEvent
    ) -> Iterator[Completion]:
        yield from (
            Completion(text, start_position=-len(word))
            for text, word in completions(self.vocabulary, document.text_before_cursor)
        )


def completions(vocabulary: Vocabulary, before: str) -> Iterable[tuple[str, str]]:
    """(suggestion, the word it replaces) for the text left of the cursor."""
    word = before.rsplit(" ", 1)[-1]
    head = before[: len(before) - len(word)]
    stripped = head.strip()
    if stripped.lower() == "as":
        yield from ((name, word) for name in vocabulary.names() if name.startswith(word.lower()))
        return
    if not stripped or not stripped.startswith(("/", "!")):
        # Still typing the command: whole command paths that extend what is typed.
        typed = before.lstrip()
        for name in vocabulary.commands():
            if name.startswith(typed.replace("!", "/", 1)) and typed:
                # Offer only the rest of the path from the current word on.
                rest = name[len(typed) - len(word) :]
                yield rest, word
        return
    command_text = _command_prefix(vocabulary, stripped)
    if not command_text:
        for name in vocabulary.commands():
            typed = before.lstrip().replace("!", "/", 1)
            if name.startswith(typed):
                yield name[len(typed) - len(word) :], word
        return
    if ":" in word:
        option, value = word.split(":", 1)
        for candidate in vocabulary.values(command_text, option):
            if candidate.startswith(value):
                yield f"{option}:{candidate}", word
        return
    for option in vocabulary.options(command_text):
        if option.startswith(word):
            yield f"{option}:", word
    # A positional value (`/paper wei-…`, `/prefs set a b c`): offer the first option's values.
    options = vocabulary.options(command_text)
    if options and word:
        for candidate in vocabulary.values(command_text, options[0]):
            if candidate.startswith(word):
                yield candidate, word


def _command_prefix(vocabulary: Vocabulary, text: str) -> str:
    """The longest known command the text starts with (`/prefs set first:a` -> `/prefs set`)."""
    normal = text.replace("!", "/", 1)
    best = ""
    for name in vocabulary.commands():
        if (normal == name or normal.startswith(name + " ")) and len(name) > len(best):
            best = name
    return best
