"""The paper catalogue's input rules: one paper, CSV and BibTeX imports."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.catalogue import (
    MAX_FILE_BYTES,
    MAX_ROWS,
    ParsedCatalogue,
    RefusedRow,
    normalise_arxiv,
    parse_catalogue,
    parse_csv,
    settle_codes,
    validate_paper,
)
from bot.core.catalogue.bibtex import parse_bibtex
from bot.core.errors import InvalidInput
from bot.core.models import PaperFields

SNEAKY_TITLE = '@everyone <@&123> <@456> Robert\'); DROP TABLE papers;-- "x" % _ *b* ||s||'

# --------------------------------------------------------------------------- validate_paper


def test_validate_normalises_a_paper() -> None:
    paper = validate_paper(
        PaperFields(
            code="  Wei-Ma-2019 ",
            title="  Deep\n\tlearning\x00 \x07for   graphs ",
            authors="Jason Wei;\r\n Tengyu Ma",
            venue=" NeurIPS\u00a0 2019",
            url=" https://example.org/paper?id=1 ",
            arxiv="arXiv:1905.03684v2",
            topic=" graphs ",
            capacity=2,
        )
    )
    assert paper == PaperFields(
        code="wei-ma-2019",
        title="Deep learning for graphs",
        authors="Jason Wei; Tengyu Ma",
        venue="NeurIPS 2019",
        url="https://example.org/paper?id=1",
        arxiv="https://arxiv.org/abs/1905.03684v2",
        topic="graphs",
        capacity=2,
    )
    assert validate_paper(paper) == paper  # idempotent: re-imports compare equal


def test_mentions_markdown_and_sql_are_stored_as_typed() -> None:
    paper = validate_paper(
        PaperFields(code="ab", title=SNEAKY_TITLE, authors=SNEAKY_TITLE, topic="@here")
    )
    assert paper.title == SNEAKY_TITLE
    assert paper.authors == SNEAKY_TITLE
    assert paper.topic == "@here"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"code": ""}, "code is missing"),
        ({"code": "a"}, "`a` is too short"),
        ({"code": "x" * 41}, "is too long (41 characters)"),
        ({"code": "wei ma"}, "`wei ma` is not valid"),
        ({"code": "-wei"}, "starting with a letter or digit"),
        ({"code": "wei/ma"}, "for example `wei-ma-2019`"),
        ({"code": "wéi"}, "lowercase letters a–z"),
        ({"code": "\u212aelvin"}, "is not valid"),
        ({"title": "  \n "}, "The title is missing."),
        ({"title": "t" * 257}, "The title is 257 characters long; the limit is 256."),
        ({"authors": "a" * 1025}, "The author list is 1025 characters long; the limit is 1024."),
        ({"venue": "v" * 257}, "The venue is 257 characters long; the limit is 256."),
        ({"topic": "t" * 101}, "The topic is 101 characters long; the limit is 100."),
        ({"url": "www.example.org"}, "`www.example.org` is not a web link"),
        ({"url": "ftp://example.org/x"}, "is not a web link"),
        ({"url": "javascript:alert(1)"}, "is not a web link"),
        ({"url": "https://"}, "is not a web link"),
        ({"url": "https://exa mple.org"}, "is not a web link"),
        ({"url": "https://example.org:port/"}, "is not a web link"),
        ({"url": "https://[::1/"}, "is not a web link"),
        ({"url": "https://e.org/" + "x" * 500}, "the limit is 512"),
        ({"arxiv": "not-arxiv"}, "`not-arxiv` is not an arXiv reference"),
        ({"capacity": 0}, "from 1 to 10"),
        ({"capacity": 11}, "11 is out of range"),
        ({"capacity": 10**100}, "that is out of range"),
        ({"capacity": True}, "whole number"),
        ({"capacity": "2"}, "whole number"),
        ({"title": None}, "The title must be text."),
    ],
)
def test_validate_refuses_with_a_specific_message(
    changes: dict[str, object], expected: str
) -> None:
    fields = dataclasses.replace(PaperFields(code="ok-code", title="A title"), **changes)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput) as caught:
        validate_paper(fields)
    assert expected in str(caught.value)


def test_refusals_echo_little_and_no_backticks() -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_paper(PaperFields(code="`" + "x" * 100 + " y", title="t"))
    message = str(caught.value)
    assert "x" * 60 not in message
    assert "'" + "x" * 58 + "…" in message
    assert message.count("`") % 2 == 0
    with pytest.raises(InvalidInput) as caught:
        validate_paper(PaperFields(code="ok", title="t", url="`https://x` " + "y" * 200))
    assert "y" * 61 not in str(caught.value)


def test_url_accepts_http_and_https_with_hosts() -> None:
    for url in ("http://example.org", "HTTPS://Example.org/a_b?c=d#e", "https://[::1]:8080/x"):
        assert validate_paper(PaperFields(code="ok", title="t", url=url)).url == url


# --------------------------------------------------------------------------- arXiv


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("", ""),
        ("   ", ""),
        ("1905.03684", "https://arxiv.org/abs/1905.03684"),
        ("arXiv:1905.03684v2", "https://arxiv.org/abs/1905.03684v2"),
        ("ARXIV: 1905.03684", "https://arxiv.org/abs/1905.03684"),
        ("https://arxiv.org/abs/1905.03684", "https://arxiv.org/abs/1905.03684"),
        ("http://arxiv.org/pdf/1905.03684.pdf", "https://arxiv.org/abs/1905.03684"),
        ("https://arxiv.org/pdf/1905.03684v3", "https://arxiv.org/abs/1905.03684v3"),
        ("https://www.arxiv.org/abs/1905.03684/", "https://arxiv.org/abs/1905.03684"),
        ("https://arxiv.org/abs/1905.03684?context=cs", "https://arxiv.org/abs/1905.03684"),
        ("0704.0001", "https://arxiv.org/abs/0704.0001"),
        ("1412.6980", "https://arxiv.org/abs/1412.6980"),
        ("math/0601001", "https://arxiv.org/abs/math/0601001"),
        ("hep-th/9901001v2", "https://arxiv.org/abs/hep-th/9901001v2"),
        ("math.AG/0601001", "https://arxiv.org/abs/math/0601001"),
        ("arXiv:cond-mat/0102536", "https://arxiv.org/abs/cond-mat/0102536"),
        ("10.48550/arXiv.1905.03684", "https://arxiv.org/abs/1905.03684"),
        ("https://doi.org/10.48550/ARXIV.1905.03684", "https://arxiv.org/abs/1905.03684"),
    ],
)
def test_normalise_arxiv_accepts(given: str, expected: str) -> None:
    assert normalise_arxiv(given) == expected
    assert normalise_arxiv(expected) == expected


@pytest.mark.parametrize(
    "given",
    [
        "1905.0368",  # too few digits after 2015
        "1412.69801",  # five digits before 2015
        "1913.03684",  # month 13
        "0701.1234",  # new-style IDs began in April 2007
        "1905.03684v0",
        "https://example.org/abs/1905.03684",
        "https://arxiv.org/list/cs.LG",
        "arXiv:https://arxiv.org/abs/1905.03684",
        "math/06010011",
        "wei-ma-2019",
        "10.1145/3292500",
    ],
)
def test_normalise_arxiv_refuses(given: str) -> None:
    with pytest.raises(InvalidInput, match="is not an arXiv reference"):
        normalise_arxiv(given)


# --------------------------------------------------------------------------- CSV

GOOD_CSV = (
    "code,title,authors,venue,url,arxiv,topic,capacity\n"
    "wei-ma-2019,Graphs are fun,Jason Wei; Tengyu Ma,NeurIPS 2019,https://e.org/a,"
    "1905.03684,graphs,2\n"
    '"Lee-2020","Attention, again","Lee, K.",,,,,\n'
)


def test_csv_with_bom_and_comma() -> None:
    parsed = parse_csv(b"\xef\xbb\xbf" + GOOD_CSV.encode())
    assert parsed.refused == []
    assert parsed.papers == [
        PaperFields(
            code="wei-ma-2019",
            title="Graphs are fun",
            authors="Jason Wei; Tengyu Ma",
            venue="NeurIPS 2019",
            url="https://e.org/a",
            arxiv="https://arxiv.org/abs/1905.03684",
            topic="graphs",
            capacity=2,
        ),
        PaperFields(code="lee-2020", title="Attention, again", authors="Lee, K."),
    ]


def test_csv_with_semicolons_columns_in_any_order_and_crlf() -> None:
    data = (
        "\ufeffTitle;Code;Capacity\r\n"
        "Über Graphen, Bäume und Wälder;mueller-2021;3\r\n"
        "\r\n"
        ";;\r\n"
        "Zweites Papier;schmidt-22;\r\n"
    ).encode()
    parsed = parse_csv(data)
    assert parsed.refused == []
    assert parsed.papers == [
        PaperFields(code="mueller-2021", title="Über Graphen, Bäume und Wälder", capacity=3),
        PaperFields(code="schmidt-22", title="Zweites Papier", capacity=1),
    ]


def test_csv_with_excel_sep_line() -> None:
    parsed = parse_csv(b"sep=;\ncode;title\nab;A, B and C\n")
    assert parsed.papers == [PaperFields(code="ab", title="A, B and C")]


def test_csv_bad_rows_are_refused_with_lines_and_good_rows_kept() -> None:
    data = (
        b"code,title,url,capacity\n"  # 1
        b"good-1,First good,https://e.org,\n"  # 2
        b"Bad Code!,Title,,\n"  # 3
        b"no-title,,,\n"  # 4
        b"\n"  # 5
        b"cap,Capacity words,,two\n"  # 6
        b"good-1,Again,,\n"  # 7
        b'multi,"A title\n'  # 8
        b'over two lines",ftp://nope,\n'  # 9
        b"good-2,Second good,,10\n"  # 10
        b"big,Too many,,11\n"  # 11
        b"extra,Cells,,1,surprise\n"  # 12
    )
    parsed = parse_csv(data)
    assert [paper.code for paper in parsed.papers] == ["good-1", "good-2"]
    assert parsed.papers[1].capacity == 10
    assert [(row.line, row.code) for row in parsed.refused] == [
        (3, "bad code!"),
        (4, "no-title"),
        (6, "cap"),
        (7, "good-1"),
        (8, "multi"),
        (11, "big"),
        (12, "extra"),
    ]
    reasons = {row.line: row.reason for row in parsed.refused}
    assert "`bad code!` is not valid" in reasons[3]
    assert reasons[4] == "The title is missing."
    assert "whole number from 1 to 10, not `two`" in reasons[6]
    assert reasons[7] == "duplicate code in file, first on line 2"
    assert "`ftp://nope` is not a web link" in reasons[8]
    assert "11 is out of range" in reasons[11]
    assert "5 cells but the header has 4 columns" in reasons[12]


def test_csv_duplicate_codes_compare_normalised() -> None:
    parsed = parse_csv(b"code,title\nAB,One\n ab ,Two\n")
    assert [paper.title for paper in parsed.papers] == ["One"]
    assert parsed.refused == [
        RefusedRow(3, "ab", "duplicate code in file, first on line 2"),
    ]


def test_csv_header_only_gives_no_papers() -> None:
    assert parse_csv(b"code,title\n") == ParsedCatalogue([], [])
    assert parse_csv(b"code,title,authors,,\r\n\r\n,,,,\r\n") == ParsedCatalogue([], [])


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"code,authors\nab,x\n", "no `title` column"),
        (b"title\nx\n", "no `code` column"),
        (b"code,title,title\n", "names the column `title` twice"),
        (b"", "The CSV file is empty"),
        (b"\n \n", "The CSV file is empty"),
        (b"code,title\xff\nab,t\n", "not UTF-8"),
        ("code,title\nab,Gr\u00f6\u00dfe\n".encode("latin-1"), "not UTF-8"),
        ("code,title\n".encode("utf-16"), "UTF-16, not UTF-8"),
        (b'code,title\nab,"never closed\n', "quoted cell in the row starting on line 2"),
        (b'code,title\nab,"x"y\n', "malformed in the row starting on line 2"),
        (b"sep=|\ncode|title\n", "use a comma or a semicolon"),
    ],
)
def test_csv_file_level_refusals(data: bytes, expected: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_csv(data)
    assert expected in str(caught.value)


def test_csv_unknown_columns_are_ignored_and_listed() -> None:
    parsed = parse_csv(
        b"code,title,Notes,,`evil`,notes,capacity\nab,One,remember to ask,x,y,z,2\ncd,Two,,,,,\n"
    )
    assert parsed.refused == []
    assert parsed.papers == [
        PaperFields(code="ab", title="One", capacity=2),
        PaperFields(code="cd", title="Two"),
    ]
    assert parsed.ignored_columns == ["Notes", "column 4 (no name)", "'evil'", "notes"]


def test_csv_unknown_column_name_is_clipped() -> None:
    parsed = parse_csv(b"code,title," + b"z" * 500 + b"\nab,T,x\n")
    [name] = parsed.ignored_columns
    assert len(name) <= 60 and name.endswith("…")
    assert parsed.papers == [PaperFields(code="ab", title="T")]


def test_csv_row_limit() -> None:
    rows = "".join(f"p{i},Title {i}\n" for i in range(MAX_ROWS))
    assert len(parse_csv(f"code,title\n{rows}".encode()).papers) == MAX_ROWS
    with pytest.raises(InvalidInput, match=f"more than {MAX_ROWS} rows"):
        parse_csv(f"code,title\n{rows}extra,One too many\n".encode())


def test_csv_keeps_mentions_and_sql() -> None:
    title = SNEAKY_TITLE.replace('"', '""')
    parsed = parse_csv(f'code,title,topic\nab,"{title}",<@&123>\n'.encode())
    assert parsed.papers == [PaperFields(code="ab", title=SNEAKY_TITLE, topic="<@&123>")]


# --------------------------------------------------------------------------- BibTeX

GOOD_BIB = r"""% A comment line with an email: someone@example.org
@string{neurips = "Advances in Neural Information Processing Systems"}
@comment{jabref-meta: databaseType:bibtex; {nested} }
@preamble{ "\newcommand{\noop}[1]{}" }

@inproceedings{Wei-Ma-2019,
  title     = {{BERT}-like {M}odels with {Nested {Braces}} --- and more},
  author    = {Wei, Jason and Ma, Tengyu and {Research and Development Team}},
  booktitle = neurips,
  year      = 2019,
  eprint    = {1905.03684v2},
  archivePrefix = {arXiv},
  keywords  = {graph learning, transformers},
  capacity  = {2},
}

@Article{cr-2020,
  title   = "Quoted title with {\"O}sterreich and Cr{\u{a}}ciun",
  author  = "Cr{\u{a}}ciun, Ion and Fran{\c{c}}ois M{\"u}ller and Jos\'e~Garc\'{\i}a",
  journal = {Journal of Things},
  pages   = {1--10},
  url     = {https://arxiv.org/abs/2001.00001},
  topic   = {Theory},
}

@misc{from-doi-21,
  title = {From a DOI},
  doi   = {10.48550/arXiv.2101.00002},
}
"""


def test_bibtex_reads_entries() -> None:
    parsed = parse_bibtex(GOOD_BIB.encode())
    assert parsed.refused == []
    assert parsed.papers == [
        PaperFields(
            code="wei-ma-2019",
            title="BERT-like Models with Nested Braces — and more",
            authors="Jason Wei; Tengyu Ma; Research and Development Team",
            venue="Advances in Neural Information Processing Systems 2019",
            url="",
            arxiv="https://arxiv.org/abs/1905.03684v2",
            topic="graph learning",
            capacity=2,
        ),
        PaperFields(
            code="cr-2020",
            title="Quoted title with Österreich and Crăciun",
            authors="Ion Crăciun; François Müller; José García",
            venue="Journal of Things",
            url="https://arxiv.org/abs/2001.00001",
            arxiv="https://arxiv.org/abs/2001.00001",
            topic="Theory",
        ),
        PaperFields(
            code="from-doi-21",
            title="From a DOI",
            url="https://doi.org/10.48550/arXiv.2101.00002",
            arxiv="https://arxiv.org/abs/2101.00002",
        ),
    ]


@pytest.mark.parametrize(
    ("latex", "text"),
    [
        (r"{\"o}", "ö"),
        (r"\'e", "é"),
        (r"{\c{c}}", "ç"),
        (r"\c c", "ç"),
        (r"\u{a}", "ă"),
        (r"Cr{\u{a}}ciun", "Crăciun"),
        (r"\v{S}koda", "Škoda"),
        (r"Erd\H{o}s", "Erdős"),
        (r"Ant{\'\i}a", "Antía"),
        (r"Stra\ss e and {\ss}", "Straße and ß"),
        (r"Bj{\o}rn \L ukasz", "Bjørn Łukasz"),
        (r"pages 1--10, a---b", "pages 1–10, a—b"),
        (r"A~B", "A B"),
        (r"\emph{Deep} \textbf{nets}", "Deep nets"),
        (r"50\% of R\&D \_ \$", "50% of R&D _ $"),
        (r"$k$-means", "k-means"),
        (r"``quoted''", "“quoted”"),
        # what Zotero and Better BibTeX write for characters LaTeX treats specially
        (r"{\textless}b{\textgreater} {\textbar} a{\textunderscore}b", "<b> | a_b"),
        (r"x\textsuperscript{2}, H\textsubscript{2}O", "x², H₂O"),
        (r"\mkbibquote{Attention} \enquote{is} \mkbibemph{all}", "“Attention” “is” all"),
        (r"{\noopsort{a}}Zeta \S 3", "Zeta §3"),
    ],
)
def test_bibtex_latex_accents(latex: str, text: str) -> None:
    data = f"@misc{{ab, title = {{{latex}}}}}".encode()
    assert parse_bibtex(data).papers[0].title == text


def test_bibtex_malformed_entry_does_not_stop_the_rest() -> None:
    data = (
        "@article{first-ok, title = {One}}\n"  # 1
        "@article{broken, title = {Unbalanced {brace},\n"  # 2
        "  year = 2019\n"  # 3
        "}\n"  # 4
        "@article{second-ok, title = {Two}}\n"  # 5
        "@article{, title = {No key}}\n"  # 6
        "@article{not-closed, title = {Three},\n"  # 7
        "@article{third-ok,\n"  # 8
        "  title = {Four}}\n"  # 9
        "@article{Bad Key, title = {x}}\n"  # 10
        "@article{no-title, year = 2020}\n"  # 11
        '@article{bad-quote, title = "never closed}\n'  # 12
        "@article{first-ok, title = {Dup}}\n"  # 13
        "@book{cap, title = {x}, capacity = {lots}}\n"  # 14
        "@article{bad-arxiv, title = {x}, eprint = {12345}, archiveprefix = {arXiv}}\n"  # 15
        "@ article\n"  # 16
        "@article{missing-eq, title {x}}\n"  # 17
        "@misc{last-ok, title = {Five}}\n"  # 18
        "% @misc{commented-out, title = {Six}}\n"  # 19
        "@misc{FIRST-OK, title = {Seven}}\n"  # 20
    )
    parsed = parse_bibtex(data.encode())
    assert [paper.code for paper in parsed.papers] == [
        "first-ok",
        "second-ok",
        "third-ok",
        "bad-key",  # derived from the key `Bad Key`
        "last-ok",
    ]
    refused = {row.line: row for row in parsed.refused}
    assert sorted(refused) == [2, 6, 7, 11, 12, 13, 14, 15, 16, 17, 20]
    assert refused[2].code == "broken"
    assert "malformed entry (reading stopped on line 5)" in refused[2].reason
    assert "braces and quotes balanced" in refused[2].reason
    assert refused[6].code == ""
    assert "no key" in refused[6].reason
    assert refused[7].code == "not-closed"
    assert "reading stopped on line 8" in refused[7].reason
    assert refused[11].reason == "The title is missing."
    assert 'closing `"`' in refused[12].reason
    assert refused[13].reason == "duplicate code in file, first on line 1"
    assert "not `lots`" in refused[14].reason
    assert "`12345` is not an arXiv reference" in refused[15].reason
    assert "does not start a valid entry" in refused[16].reason
    assert "Expected a `=`" in refused[17].reason
    assert refused[20].reason == "duplicate code in file, first on line 1"
    assert [(code.line, code.key, code.code) for code in parsed.derived] == [
        (10, "Bad Key", "bad-key")
    ]


def test_bibtex_unbalanced_brace_names_the_lines() -> None:
    data = b"@misc{a-1,\n  note = {x},\n  title = {Open {brace}\n@misc{b-2, title = {B}}\n"
    parsed = parse_bibtex(data)
    assert [paper.code for paper in parsed.papers] == ["b-2"]
    [row] = parsed.refused
    assert (row.line, row.code) == (1, "a-1")
    assert row.reason.startswith("malformed entry (reading stopped on line 4): ")


@pytest.mark.parametrize(
    ("key", "code"),
    [
        ("DBLP:conf/nips/WeiM19", "weim19"),
        ("DBLP:journals/corr/abs-1905-03684", "abs-1905-03684"),
        ("10.1145/3446776", "doe-2021"),  # a DOI says nothing: first author and year
        ("belkinReconcilingModernMachinelearning2019", "belkin-reconciling-modern-2019"),
        ("Müller:2019:Graphs", "muller-2019-graphs"),
        ("arXiv:1905.03684", "arxiv-1905.03684"),
        ("x", "doe-2021"),
        ("Wei Ma 2019", "wei-ma-2019"),
        ("_hidden", "hidden"),
        ("A" * 60, "a" * 40),
        (
            "AVeryLongKeyWithoutAnyYearAtAllInItWhatsoeverReally",
            "a-very-long-key-without-any-year-at-all",
        ),
    ],
)
def test_bibtex_any_key_gives_a_valid_code(key: str, code: str) -> None:
    data = f"@article{{{key}, title = {{T}}, author = {{Doe, Jane}}, year = 2021}}".encode()
    parsed = parse_bibtex(data)
    assert parsed.refused == []
    assert [paper.code for paper in parsed.papers] == [code]
    assert validate_paper(parsed.papers[0]) == parsed.papers[0]
    assert [(derived.key, derived.code) for derived in parsed.derived] == [
        (key[:59] + ("…" if len(key) > 60 else key[59:]), code)
    ]


def test_bibtex_derived_codes_are_unique_in_the_file() -> None:
    data = (
        b"@article{weim19, title = {Given}}\n"
        b"@article{DBLP:conf/nips/WeiM19, title = {Derived one}}\n"
        b"@article{DBLP:journals/corr/WeiM19, title = {Derived two}}\n"
    )
    parsed = parse_bibtex(data)
    assert [(paper.code, paper.title) for paper in parsed.papers] == [
        ("weim19", "Given"),
        ("weim19-2", "Derived one"),
        ("weim19-3", "Derived two"),
    ]
    assert [(code.line, code.stem, code.code) for code in parsed.derived] == [
        (2, "weim19", "weim19-2"),
        (3, "weim19", "weim19-3"),
    ]


def test_settle_codes_never_takes_over_a_different_existing_paper() -> None:
    data = (
        b"@article{DBLP:conf/nips/WeiM19, title = {Data-dependent Sample Complexity},"
        b" eprint = {1905.03684}, archiveprefix = {arXiv}}\n"
        b"@article{DBLP:conf/x/LeeK20, title = {Something else}}\n"
    )
    parsed = parse_bibtex(data)
    existing = {
        # the same paper from an earlier import (matched by its arXiv ID) ...
        "weim19": PaperFields("weim19", "Old title", arxiv="https://arxiv.org/abs/1905.03684v2"),
        # ... and a different paper someone added by hand
        "leek20": PaperFields("leek20", "A hand-made entry"),
    }
    settled = settle_codes(parsed, existing)
    assert [paper.code for paper in settled.papers] == ["weim19", "leek20-2"]
    assert [code.code for code in settled.derived] == ["weim19", "leek20-2"]
    assert settle_codes(parsed, {}) == parsed


def test_bibtex_crossref_volume_is_not_a_paper() -> None:
    data = b"""
@inproceedings{DBLP:conf/iclr/ZhangBHRV17,
  author    = {Chiyuan Zhang and Samy Bengio},
  title     = {Understanding deep learning requires rethinking generalization},
  crossref  = {DBLP:conf/iclr/2017},
}
@proceedings{DBLP:conf/iclr/2017,
  title     = {5th International Conference on Learning Representations, {ICLR} 2017},
  year      = {2017},
}
"""
    parsed = parse_bibtex(data)
    assert parsed.refused == []
    [paper] = parsed.papers
    assert paper.code == "zhangbhrv17"
    assert paper.venue == "5th International Conference on Learning Representations, ICLR 2017"


@pytest.mark.parametrize(
    ("title", "text"),
    [
        (r"$\frac{1}{2}$-approximation", "½-approximation"),
        (r"$\mathcal{O}(1/\sqrt{n})$ rates", "O(1/√n) rates"),
        (r"Sharp $\ell_2$ bounds", "Sharp ℓ₂ bounds"),
        (r"Bias\textendash Variance", "Bias–Variance"),
        (r"$\frac{a+b}{c}$ and $\frac{a}{b}c$", "(a+b)/c and (a/b)c"),
        (r"$x^{n+1}$, $\mathbb{R}^d$, $\ell_\infty$", "xⁿ⁺¹, ℝᵈ, ℓ_∞"),
        (r"$\tilde{O}(\sqrt{T})$ regret", "Õ(√T) regret"),
        (r"$\log n$ and $f: X \to Y$", "log n and f: X → Y"),
        # what cannot be shown faithfully keeps its source
        (r"$W^{1,2}$ spaces", "$W^{1,2}$ spaces"),
        (r"$\sqrt[5]{x}$ and $\foo{x}$", r"$\sqrt[5]{x}$ and $\foo{x}$"),
        (r"$\hat{xy}$", r"$\hat{xy}$"),
        (r"$$x$$", "$$x$$"),
        (r"$x_1^2$ but $x_1_2$", r"x₁² but $x_1_2$"),  # a double subscript is an error
        ("{" * 3000 + "deep" + "}" * 3000, "deep"),
        (r"costs $5 and $10", "costs $5 and $10"),
        (r"50% of R&D", "50% of R&D"),
    ],
)
def test_bibtex_maths_is_readable_and_never_changes_meaning(title: str, text: str) -> None:
    data = f"@misc{{ab, title = {{{title}}}}}".encode()
    assert parse_bibtex(data).papers[0].title == text


def test_bibtex_arxiv_sources() -> None:
    data = rb"""
@misc{by-eprint-only, title = {a}, eprint = {arXiv:1905.03684}}
@misc{by-eprinttype, title = {b}, eprint = {math/0601001}, eprinttype = {arxiv}}
@misc{other-archive, title = {c}, eprint = {hal-0123}, archivePrefix = {HAL}}
@misc{by-url, title = {d}, url = {http://arxiv.org/pdf/1905.03684v1.pdf}}
@misc{by-doi, title = {e}, doi = {https://doi.org/10.48550/arXiv.1905.03684}}
@article{by-journal, title = {f}, journal = {arXiv preprint arXiv:1905.03684}, year = {2019}}
@misc{not-arxiv, title = {g}, url = {https://example.org/x\_y}, doi = {10.1145/123.456}}
@misc{by-howpublished, title = {h}, howpublished = {\url{https://arxiv.org/abs/1905.03684}}}
@article{by-corr, title = {i}, journal = {CoRR}, volume = {abs/1905.03684}}
@article{by-s2, title = {j}, journal = {ArXiv}, volume = {abs/1905.03684}}
@misc{by-note, title = {k}, note = {arXiv: 1905.03684 [cs.LG]}}
"""
    papers = {paper.code: paper for paper in parse_bibtex(data).papers}
    assert {code: paper.arxiv for code, paper in papers.items()} == {
        "by-eprint-only": "https://arxiv.org/abs/1905.03684",
        "by-eprinttype": "https://arxiv.org/abs/math/0601001",
        "other-archive": "",
        "by-url": "https://arxiv.org/abs/1905.03684v1",
        "by-doi": "https://arxiv.org/abs/1905.03684",
        "by-journal": "https://arxiv.org/abs/1905.03684",
        "not-arxiv": "",
        "by-howpublished": "https://arxiv.org/abs/1905.03684",
        "by-corr": "https://arxiv.org/abs/1905.03684",
        "by-s2": "https://arxiv.org/abs/1905.03684",
        "by-note": "https://arxiv.org/abs/1905.03684",
    }
    assert papers["by-howpublished"].url == "https://arxiv.org/abs/1905.03684"
    assert papers["by-journal"].venue == "arXiv preprint arXiv:1905.03684 2019"
    assert papers["not-arxiv"].url == "https://example.org/x_y"
    assert papers["by-doi"].url == "https://doi.org/10.48550/arXiv.1905.03684"


def test_bibtex_values_concatenation_parentheses_and_comments() -> None:
    data = b"""
@STRING(conf = {Conference on})
@inproceedings(paren-entry,
  % a comment between fields
  title = "Part one, " # {part two},
  booktitle = conf # " Things 2021",
  year = {2021},
  month = jan,
  author = {Doe, Jane and van der Berg, Jr, Piet and others}
)
"""
    parsed = parse_bibtex(data)
    assert parsed.refused == []
    assert parsed.papers == [
        PaperFields(
            code="paren-entry",
            title="Part one, part two",
            authors="Jane Doe; Piet van der Berg Jr; et al.",
            venue="Conference on Things 2021",
        )
    ]


def test_bibtex_keeps_mentions_and_sql() -> None:
    title = SNEAKY_TITLE.replace("%", r"\%").replace("_", r"\_")
    data = f"@misc{{ab,\n  title = {{{title}}},\n  keywords = {{<@&123>, x}}\n}}\n".encode()
    paper = parse_bibtex(data).papers[0]
    # BibTeX turns `--` into an en dash; everything else survives.
    assert paper.title == SNEAKY_TITLE.replace("--", "–")
    assert paper.topic == "<@&123>"


def test_bibtex_huge_field_is_refused_early() -> None:
    data = b"@misc{ab, title = {T}, author = {" + b"A and " * 5000 + b"}}"
    [row] = parse_bibtex(data).refused
    assert row.reason == "The field `author` is 30000 characters long, far over the limit."


def test_bibtex_empty_and_not_utf8() -> None:
    assert parse_bibtex(b"") == ParsedCatalogue([], [])
    assert parse_bibtex(b"% only a comment\n") == ParsedCatalogue([], [])
    with pytest.raises(InvalidInput, match="not UTF-8"):
        parse_bibtex("@misc{ab, title = {Gr\u00f6\u00dfe}}".encode("latin-1"))


def test_bibtex_entry_limit() -> None:
    entries = "".join(f"@misc{{p{i}, title = {{T}}}}\n" for i in range(MAX_ROWS + 1))
    with pytest.raises(InvalidInput, match=f"more than {MAX_ROWS} entries"):
        parse_bibtex(entries.encode())
    with pytest.raises(InvalidInput, match=f"more than {MAX_ROWS} entries or @string"):
        parse_bibtex(b"\n@comment{x}" * (3 * MAX_ROWS + 1))
    assert parse_bibtex(b"\n@comment{" * MAX_ROWS) == ParsedCatalogue([], [])


# --------------------------------------------------------------------------- dispatch


def test_parse_catalogue_by_extension_and_content() -> None:
    csv_data = b"code,title\nab,T\n"
    bib_data = b"@misc{ab, title = {T}}\n"
    expected = ParsedCatalogue([PaperFields(code="ab", title="T")], [])
    assert parse_catalogue("papers.csv", csv_data) == expected
    assert parse_catalogue("PAPERS.BIB", bib_data) == expected
    assert parse_catalogue("refs.bibtex", bib_data) == expected
    assert parse_catalogue("export.txt", bib_data) == expected
    assert parse_catalogue("export", csv_data) == expected
    assert parse_catalogue("export.tsv", b"code\ttitle\nab\tT\n") == expected
    assert parse_catalogue("papers.dat", b"\xef\xbb\xbf" + csv_data) == expected


@pytest.mark.parametrize(
    ("filename", "data", "expected"),
    [
        ("papers.xlsx", b"PK\x03\x04", "is a spreadsheet"),
        ("paper.pdf", b"%PDF-1.7\n\xe2\xe3\xcf\xd3", "not a UTF-8 text file"),
        ("notes.txt", b"just some words\n", "cannot tell what kind of file `notes.txt`"),
        ("C:\\Users\\me\\`x`.md", b"hello", "`'x'.md`"),
        ("papers.csv", b"\xff\xfe", "not UTF-8"),
        ("papers", b"a" * (MAX_FILE_BYTES + 1), "the limit is 8 MB"),
        ("papers.bib", b"a" * (MAX_FILE_BYTES + 1), "the limit is 8 MB"),
    ],
)
def test_parse_catalogue_refuses(filename: str, data: bytes, expected: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_catalogue(filename, data)
    assert expected in str(caught.value)


# --------------------------------------------------------------------------- properties

_FUZZ = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
_CSV_ALPHABET = st.sampled_from(
    [*"abc01 ,;\"'\n\r\t\x00`@é", "code", "title", "capacity", "url", "https://", "\ufeff"]
)
_BIB_ALPHABET = st.sampled_from(
    [
        *"ab01 {}()\"#%=,@\\\n~-'`",
        "@article{",
        "@string{",
        "@comment{",
        "title",
        "author",
        "eprint",
        " and ",
        '\\"',
        "\\u",
        "\\c",
        "{\\'e}",
        "archivePrefix = {arXiv}",
    ]
)


def _check(parsed: ParsedCatalogue) -> None:
    for paper in parsed.papers:
        assert validate_paper(paper) == paper
    codes = [paper.code for paper in parsed.papers]
    assert len(codes) == len(set(codes))
    for row in parsed.refused:
        assert row.line >= 1
        assert len(row.code) <= 60
        assert "`" not in row.code


@_FUZZ
@given(st.one_of(st.binary(max_size=300), st.lists(_CSV_ALPHABET, max_size=60).map("".join)))
def test_parse_csv_only_raises_invalid_input(data: bytes | str) -> None:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    for blob in (raw, b"code,title,url,capacity\n" + raw):
        try:
            parsed = parse_csv(blob)
        except InvalidInput:
            continue
        _check(parsed)


@_FUZZ
@given(st.one_of(st.binary(max_size=300), st.lists(_BIB_ALPHABET, max_size=60).map("".join)))
def test_parse_bibtex_only_raises_invalid_input(data: bytes | str) -> None:
    raw = data.encode("utf-8", "surrogatepass") if isinstance(data, str) else data
    for blob in (raw, b"@misc{ok, title = {" + raw):
        try:
            parsed = parse_bibtex(blob)
        except InvalidInput:
            continue
        _check(parsed)


@_FUZZ
@given(st.text(max_size=80), st.text(max_size=300))
def test_valid_papers_keep_text_as_typed(code: str, title: str) -> None:
    try:
        paper = validate_paper(PaperFields(code=code, title=title))
    except InvalidInput as exc:
        assert str(exc).count("`") % 2 == 0  # echoed input cannot break out of code spans
        return
    assert validate_paper(paper) == paper
    assert " ".join(title.split()) == paper.title or any(
        ord(ch) < 32 or 127 <= ord(ch) < 160 or 0xD800 <= ord(ch) < 0xE000 for ch in title
    )
