"""The fuzz tier at full size (not a test): every slash command, every free option.

    python -m bench.fuzz                 # FUZZ_SIZE or 250 hostile values per option
    python -m bench.fuzz --size 40       # the CI size
    python -m bench.fuzz --only "admin deadline set" --only prefs

Runs what `tests/fuzz/test_fuzz.py` runs (same harness, same seed, so the same values)
and prints the figures: calls tried, refused, unhandled errors, pings, replies over
Discord's limits, database changes on a refused input, echoed control or bidi
characters, and in how many runs the reminder engine still fired afterwards; then
every finding grouped by command, option and check, with example values.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

if __package__ in (None, ""):  # run as `python bench/fuzz.py`
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.fuzz.harness import Tally, build_templates, fuzz_option, group, races, tree_targets

FULL_SIZE = 250
RACE_ROUNDS = 90  # ten times through every interleaving offset
DEFAULT_SEED = 11


async def main(size: int, seed: int, only: list[str], examples: int) -> int:
    started = time.perf_counter()
    total = Tally()
    with tempfile.TemporaryDirectory(prefix="fuzz-") as scratch:
        workdir = Path(scratch)
        templates = await build_templates(workdir / "templates")
        targets = await tree_targets(templates[0], workdir)
        chosen = {name: options for name, options in targets.items() if not only or name in only}
        print(
            f"fuzzing {len(chosen)} commands, {sum(map(len, chosen.values()))} runs, "
            f"{size} values per free option, seed {seed}",
            flush=True,
        )
        for name, options in chosen.items():
            for option in options:
                begun = time.perf_counter()
                tally = await fuzz_option(templates, workdir, name, option, size, seed)
                total.add(tally)
                print(
                    f"  /{name} {option}: {tally.tried} tried, {tally.refused} refused, "
                    f"{len(tally.findings)} findings ({time.perf_counter() - begun:.1f} s)",
                    flush=True,
                )
        if not only or "prefs set" in only:
            begun = time.perf_counter()
            tally = await races(templates, workdir, RACE_ROUNDS)
            total.add(tally)
            print(
                f"  /prefs set against /admin paper remove and /leave: {tally.tried} tried, "
                f"{len(tally.findings)} findings ({time.perf_counter() - begun:.1f} s)",
                flush=True,
            )
    elapsed = time.perf_counter() - started
    print()
    print(f"figures ({elapsed:.0f} s)")
    rows = [
        ("commands", len(chosen)),
        ("runs (command x option, and the races)", total.runs),
        ("tried (calls with a hostile value)", total.tried),
        ("refused (a domain error or a failed check)", total.refused),
        ("viewer calls over what the runs stored", total.viewer_calls),
        ("unhandled errors (apology, ERROR logged, escaped)", total.unhandled),
        ("pings", total.pings),
        ("over-limit replies", total.over_limit),
        ("database changes on a refused input", total.changed_on_refusal),
        ("refusals echoing control/bidi characters", total.echoes),
        ("accepted text shown with control/bidi characters", total.shown),
        ("reminders still firing (runs)", f"{total.reminders_fired} of {total.runs}"),
    ]
    width = max(len(label) for label, _ in rows)
    for label, value in rows:
        print(f"  {label:<{width}}  {value}")
    grouped = group(total.findings)
    print()
    print(f"findings: {len(total.findings)} in {len(grouped)} groups")
    for (command, option, check), found in grouped.items():
        print(f"- /{command} {option} [{check}] x{len(found)}")
        for finding in found[:examples]:
            print(f"    {finding.show()}")
    return 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=int(os.environ.get("FUZZ_SIZE", FULL_SIZE)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("FUZZ_SEED", DEFAULT_SEED)))
    parser.add_argument("--only", action="append", default=[], help="a command, e.g. 'prefs set'")
    parser.add_argument("--examples", type=int, default=3, help="example values per finding")
    arguments = parser.parse_args()
    sys.exit(asyncio.run(main(arguments.size, arguments.seed, arguments.only, arguments.examples)))
