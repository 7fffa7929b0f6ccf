"""BibTeX as real tools export it: every entry of tests/data/real-exports.bib imports.

The file holds entries laid out, escaped and keyed the way DBLP, arXiv, Google
Scholar, the ACM Digital Library, OpenReview, Semantic Scholar, Zotero and Better
BibTeX write them. Each must come out with the right code, title, authors, venue
and arXiv link, at the line where it starts.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.core.catalogue import parse_catalogue

EXPORTS = Path(__file__).parents[1] / "data" / "real-exports.bib"
NEURIPS_2019 = (
    "Advances in Neural Information Processing Systems 32: Annual Conference on Neural "
    "Information Processing Systems 2019, NeurIPS 2019, December 8-14, 2019, Vancouver, BC, "
    "Canada"
)
WEI = "Data-dependent Sample Complexity of Deep Neural Networks via Lipschitz Augmentation"
ZHANG = "Understanding deep learning requires rethinking generalization"
ZHANG_AUTHORS = "Chiyuan Zhang; Samy Bengio; Moritz Hardt; Benjamin Recht; Oriol Vinyals"
BELKIN = "Mikhail Belkin; Daniel Hsu; Siyuan Ma; Soumik Mandal"
BELKIN_TITLE = (
    "Reconciling modern machine-learning practice and the classical bias–variance trade-off"
)
PNAS = "Proceedings of the National Academy of Sciences"
JACOT = "Arthur Jacot; Franck Gabriel; Clément Hongler"
NTK = "Neural Tangent Kernel: Convergence and Generalization in Neural Networks"


def arxiv(identifier: str) -> str:
    return f"https://arxiv.org/abs/{identifier}"


# code: (source, title, authors, venue, arXiv)
EXPECTED: dict[str, tuple[str, str, str, str, str]] = {
    "weim19": ("DBLP", WEI, "Colin Wei; Tengyu Ma", NEURIPS_2019, ""),
    "abs-1905-03684": ("DBLP", WEI, "Colin Wei; Tengyu Ma", "CoRR 2019", arxiv("1905.03684")),
    "zhangbhrv16": ("DBLP", ZHANG, ZHANG_AUTHORS, "CoRR 2016", arxiv("1611.03530")),
    # DBLP's condensed form: only journal = {CoRR} and volume = {abs/…} name arXiv.
    "abs-1806-07572": ("DBLP", NTK, JACOT, "CoRR 2018", arxiv("1806.07572")),
    "belkin2018reconciling": (
        "arXiv",
        "Reconciling modern machine learning practice and the bias-variance trade-off",
        BELKIN,
        "",
        arxiv("1812.11118"),
    ),
    "bartlett2019benign": (
        "arXiv",
        "Benign Overfitting in Linear Regression",
        "Peter L. Bartlett; Philip M. Long; Gábor Lugosi; Alexander Tsigler",
        "",
        arxiv("1906.11300"),
    ),
    "belkin2019reconciling": ("Google Scholar", BELKIN_TITLE, BELKIN, f"{PNAS} 2019", ""),
    "zhang2016understanding": (
        "Google Scholar",
        ZHANG,
        ZHANG_AUTHORS,
        "arXiv preprint arXiv:1611.03530 2016",
        arxiv("1611.03530"),
    ),
    "du2019gradient": (
        "Google Scholar",
        "Gradient descent finds global minima of deep neural networks",
        "Simon Du; Jason Lee; Haochuan Li; Liwei Wang; Xiyu Zhai",
        "International conference on machine learning 2019",
        "",
    ),
    "zhang-2021": (
        "ACM",
        "Understanding Deep Learning (Still) Requires Rethinking Generalization",
        ZHANG_AUTHORS,
        "Commun. ACM 2021",
        "",
    ),
    "jacot-2018": (
        "ACM",
        "Neural tangent kernel: convergence and generalization in neural networks",
        JACOT,
        "Proceedings of the 32nd International Conference on Neural Information Processing "
        "Systems 2018",
        "",
    ),
    "zhang2017understanding": (
        "OpenReview",
        ZHANG,
        ZHANG_AUTHORS,
        "International Conference on Learning Representations 2017",
        "",
    ),
    "lei2023stability": (
        "OpenReview",
        "Sharp O(1/√n) Generalization Bounds for Stable Algorithms with ℓ₂ Regularization",
        "Yunwen Lei; Tao Sun; Mingrui Liu",
        "The Eleventh International Conference on Learning Representations 2023",
        "",
    ),
    "nakkiran2019deepdd": (
        "Semantic Scholar",
        "Deep Double Descent: Where Bigger Models and More Data Hurt",
        "Preetum Nakkiran; Gal Kaplun; Yamini Bansal; Tristan Yang; Boaz Barak; Ilya Sutskever",
        "ArXiv 2019",
        arxiv("1912.02292"),
    ),
    "belkin2018reconcilingmm": (
        "Semantic Scholar",
        BELKIN_TITLE,
        "Mikhail Belkin; Daniel J. Hsu; Siyuan Ma; Soumik Mandal",
        f"{PNAS} 2018",
        "",
    ),
    "belkin_reconciling_2019": ("Zotero", BELKIN_TITLE, BELKIN, f"{PNAS} 2019", ""),
    "wei_data-dependent_2020": ("Zotero", WEI, "Colin Wei; Tengyu Ma", "", arxiv("1905.03684")),
    # Zotero escapes the maths it was given; it is rendered all the same.
    "lei_sharp_2023": (
        "Zotero",
        "Sharp O(1/√n) generalization bounds with ℓ₂ regularization",
        "Yunwen Lei; Tao Sun; Mingrui Liu",
        "",
        "",
    ),
    "belkin-reconciling-modern-2019": (
        "Better BibTeX",
        "Reconciling Modern Machine-Learning Practice and the Classical Bias–Variance Trade-Off",
        BELKIN,
        f"{PNAS} 2019",  # BibLaTeX: journaltitle and date
        arxiv("1812.11118"),
    ),
    "jacotneuraltangentkernel2018": (
        "Better BibTeX",
        NTK,
        JACOT,
        "Advances in Neural Information Processing Systems 2018",
        arxiv("1806.07572"),
    ),
    "mohri-foundations-machine-learning-2023": (
        "Better BibTeX",
        "Foundations of Machine Learning Generalization: The ½-Margin and O(1/√n) Rates of SGD",
        "Mehryar Mohri; Jörg Müller; Bernt Øksendal",
        "Journal of Machine Learning Research 2023",
        arxiv("2301.01234"),
    ),
}


@pytest.fixture(scope="module")
def exports() -> bytes:
    return EXPORTS.read_bytes()


def test_every_real_export_imports(exports: bytes) -> None:
    parsed = parse_catalogue(EXPORTS.name, exports)
    assert parsed.refused == []
    assert len(EXPECTED) >= 19
    assert len({source for source, *_ in EXPECTED.values()}) == 8
    assert [paper.code for paper in parsed.papers] == list(EXPECTED)


@pytest.mark.parametrize("code", list(EXPECTED))
def test_real_export_entry(exports: bytes, code: str) -> None:
    papers = {paper.code: paper for paper in parse_catalogue(EXPORTS.name, exports).papers}
    _, title, authors, venue, arxiv_link = EXPECTED[code]
    paper = papers[code]
    assert (paper.title, paper.authors, paper.venue, paper.arxiv) == (
        title,
        authors,
        venue,
        arxiv_link,
    )


def test_codes_derived_from_keys_are_reported_with_their_lines(exports: bytes) -> None:
    parsed = parse_catalogue(EXPORTS.name, exports)
    lines = exports.decode().splitlines()
    assert [(code.key, code.code) for code in parsed.derived] == [
        ("DBLP:conf/nips/WeiM19", "weim19"),
        ("DBLP:journals/corr/abs-1905-03684", "abs-1905-03684"),
        ("DBLP:journals/corr/ZhangBHRV16", "zhangbhrv16"),
        ("DBLP:journals/corr/abs-1806-07572", "abs-1806-07572"),
        ("10.1145/3446776", "zhang-2021"),
        ("10.5555/3327757.3327948", "jacot-2018"),
        ("belkinReconcilingModernMachinelearning2019", "belkin-reconciling-modern-2019"),
        (
            "mohriFoundationsMachineLearningGeneralization2023",
            "mohri-foundations-machine-learning-2023",
        ),
    ]
    for code in parsed.derived:
        assert lines[code.line - 1].lstrip().startswith("@")
        assert code.key in lines[code.line - 1]


def test_openreview_key_on_the_next_line_reports_the_entry_line(exports: bytes) -> None:
    broken = exports.replace(b"year={2017},\nurl={https://openreview", b"year={2017,\nurl={x")
    parsed = parse_catalogue(EXPORTS.name, broken)
    [row] = parsed.refused
    line = exports.decode().splitlines()[row.line - 1]
    assert line == "@inproceedings{"
    assert row.code == "zhang2017understanding"


def test_urls_and_dois(exports: bytes) -> None:
    papers = {paper.code: paper for paper in parse_catalogue(EXPORTS.name, exports).papers}
    assert papers["zhang-2021"].url == "https://doi.org/10.1145/3446776"
    assert papers["belkin-reconciling-modern-2019"].url == "https://doi.org/10.1073/pnas.1903070116"
    assert papers["nakkiran2019deepdd"].url == "https://api.semanticscholar.org/CorpusID:207808916"
    assert papers["belkin-reconciling-modern-2019"].topic == "double descent"
