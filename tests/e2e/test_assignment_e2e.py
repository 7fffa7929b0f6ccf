"""The paper assignment end to end: the real bot process against the fake Discord.

Twenty students rank papers of the seminar's catalogue; the organiser previews an
assignment (nothing public happens), pins one student, re-runs, publishes (one post in
the announcement channel that pings nobody, exactly one DM per student with their
paper and its links), publishing again sends nothing, and after a student leaves,
`/admin status` advises a re-run whose result moves nobody else unnecessarily; its
publication DMs only the students it moved. Assertions are about what people see.
"""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.e2e.conftest import BotProcess
from tests.fakediscord import FakeDiscord, FakeMember, InteractionResult

pytestmark = pytest.mark.e2e

TITLE = "Theoretical Advances in Deep Learning"
STUDENTS = 20

# (code, title, arXiv id, capacity): the reference seminar's topics, 22 papers.
PAPERS = [
    ("wei-ma-2019", "Data-dependent Sample Complexity via Lipschitz Augmentation", "1905.03684", 1),
    ("jacot-2018", "Neural Tangent Kernel", "1806.07572", 1),
    (
        "arora-2019",
        "Fine-Grained Analysis of Overparameterized Two-Layer Networks",
        "1901.08584",
        1,
    ),
    ("soudry-2018", "The Implicit Bias of Gradient Descent on Separable Data", "1710.10345", 1),
    ("cohen-2021", "Gradient Descent Typically Occurs at the Edge of Stability", "2103.00065", 2),
    ("perez-2019", "On the Turing Completeness of Modern Neural Network Architectures", "", 1),
    (
        "zhang-2017",
        "Understanding Deep Learning Requires Rethinking Generalization",
        "1611.03530",
        1,
    ),
    ("bartlett-2017", "Spectrally-normalized Margin Bounds for Neural Networks", "1706.08498", 1),
    ("neyshabur-2018", "A PAC-Bayesian Approach to Spectrally-Normalized Margin Bounds", "", 1),
    (
        "belkin-2019",
        "Reconciling Modern Machine Learning Practice and the Bias-Variance Trade-off",
        "",
        1,
    ),
    ("nakkiran-2020", "Deep Double Descent", "1912.02292", 1),
    ("du-2019", "Gradient Descent Finds Global Minima of Deep Neural Networks", "1811.03804", 1),
    ("allen-zhu-2019", "A Convergence Theory for Deep Learning via Over-Parameterization", "", 1),
    ("chizat-2019", "On Lazy Training in Differentiable Programming", "1812.07956", 1),
    ("mei-2018", "A Mean Field View of the Landscape of Two-Layer Neural Networks", "", 1),
    ("lyu-li-2020", "Gradient Descent Maximizes the Margin of Homogeneous Neural Networks", "", 1),
    ("goodfellow-2015", "Explaining and Harnessing Adversarial Examples", "1412.6572", 1),
    (
        "madry-2018",
        "Towards Deep Learning Models Resistant to Adversarial Attacks",
        "1706.06083",
        1,
    ),
    ("telgarsky-2016", "Benefits of Depth in Neural Networks", "1602.04485", 1),
    ("hanin-2019", "Universal Function Approximation by Deep Neural Nets", "", 1),
    ("garg-2022", "What Can Transformers Learn In-Context?", "2208.01553", 1),
    ("merrill-2023", "The Parallelism Tradeoff: Limitations of Log-Precision Transformers", "", 1),
]
CODES = [code for code, *_ in PAPERS]


def papers_csv() -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["code", "title", "authors", "venue", "url", "arxiv", "topic", "capacity"])
    for code, title, arxiv, capacity in PAPERS:
        url = f"https://proceedings.example.org/{code}"
        writer.writerow([code, title, "", "", url, arxiv, "", capacity])
    return out.getvalue().encode()


def ranking(index: int) -> list[str]:
    """Skewed popularity: the first few papers are everybody's favourites, so the
    optimum must send many students to their 2nd or 3rd choice, with ties to break.
    The last two papers are ranked by nobody."""
    first = CODES[index % 5]
    second = CODES[(index * 3 + 1) % 9]
    third = CODES[9 + (index * 7) % 11]
    if second == first:
        second = CODES[5 + index % 4]
    return [first, second, third]


def private(resp: InteractionResult) -> InteractionResult:
    assert resp.messages, f"no visible answer: {resp!r}"
    assert resp.ephemeral, f"expected an ephemeral (private) answer: {resp!r}"
    return resp


def fields(resp: InteractionResult) -> dict[str, str]:
    found: dict[str, str] = {}
    for embed in resp.embeds:
        for field in embed.get("fields") or []:
            found[field["name"]] = field["value"]
    return found


def moved(preview: InteractionResult) -> int | None:
    text = fields(preview)["Moved vs published"]
    if "nothing is published" in text:
        return None
    found = re.search(r"\*\*(\d+)\*\*", text)
    assert found, text
    return int(found.group(1))


async def published(fake: FakeDiscord) -> dict[int, tuple[str, str]]:
    """discord id -> (paper code, rank) from `/admin export what:assignment`."""
    resp = private(await fake.command("admin export", user=fake.organiser, what="assignment"))
    [(name, data)] = resp.files
    assert name == "assignment.csv"
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8"))))
    return {int(r["account"]): (r["paper_code"], r["rank"]) for r in rows if r["paper_code"]}


def dm_count(fake: FakeDiscord, students: list[FakeMember]) -> dict[int, int]:
    return {s.id: len(fake.dms(s)) for s in students}


async def test_assignment_story(fake: FakeDiscord, bot: BotProcess) -> None:
    org = fake.organiser
    private(
        await fake.command(
            "admin setup",
            user=org,
            title=TITLE,
            channel=fake.announcements,
            organiser_role=fake.organiser_role,
            capacity=25,
            pref_count=3,
        )
    )
    imported = private(
        await fake.command(
            "admin paper import", user=org, file=fake.add_attachment("papers.csv", papers_csv())
        )
    )
    assert f"{len(PAPERS)} added" in imported.plain

    # --- twenty students join and rank ------------------------------------------------------
    students = [fake.add_member(f"student{i:02d}") for i in range(STUDENTS)]
    rankings: dict[int, list[str]] = {}
    for index, member in enumerate(students):
        private(await fake.command("join", user=member))
        first, second, third = ranking(index)
        private(
            await fake.command("prefs set", user=member, first=first, second=second, third=third)
        )
        rankings[member.id] = [first, second, third]
    posts_before = len(fake.channel_messages(fake.announcements))

    # --- a preview changes nothing public ------------------------------------------------
    preview = private(await fake.command("admin assign run", user=org, seed=7))
    page = fields(preview)
    assert f"{STUDENTS} of {STUDENTS} students placed" in page
    assert moved(preview) is None
    assert "seed `7`" in page["Options"]
    assert re.fullmatch(r"`[0-9a-f]{64}`", page["Input hash"])
    assert len(fake.channel_messages(fake.announcements)) == posts_before
    assert all(n == 0 for n in dm_count(fake, students).values())
    mine = private(await fake.command("assignment", user=students[3]))
    assert "not published yet" in mine.plain

    # --- pin one student to a paper nobody ranked, and re-run ------------------------------
    unranked = next(c for c in CODES if not any(c in r for r in rankings.values()))
    pinned = students[0]
    resp = private(await fake.command("admin assign set", user=org, member=pinned, paper=unranked))
    assert f"Pinned <@{pinned.id}> to `{unranked}`" in resp.text
    choices = await fake.autocomplete("admin assign set", "paper", unranked[:4], user=org)
    assert any(value == unranked for _, value in choices)
    preview = private(await fake.command("admin assign run", user=org, seed=7))
    assert fields(preview)["Pinned"] == "1"
    assert f"{STUDENTS} of {STUDENTS} students placed" in fields(preview)

    # --- publish: one post that pings nobody, one DM per student ---------------------------
    asked = private(await fake.command("admin assign publish", user=org))
    assert f"{STUDENTS} of {STUDENTS} students placed" in asked.plain
    done = await fake.click(asked, "Publish")
    assert "Published preview" in done.plain
    await fake.wait_for(
        lambda: all(n >= 1 for n in dm_count(fake, students).values()),
        15,
        what="a DM to every student",
    )
    post = await fake.wait_for_channel_message(
        fake.announcements, lambda m: "paper assignment" in m.content, timeout=10
    )
    await fake.settle(1.0)
    assert dm_count(fake, students) == {s.id: 1 for s in students}
    assignment = await published(fake)
    assert len(assignment) == STUDENTS
    assert assignment[pinned.id][0] == unranked
    for member in students:
        assert f"<@{member.id}>" in post.content
        [dm] = fake.dms(member)
        code = assignment[member.id][0]
        assert f"`{code}`" in dm.content
        assert f"https://proceedings.example.org/{code}" in dm.content
        assert "<@" not in dm.content
    assert post.pings() == {"everyone": False, "users": set(), "roles": set()}
    assert fake.pinging_messages() == []
    paper_posts = [
        m for m in fake.channel_messages(fake.announcements) if "paper assignment" in m.content
    ]
    assert len(paper_posts) == 1

    # Students and /paper see it now.
    someone = students[5]
    mine = private(await fake.command("assignment", user=someone))
    assert f"`{assignment[someone.id][0]}`" in mine.text
    card = private(await fake.command("paper", user=students[1], paper=assignment[someone.id][0]))
    assert f"<@{someone.id}>" in fields(card)["Presented by"]

    # --- publishing again sends nothing ----------------------------------------------------
    again = private(await fake.command("admin assign publish", user=org))
    assert "already published" in again.plain
    await fake.settle(1.0)
    assert dm_count(fake, students) == {s.id: 1 for s in students}
    assert len(fake.channel_messages(fake.announcements)) == posts_before + 1

    # --- a student leaves: a re-run is advised, never done silently ------------------------
    # The leaver holds a paper somebody else ranked higher, so the optimum may move one.
    leaver = next(
        s
        for s in students
        if s is not pinned
        and any(
            r.index(assignment[s.id][0]) < r.index(assignment[o][0])
            for o, r in rankings.items()
            if o not in (s.id, pinned.id) and assignment[s.id][0] in r
        )
    )
    asked = private(await fake.command("leave", user=leaver))
    private(await fake.click(asked, "Yes, leave"))
    status = fields(private(await fake.command("admin status", user=org)))
    assert "A re-run is advised: 1 change since publication" in status["Paper assignment"]
    after_leave = await published(fake)
    assert leaver.id not in after_leave
    assert after_leave == {u: p for u, p in assignment.items() if u != leaver.id}

    rerun = private(await fake.command("admin assign run", user=org, seed=12345))
    shown_moves = moved(rerun)
    assert shown_moves is not None
    private(
        await fake.click(private(await fake.command("admin assign publish", user=org)), "Publish")
    )
    await fake.settle(1.5)
    final = await published(fake)
    movers = {u for u in final if final[u][0] != assignment[u][0]}
    assert len(movers) == shown_moves
    # Nobody moved without a reason: each mover now has a paper they ranked higher.
    for user in movers:
        assert rankings[user].index(final[user][0]) < rankings[user].index(assignment[user][0])
    # Only the movers hear about it; everyone else still has exactly one DM.
    expected = {s.id: 2 if s.id in movers else 1 for s in students if s is not leaver}
    await fake.wait_for(
        lambda: {k: v for k, v in dm_count(fake, students).items() if k != leaver.id} == expected,
        10,
        what="DMs to the moved students only",
    )
    status = fields(private(await fake.command("admin status", user=org)))
    assert "Paper assignment" not in status
    fake.assert_clean()
