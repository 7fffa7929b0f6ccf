"""Paper assignment: one paper per student from ranked preferences (pure, no I/O).

Objective, in lexicographic order:

1. place as many students as possible on a paper they ranked;
2. minimise the sum of ranks (``mode="linear"``) or of squared ranks (``mode="fair"``);
3. keep students on the paper the previous (published) assignment gave them;
4. break the remaining ties by a seeded pseudo-random order.

Pins are hard constraints and are taken out of the problem before solving; students
left unplaced can optionally be put on leftover seats afterwards (``fill=True``).

Why the objective is solved the way it is (see ``_solve_flow`` for the bounds):

* Level 1 is not a weight at all. ``solve_max_flow_with_min_cost`` first computes the
  maximum flow and then the cheapest flow *of that value*, so "placed count" comes
  first for free. Encoding it as a weight is what overflows int64 at a few thousand
  students.
* Levels 2-4 are folded into one integer cost per arc,
  ``rank_cost * W + move * K + tie``, whose weights are derived from the number of
  students that can be placed: every feasible flow has ``move`` total ``<= n`` and
  ``tie`` total ``<= n * (T - 1) < K``, so ``move * K + tie < (n + 1) * K = W``. Any
  difference at a higher level therefore outweighs every possible difference at all
  lower levels, which makes the single min-cost solve exactly lexicographic. With
  rank costs ``<= 25`` the largest arc cost is about ``25 * n**2 * T``; ``T`` (the
  tie-break resolution) is chosen as large as OR-tools' cost scaling allows (it
  multiplies costs by ``#nodes + 1`` and refuses costs above ``int64 / (2 (#nodes+1))``)
  with a wide margin for node potentials. If OR-tools still reports a cost-range
  problem we re-solve with a coarser tie-break, down to none, which never changes
  levels 1-3.
* The tie-break cost of an arc is a hash of ``(seed, student, paper)``, not of the arc's
  position, so it does not depend on the order of the input, nor on which other
  students are present (a re-run after a drop-out sees the same tie-break for
  everybody else).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal

# numpy and OR-tools (~30 MB together) are imported inside the functions that use
# them: only an assignment run needs them, and importing them at start-up kept
# ~30 MB in every idle bot (bench/footprint.py, tests/core/test_startup_imports.py).
if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    U64Array = npt.NDArray[np.uint64]
    I64Array = npt.NDArray[np.int64]

Mode = Literal["linear", "fair"]
MODES: tuple[str, ...] = ("linear", "fair")
MAX_RANKS = 5
"""Ranks shown in the histogram. Longer lists are still honoured (rank 6 costs 6 or 36)."""

_INT64_MAX = (1 << 63) - 1
_MAX_TIE_BITS = 20
# Headroom left for node potentials, which in cost scaling can grow to a multiple of
# the largest scaled arc cost; OR-tools detects (and reports) overflow, we avoid it.
_POTENTIAL_HEADROOM = 1 << 6


class AssignmentError(ValueError):
    """The input cannot be solved as given; the message is safe to show to organisers."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems: tuple[str, ...] = tuple(problems)


@dataclass(frozen=True)
class AssignmentInput:
    """Everything the solver looks at.

    Entries of ``preferences``, ``pins`` and ``previous`` for students outside
    ``students`` are ignored (e.g. somebody who de-registered). Paper ids not in
    ``capacities`` do not exist: they are skipped in preference lists (the ranks of
    the remaining papers close up) and refused as pins.
    """

    preferences: Mapping[int, Sequence[int]]
    capacities: Mapping[int, int]
    pins: Mapping[int, int] = field(default_factory=dict)
    previous: Mapping[int, int] = field(default_factory=dict)
    students: Sequence[int] | None = None


@dataclass(frozen=True)
class AssignmentResult:
    assignment: dict[int, int]
    """student id -> paper id, for placed students only."""
    unassigned: list[int]
    """Sorted ids of students without a paper."""
    rank_of: dict[int, int | None]
    """Placed student -> 1-based rank of their paper in their (cleaned) list, or None
    when the paper is not in their list (pinned there, or placed by ``fill``)."""
    histogram: dict[str, int]
    """"1".."5" (and higher if lists were longer), "unranked", "unassigned" partition
    the students; "pinned" counts pinned students again, whatever their rank."""
    moved: int
    """Students in ``previous`` (and still students) whose paper is now different,
    including those who now have none."""
    seed: int
    mode: str
    input_hash: str
    """sha256 of a canonical JSON of the effective input, mode and fill (not the seed):
    equal hashes and equal seeds give equal results."""


def solve_assignment(
    data: AssignmentInput,
    *,
    seed: int = 0,
    mode: Mode = "linear",
    fill: bool = False,
) -> AssignmentResult:
    """Assign papers to students; raises AssignmentError for conflicting pins."""
    import numpy as np

    if mode not in MODES:
        raise AssignmentError(f"Unknown assignment mode {mode!r}; use 'linear' or 'fair'.")

    # ---- canonical input ------------------------------------------------------------
    if data.students is None:
        students = sorted({*data.preferences, *data.pins})
    else:
        students = sorted(set(data.students))
    student_set = set(students)
    capacities = {int(p): int(c) for p, c in sorted(data.capacities.items())}
    bad_caps = [p for p, c in capacities.items() if c < 0]
    if bad_caps:
        raise AssignmentError(
            "Paper capacities cannot be negative: "
            + ", ".join(f"paper {p} has {capacities[p]}" for p in bad_caps)
            + "."
        )
    pins = {s: int(p) for s, p in sorted(data.pins.items()) if s in student_set}
    previous = {s: int(p) for s, p in sorted(data.previous.items()) if s in student_set}
    raw_prefs = {s: [int(p) for p in data.preferences.get(s, ())] for s in students}
    input_hash = _input_hash(students, raw_prefs, capacities, pins, previous, mode, fill)

    _check_pins(pins, capacities)

    papers = list(capacities)
    left = dict(capacities)
    for p in pins.values():
        left[p] -= 1

    # ---- cleaned preference lists as a padded matrix --------------------------------
    paper_ids = np.array(papers, dtype=np.int64)
    pref_paper, pref_valid = _clean_preferences([raw_prefs[s] for s in students], paper_ids)
    pref_rank = np.cumsum(pref_valid, axis=1, dtype=np.int64)  # 1-based where valid

    # ---- optimise the students that are not pinned ----------------------------------
    free_rows = np.array([i for i, s in enumerate(students) if s not in pins], dtype=np.int64)
    student_ids = np.array(students, dtype=np.int64)
    placed_rows, placed_cols = _solve_flow(
        student_ids=student_ids,
        free_rows=free_rows,
        pref_paper=pref_paper,
        pref_valid=pref_valid,
        pref_rank=pref_rank,
        paper_ids=paper_ids,
        left=np.array([left[p] for p in papers], dtype=np.int64),
        previous=previous,
        seed=seed,
        mode=mode,
    )

    assignment: dict[int, int] = dict(pins)
    rank_of: dict[int, int | None] = {}
    for row, col in zip(placed_rows.tolist(), placed_cols.tolist(), strict=True):
        s = students[row]
        assignment[s] = papers[int(pref_paper[row, col])]
        rank_of[s] = int(pref_rank[row, col])
        left[assignment[s]] -= 1
    row_of = {s: i for i, s in enumerate(students)}
    col_of = {p: j for j, p in enumerate(papers)}

    def rank_on(s: int, p: int) -> int | None:
        row = row_of[s]
        hits = np.flatnonzero(pref_valid[row] & (pref_paper[row] == col_of[p]))
        return int(pref_rank[row, hits[0]]) if len(hits) else None

    for s, p in pins.items():
        rank_of[s] = rank_on(s, p)

    if fill:
        for s, p in _fill(
            [s for s in students if s not in assignment], left, previous, seed
        ).items():
            assignment[s] = p
            rank_of[s] = rank_on(s, p)

    assignment = dict(sorted(assignment.items()))
    rank_of = dict(sorted(rank_of.items()))
    unassigned = [s for s in students if s not in assignment]

    max_rank = max([MAX_RANKS, *(r for r in rank_of.values() if r is not None)])
    histogram = {str(r): 0 for r in range(1, max_rank + 1)}
    histogram["unranked"] = 0
    for r in rank_of.values():
        histogram["unranked" if r is None else str(r)] += 1
    histogram["unassigned"] = len(unassigned)
    histogram["pinned"] = len(pins)

    moved = sum(1 for s, p in previous.items() if assignment.get(s) != p)
    return AssignmentResult(
        assignment=assignment,
        unassigned=unassigned,
        rank_of=rank_of,
        histogram=histogram,
        moved=moved,
        seed=seed,
        mode=mode,
        input_hash=input_hash,
    )


def _check_pins(pins: Mapping[int, int], capacities: Mapping[int, int]) -> None:
    problems: list[str] = []
    per_paper: dict[int, list[int]] = {}
    for s, p in pins.items():
        if p not in capacities:
            problems.append(f"student {s} is pinned to paper {p}, which does not exist")
        else:
            per_paper.setdefault(p, []).append(s)
    for p, pinned in sorted(per_paper.items()):
        if len(pinned) > capacities[p]:
            who = ", ".join(str(s) for s in pinned)
            problems.append(
                f"paper {p} has room for {capacities[p]} but {len(pinned)} students "
                f"are pinned to it ({who})"
            )
    if problems:
        raise AssignmentError(
            "Conflicting pins, nothing was assigned: " + "; ".join(problems) + ".", problems
        )


def _clean_preferences(
    lists: Sequence[Sequence[int]], paper_ids: I64Array
) -> tuple[I64Array, npt.NDArray[np.bool_]]:
    """Pad the lists into a matrix of paper *indices*; mark entries that count.

    An entry counts if its paper exists and did not occur earlier in the same list.
    """
    import numpy as np

    n = len(lists)
    lengths = np.fromiter((len(lst) for lst in lists), dtype=np.int64, count=n)
    width = int(lengths.max()) if n else 0
    total = int(lengths.sum())
    flat = np.fromiter((p for lst in lists for p in lst), dtype=np.int64, count=total)
    rows = np.repeat(np.arange(n, dtype=np.int64), lengths)
    cols = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(lengths) - lengths, lengths)

    index = np.searchsorted(paper_ids, flat)
    known = index < len(paper_ids)
    known[known] = paper_ids[index[known]] == flat[known]

    pref_paper = np.full((n, width), -1, dtype=np.int64)
    pref_paper[rows[known], cols[known]] = index[known]
    valid = pref_paper >= 0
    for j in range(1, width):
        dup = (pref_paper[:, :j] == pref_paper[:, j : j + 1]).any(axis=1)
        valid[:, j] &= ~dup
    return pref_paper, valid


def _solve_flow(
    *,
    student_ids: I64Array,
    free_rows: I64Array,
    pref_paper: I64Array,
    pref_valid: npt.NDArray[np.bool_],
    pref_rank: I64Array,
    paper_ids: I64Array,
    left: I64Array,
    previous: Mapping[int, int],
    seed: int,
    mode: Mode,
) -> tuple[I64Array, I64Array]:
    """Return (row, column) into the preference matrix of every placed free student."""
    import numpy as np
    from ortools.graph.python import min_cost_flow

    n_free = len(free_rows)
    n_papers = len(paper_ids)
    if n_free == 0 or n_papers == 0 or pref_paper.shape[1] == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)

    # Arcs: free student -> each paper they validly ranked that still has a seat.
    sub_paper = pref_paper[free_rows]
    usable = pref_valid[free_rows] & (left[np.maximum(sub_paper, 0)] > 0)
    arc_local, arc_col = np.nonzero(usable)  # row-major: canonical arc order
    if len(arc_local) == 0:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    arc_row = free_rows[arc_local]
    arc_paper = pref_paper[arc_row, arc_col]
    rank = pref_rank[arc_row, arc_col]
    rank_cost = rank * rank if mode == "fair" else rank

    # move = 0 on the arc to the student's previous paper, 1 elsewhere. The number of
    # placed students is fixed by level 1, so minimising the sum maximises "kept".
    prev_index = np.full(len(student_ids), -1, dtype=np.int64)
    if previous:
        prev_rows = np.searchsorted(student_ids, np.array(list(previous), dtype=np.int64))
        prev_papers = np.searchsorted(paper_ids, np.array(list(previous.values()), np.int64))
        ok = prev_papers < n_papers
        ok[ok] = paper_ids[prev_papers[ok]] == np.array(list(previous.values()), np.int64)[ok]
        prev_index[prev_rows[ok]] = prev_papers[ok]
    move = (arc_paper != prev_index[arc_row]).astype(np.int64)

    num_nodes = n_free + n_papers
    tails = arc_local.astype(np.int32)
    heads = (n_free + arc_paper).astype(np.int32)
    supplies = np.concatenate([np.ones(n_free, dtype=np.int64), -left]).astype(np.int64)
    max_rank_cost = int(rank_cost.max())

    tie_hash = _mix(
        _mix(_seed_u64(seed) ^ student_ids[arc_row].view(np.uint64))
        ^ paper_ids[arc_paper].view(np.uint64)
    )
    limit = _INT64_MAX // (2 * (num_nodes + 1)) // _POTENTIAL_HEADROOM
    bits = _MAX_TIE_BITS
    while bits > 0 and _max_arc_cost(n_free, bits, max_rank_cost) > limit:
        bits -= 1
    while True:
        tie_range = 1 << bits
        k_weight = n_free * (tie_range - 1) + 1
        w_weight = (n_free + 1) * k_weight
        if max_rank_cost * w_weight + k_weight + tie_range > _INT64_MAX // (2 * (num_nodes + 1)):
            raise AssignmentError(f"Too many students ({n_free}) to solve the assignment exactly.")
        tie = (tie_hash >> np.uint64(64 - bits)).astype(np.int64) if bits else 0
        costs = rank_cost * w_weight + move * k_weight + tie

        solver = min_cost_flow.SimpleMinCostFlow()
        solver.add_arcs_with_capacity_and_unit_cost(
            tails, heads, np.ones(len(tails), dtype=np.int64), costs.astype(np.int64)
        )
        solver.set_nodes_supplies(np.arange(num_nodes, dtype=np.int32), supplies)
        status = solver.solve_max_flow_with_min_cost()
        if status == solver.OPTIMAL:
            break
        if status == solver.BAD_COST_RANGE and bits > 0:
            bits = max(0, bits - 8)
            continue
        raise RuntimeError(f"min-cost flow failed with status {status}")  # pragma: no cover

    flows = np.asarray(solver.flows(np.arange(len(tails), dtype=np.int32)), dtype=np.int64)
    used = flows > 0
    return arc_row[used], arc_col[used]


def _max_arc_cost(n_free: int, bits: int, max_rank_cost: int) -> int:
    tie_range = 1 << bits
    k_weight = n_free * (tie_range - 1) + 1
    return max_rank_cost * (n_free + 1) * k_weight + k_weight + tie_range


def _seed_u64(seed: int) -> np.uint64:
    import numpy as np

    return np.uint64(seed & 0xFFFF_FFFF_FFFF_FFFF)


def _mix(x: U64Array | np.uint64) -> U64Array:
    """splitmix64 finaliser, vectorised (uint64 arithmetic wraps around)."""
    import numpy as np

    z = np.atleast_1d(np.asarray(x, dtype=np.uint64)) + np.uint64(0x9E3779B97F4A7C15)
    z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
    z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
    return z ^ (z >> np.uint64(31))


def _order(seed: int, ids: Sequence[int], salt: int) -> list[int]:
    """ids sorted by a hash of (seed, salt, id): a seeded order independent of the input order."""
    import numpy as np

    if not ids:
        return []
    arr = np.array(ids, dtype=np.int64)
    keys = _mix(_mix(_mix(_seed_u64(seed)) ^ np.uint64(salt)) ^ arr.view(np.uint64))
    return [ids[i] for i in np.lexsort((arr, keys)).tolist()]


def _fill(
    unplaced: Sequence[int], left: dict[int, int], previous: Mapping[int, int], seed: int
) -> dict[int, int]:
    """Put unplaced students on leftover seats: previous paper first, then seeded order.

    Every paper with a free seat is one that none of these students ranked (or the flow
    would have used it), so there is no rank to optimise; keeping the previous paper is
    greedy-optimal because papers are independent of each other.
    """
    left = dict(left)
    order = _order(seed, sorted(unplaced), salt=1)
    placed: dict[int, int] = {}
    for s in order:
        p = previous.get(s)
        if p is not None and left.get(p, 0) > 0:
            placed[s] = p
            left[p] -= 1
    seats = [p for p in _order(seed, sorted(left), salt=2) for _ in range(max(0, left[p]))]
    rest = [s for s in order if s not in placed]
    for s, p in zip(rest, seats, strict=False):
        placed[s] = p
    return placed


def _input_hash(
    students: Sequence[int],
    prefs: Mapping[int, Sequence[int]],
    capacities: Mapping[int, int],
    pins: Mapping[int, int],
    previous: Mapping[int, int],
    mode: str,
    fill: bool,
) -> str:
    canonical = {
        "v": 1,
        "students": list(students),
        "preferences": [[s, list(prefs[s])] for s in students if prefs[s]],
        "capacities": [[p, c] for p, c in sorted(capacities.items())],
        "pins": [[s, p] for s, p in sorted(pins.items())],
        "previous": [[s, p] for s, p in sorted(previous.items())],
        "mode": mode,
        "fill": fill,
    }
    text = json.dumps(canonical, separators=(",", ":"), sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()
