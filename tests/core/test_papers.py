"""/admin paper add|edit|remove|import and browsing the catalogue."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from bot.core.errors import Conflict, InvalidInput, NotFound
from bot.core.models import Paper, PaperFields, Seminar
from bot.core.papers import topic_key
from bot.core.services import Services
from bot.store import audit
from bot.store.database import Database
from tests.core.helpers import GUILD, ORGANISER, add_paper, audit_actions, join_all

WEI_MA = PaperFields(
    code="Wei-Ma-2019",
    title="  Data-dependent Sample Complexity of Deep Neural Networks via Lipschitz Augmentation ",
    authors="Colin Wei; Tengyu Ma",
    venue="NeurIPS 2019",
    url="https://proceedings.neurips.cc/paper/2019/hash/0e79548081b4bd0df3c0d8a7e4fb8b7c",
    arxiv="arXiv:1905.03684",
    topic="Generalization",
    capacity=2,
)

CSV_GOOD_AND_BAD = b"""code,title,authors,venue,url,arxiv,topic,capacity
jacot-2018,Neural Tangent Kernel,A. Jacot; F. Gabriel; C. Hongler,NeurIPS 2018,,1806.07572,Kernels,1
du-2019,Gradient Descent Finds Global Minima of Deep Neural Networks,,ICML 2019,,,Optimization,
x,Too short a code,,,,,,
arora-2019,,,,,,,
mei-2018,A mean field view,,,ftp://example.org/paper,,,
zhang-2017,Rethinking generalization,,ICLR 2017,,,,11
du-2019,Duplicate of line 3,,,,,,
"""


async def test_add_normalises_and_stores_every_field(services: Services, seminar: Seminar) -> None:
    paper = await services.papers.add(GUILD, ORGANISER, WEI_MA)
    assert paper.code == "wei-ma-2019"
    assert paper.title.startswith("Data-dependent") and paper.title.endswith("Augmentation")
    assert paper.arxiv == "https://arxiv.org/abs/1905.03684"
    assert (paper.authors, paper.venue, paper.topic, paper.capacity) == (
        "Colin Wei; Tengyu Ma",
        "NeurIPS 2019",
        "Generalization",
        2,
    )
    assert paper.position == 1
    assert await services.papers.get(GUILD, " WEI-MA-2019 ") == paper
    second = await add_paper(services, "jacot-2018")
    assert second.position == 2


async def test_adding_an_existing_code_is_refused(services: Services, seminar: Seminar) -> None:
    first = await services.papers.add(GUILD, ORGANISER, WEI_MA)
    with pytest.raises(Conflict, match="`wei-ma-2019` already exists; use `/admin paper edit`"):
        await add_paper(services, "WEI-MA-2019", "Something else")
    assert await services.papers.browse(GUILD) == [first]


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"code": "x"}, "too short"),
        ({"code": "no spaces please"}, "not valid"),
        ({"title": "   "}, "title is missing"),
        ({"url": "javascript:alert(1)"}, "not a web link"),
        ({"arxiv": "not-an-id"}, "not an arXiv reference"),
        ({"capacity": 0}, "capacity"),
        ({"capacity": 11}, "capacity"),
    ],
)
async def test_invalid_papers_are_refused(
    services: Services, seminar: Seminar, changes: dict[str, object], reason: str
) -> None:
    with pytest.raises(InvalidInput, match=reason):
        await add_paper(services, **{"code": "ok-code", **changes})  # type: ignore[arg-type]
    assert await services.papers.browse(GUILD) == []


async def test_edit_changes_the_fields_given(services: Services, seminar: Seminar) -> None:
    before = await services.papers.add(GUILD, ORGANISER, WEI_MA)
    after = await services.papers.edit(
        GUILD, ORGANISER, "wei-ma-2019", {"venue": "NeurIPS 2019 (spotlight)", "title": None}
    )
    assert after.venue == "NeurIPS 2019 (spotlight)"
    assert (after.id, after.title, after.position) == (before.id, before.title, before.position)
    renamed = await services.papers.edit(GUILD, ORGANISER, "wei-ma-2019", {"code": "WM-19"})
    assert renamed.code == "wm-19"
    with pytest.raises(NotFound, match="no paper `wei-ma-2019`"):
        await services.papers.get(GUILD, "wei-ma-2019")


async def test_edit_to_an_existing_code_is_refused(services: Services, seminar: Seminar) -> None:
    wei = await services.papers.add(GUILD, ORGANISER, WEI_MA)
    jacot = await add_paper(services, "jacot-2018")
    with pytest.raises(Conflict, match="already has the code `jacot-2018`"):
        await services.papers.edit(
            GUILD, ORGANISER, "wei-ma-2019", {"code": "Jacot-2018", "title": "New"}
        )
    assert await services.papers.browse(GUILD) == [wei, jacot]


async def test_edit_refusals(services: Services, seminar: Seminar) -> None:
    wei = await services.papers.add(GUILD, ORGANISER, WEI_MA)
    with pytest.raises(InvalidInput, match="Nothing to change"):
        await services.papers.edit(GUILD, ORGANISER, "wei-ma-2019", {"title": None})
    with pytest.raises(NotFound, match="no paper `nope`"):
        await services.papers.edit(GUILD, ORGANISER, "nope", {"title": "T"})
    with pytest.raises(InvalidInput, match="not a web link"):
        await services.papers.edit(GUILD, ORGANISER, "wei-ma-2019", {"url": "example.org"})
    assert await services.papers.browse(GUILD) == [wei]


async def test_remove_reports_how_many_rankings_it_touched(
    services: Services, seminar: Seminar
) -> None:
    for code in ("p1", "p2", "p3", "p4"):
        await add_paper(services, code)
    await join_all(services, 101, 102, 103)
    await services.preferences.set(GUILD, 101, ["p1", "p2", "p3"])
    await services.preferences.set(GUILD, 102, ["p2", "p3", "p1"])
    await services.preferences.set(GUILD, 103, ["p2", "p3", "p4"])
    removal = await services.papers.remove(GUILD, ORGANISER, "P1")
    assert (removal.paper.code, removal.rankings_touched) == ("p1", 2)
    untouched = await services.papers.remove(GUILD, ORGANISER, "p4")
    assert untouched.rankings_touched == 1
    assert [p.code for p in await services.papers.browse(GUILD)] == ["p2", "p3"]
    with pytest.raises(NotFound, match="no paper `p1`"):
        await services.papers.remove(GUILD, ORGANISER, "p1")


async def test_browse_by_topic_and_topics_in_catalogue_order(
    services: Services, seminar: Seminar
) -> None:
    await add_paper(services, "k1", topic="Kernels")
    await add_paper(services, "o1", topic="Optimization")
    await add_paper(services, "k2", topic="Kernels")
    await add_paper(services, "n1")
    assert await services.papers.topics(GUILD) == ["Kernels", "Optimization"]
    assert [p.code for p in await services.papers.browse(GUILD, "kernels")] == ["k1", "k2"]
    assert await services.papers.browse(GUILD, "Nothing") == []
    assert len(await services.papers.browse(GUILD)) == 4


async def test_a_topic_key_names_the_topic_as_the_catalogue_compares_topics(
    services: Services, seminar: Seminar
) -> None:
    await add_paper(services, "k1", topic="Kernels")
    await add_paper(services, "k2", topic="KERNELS")
    await add_paper(services, "o1", topic="Optimization")
    key = topic_key("kernels")
    assert key == topic_key("KeRnElS") != topic_key("Optimization")
    assert len(key) == 12 and key.isalnum()
    assert topic_key("Äpfel") != topic_key("äpfel")  # NOCASE folds ASCII letters only
    assert await services.papers.topic_by_key(GUILD, key) == "Kernels"  # catalogue order
    assert await services.papers.topic_by_key(GUILD, topic_key("Optimization")) == "Optimization"
    assert await services.papers.topic_by_key(GUILD, topic_key("Gone")) is None
    await services.papers.remove(GUILD, ORGANISER, "o1")
    assert await services.papers.topic_by_key(GUILD, topic_key("Optimization")) is None


async def test_a_rendered_catalogue_is_kept_until_the_catalogue_changes(
    services: Services, seminar: Seminar, db: Database
) -> None:
    await add_paper(services, "k1", topic="Kernels")
    await add_paper(services, "o1", topic="Optimization")
    renders: list[list[str]] = []

    def render(found: Sequence[Paper]) -> tuple[str, ...]:
        renders.append([paper.code for paper in found])
        return tuple(paper.code for paper in found)

    first = await services.papers.rendered(GUILD, None, "codes", render)
    assert first == ("k1", "o1")
    assert await services.papers.rendered(GUILD, None, "codes", render) is first
    # Another rendering and each topic are kept apart; a topic in any ASCII case is one.
    assert await services.papers.rendered(GUILD, None, "other", render) == ("k1", "o1")
    assert await services.papers.rendered(GUILD, "KERNELS", "codes", render) == ("k1",)
    assert await services.papers.rendered(GUILD, "kernels", "codes", render) == ("k1",)
    assert renders == [["k1", "o1"], ["k1", "o1"], ["k1"]]
    # No papers on a topic: nothing rendered, nothing kept for what a student typed.
    assert await services.papers.rendered(GUILD, "Nothing", "codes", render) is None
    kept = [key for key in db._memo if key[0] == "catalogue-rendered"]
    assert kept and not any("nothing" in str(key) for key in kept)
    assert len(renders) == 3
    # Any change to the papers table, by a service or by hand, renders again.
    await add_paper(services, "k2", topic="Kernels")
    assert await services.papers.rendered(GUILD, "Kernels", "codes", render) == ("k1", "k2")
    async with db.transaction() as tx:
        await tx.execute("UPDATE papers SET code = 'k9' WHERE code = 'k1'")
    assert await services.papers.rendered(GUILD, None, "codes", render) == ("k9", "o1", "k2")
    assert len(renders) == 5


async def test_an_empty_catalogue_renders_nothing(services: Services, seminar: Seminar) -> None:
    def render(found: Sequence[Paper]) -> int:
        raise AssertionError("nothing to render")

    assert await services.papers.rendered(GUILD, None, "codes", render) is None
    assert await services.papers.rendered(GUILD, "Kernels", "codes", render) is None


async def test_suggest_matches_code_or_title_code_prefix_first_at_most_25(
    services: Services, seminar: Seminar
) -> None:
    for n in range(40):
        await add_paper(services, f"paper-{n:02d}", f"Deep learning, part {n}")
    await add_paper(services, "deep-2020", "Something else")
    found = await services.papers.suggest(GUILD, "deep")
    assert len(found) == 25
    assert found[0].code == "deep-2020"
    assert [p.code for p in await services.papers.suggest(GUILD, "PART 3")] == [
        "paper-03",
        "paper-30",
        "paper-31",
        "paper-32",
        "paper-33",
        "paper-34",
        "paper-35",
        "paper-36",
        "paper-37",
        "paper-38",
        "paper-39",
    ]
    assert await services.papers.suggest(GUILD, "x" * 5000) == []


@pytest.mark.parametrize("wildcard", ["%", "_", "\\", "% a", "paper_0"])
async def test_suggest_treats_like_wildcards_literally(
    services: Services, seminar: Seminar, wildcard: str
) -> None:
    await add_paper(services, "paper-01", "Plain title")
    await add_paper(services, "paper-02", "100% accuracy with under_scores \\o/")
    found = [p.code for p in await services.papers.suggest(GUILD, wildcard)]
    assert found == ([] if wildcard == "paper_0" else ["paper-02"])


async def test_import_adds_good_rows_and_reports_bad_ones(
    services: Services, seminar: Seminar
) -> None:
    report = await services.papers.import_file(GUILD, ORGANISER, "catalogue.csv", CSV_GOOD_AND_BAD)
    assert report.added == ["jacot-2018", "du-2019"]
    assert report.updated == [] and report.unchanged == []
    refused = {(row.line, row.code): row.reason for row in report.refused}
    assert set(refused) == {
        (4, "x"),
        (5, "arora-2019"),
        (6, "mei-2018"),
        (7, "zhang-2017"),
        (8, "du-2019"),
    }
    assert "title is missing" in refused[(5, "arora-2019")]
    assert "not a web link" in refused[(6, "mei-2018")]
    assert "duplicate" in refused[(8, "du-2019")]
    jacot = await services.papers.get(GUILD, "jacot-2018")
    assert jacot.arxiv == "https://arxiv.org/abs/1806.07572"
    assert jacot.topic == "Kernels"
    assert (await services.papers.get(GUILD, "du-2019")).capacity == 1


async def test_a_file_with_only_bad_rows_changes_nothing(
    services: Services, seminar: Seminar
) -> None:
    existing = await add_paper(services, "keep-me")
    actions = await audit_actions(services)
    report = await services.papers.import_file(
        GUILD, ORGANISER, "bad.csv", b"code,title\nx,Too short\nok-code,\n"
    )
    assert (report.added, report.updated, report.unchanged) == ([], [], [])
    assert [row.line for row in report.refused] == [2, 3]
    assert await services.papers.browse(GUILD) == [existing]
    assert await audit_actions(services) == actions


async def test_an_unreadable_file_is_refused_whole(services: Services, seminar: Seminar) -> None:
    with pytest.raises(InvalidInput, match="no `title` column"):
        await services.papers.import_file(GUILD, ORGANISER, "x.csv", b"code,colour\n")
    with pytest.raises(InvalidInput, match="spreadsheet"):
        await services.papers.import_file(GUILD, ORGANISER, "x.xlsx", b"PK\x03\x04")
    assert await services.papers.browse(GUILD) == []


async def test_reimport_reports_unchanged_and_updated(services: Services, seminar: Seminar) -> None:
    await services.papers.import_file(GUILD, ORGANISER, "catalogue.csv", CSV_GOOD_AND_BAD)
    again = await services.papers.import_file(GUILD, ORGANISER, "catalogue.csv", CSV_GOOD_AND_BAD)
    assert (again.added, again.updated, again.unchanged) == ([], [], ["jacot-2018", "du-2019"])
    actions = await audit_actions(services)
    assert actions.count("paper.import") == 1  # an import that changed nothing is no change
    changed = CSV_GOOD_AND_BAD.replace(b"ICML 2019", b"ICML 2019 (oral)").replace(
        b"zhang-2017,Rethinking generalization,,ICLR 2017,,,,11",
        b"zhang-2017,Rethinking generalization,,,,,,",
    )
    third = await services.papers.import_file(GUILD, ORGANISER, "catalogue.csv", changed)
    assert (third.added, third.updated, third.unchanged) == (
        ["zhang-2017"],
        ["du-2019"],
        ["jacot-2018"],
    )
    assert (await services.papers.get(GUILD, "du-2019")).venue == "ICML 2019 (oral)"
    assert [p.code for p in await services.papers.browse(GUILD)] == [
        "jacot-2018",
        "du-2019",
        "zhang-2017",
    ]
    last = (await audit.recent(services.db, GUILD, 1))[0]
    assert last["action"] == "paper.import"
    assert last["detail"] == {
        "file": "catalogue.csv",
        "added": ["zhang-2017"],
        "updated": ["du-2019"],
        "refused": 4,
    }


async def test_import_keeps_an_edited_papers_position(services: Services, seminar: Seminar) -> None:
    await add_paper(services, "first")
    await add_paper(services, "du-2019", "Old title")
    await services.papers.import_file(GUILD, ORGANISER, "catalogue.csv", CSV_GOOD_AND_BAD)
    assert [p.code for p in await services.papers.browse(GUILD)] == [
        "first",
        "du-2019",
        "jacot-2018",
    ]


async def test_bibtex_import(services: Services, seminar: Seminar) -> None:
    bib = rb"""
@inproceedings{jacot-2018,
  title = {Neural Tangent Kernel: Convergence and Generalization in Neural Networks},
  author = {Jacot, Arthur and Gabriel, Franck and Hongler, Cl{\'e}ment},
  booktitle = {NeurIPS},
  year = {2018},
  eprint = {1806.07572},
  archivePrefix = {arXiv},
}
@article{broken,
  title = {No closing brace
"""
    report = await services.papers.import_file(GUILD, ORGANISER, "refs.bib", bib)
    assert report.added == ["jacot-2018"]
    assert len(report.refused) == 1
    jacot = await services.papers.get(GUILD, "jacot-2018")
    assert jacot.authors == "Arthur Jacot; Franck Gabriel; Clément Hongler"
    assert jacot.venue == "NeurIPS 2018"


async def test_bibtex_reimport_with_derived_codes_is_stable_and_spares_other_papers(
    services: Services, seminar: Seminar
) -> None:
    hand_made = await add_paper(services, "weim19", "A paper typed in by hand")
    bib = rb"""
@inproceedings{DBLP:conf/nips/WeiM19,
  author       = {Colin Wei and Tengyu Ma},
  title        = {Data-dependent Sample Complexity of Deep Neural Networks via Lipschitz
                  Augmentation},
  year         = {2019},
  eprint       = {1905.03684},
  eprinttype   = {arXiv},
}
@article{10.1145/3446776,
author = {Zhang, Chiyuan and Bengio, Samy},
title = {Understanding Deep Learning (Still) Requires Rethinking Generalization},
year = {2021},
journal = {Commun. ACM},
}
"""
    first = await services.papers.import_file(GUILD, ORGANISER, "dblp.bib", bib)
    assert first.added == ["weim19-2", "zhang-2021"]
    assert [(code.line, code.key, code.code) for code in first.derived] == [
        (2, "DBLP:conf/nips/WeiM19", "weim19-2"),
        (10, "10.1145/3446776", "zhang-2021"),
    ]
    assert await services.papers.get(GUILD, "weim19") == hand_made
    last = (await audit.recent(services.db, GUILD, 1))[0]
    assert last["detail"]["derived"] == {
        "weim19-2": "DBLP:conf/nips/WeiM19",
        "zhang-2021": "10.1145/3446776",
    }
    again = await services.papers.import_file(GUILD, ORGANISER, "dblp.bib", bib)
    assert (again.added, again.updated, again.unchanged) == ([], [], ["weim19-2", "zhang-2021"])
    fixed = bib.replace(b"Still", b"still")  # a corrected title updates the same paper
    third = await services.papers.import_file(GUILD, ORGANISER, "dblp.bib", fixed)
    assert (third.added, third.updated) == ([], ["zhang-2021"])


async def test_csv_import_reports_ignored_columns(services: Services, seminar: Seminar) -> None:
    report = await services.papers.import_file(
        GUILD, ORGANISER, "c.csv", b"code,title,notes\njacot-2018,NTK,ask Anna\n"
    )
    assert report.added == ["jacot-2018"]
    assert report.ignored_columns == ["notes"]
