"""LaTeX as found in BibTeX fields, turned into readable Unicode text.

Text mode is pylatexenc's `LatexNodes2Text` (accents, dashes, quotes, `\\&`, …).
Inline maths gets its own small renderer, because a title must never change
meaning: `$\\frac{1}{2}$` → `½`, `$\\mathcal{O}(1/\\sqrt{n})$` → `O(1/√n)`,
`$\\ell_2$` → `ℓ₂`, `$\\frac{a+b}{c}$` → `(a+b)/c`. Whatever it cannot render
faithfully (an unknown macro, `W^{1,2}`, an environment…) keeps its `$…$`
source as typed, which every reader of a seminar's paper list can still read.

Pure functions, no I/O. Never raises: text that pylatexenc cannot parse comes
back with its braces removed.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import cache
from typing import Any, TypeAlias

from pylatexenc.latex2text import (
    LatexNodes2Text,
    MacroTextSpec,
    fmt_math_text_style,
    get_default_latex_context_db,
)
from pylatexenc.latexwalker import (
    LatexCharsNode,
    LatexGroupNode,
    LatexMacroNode,
    LatexMathNode,
    LatexWalker,
)
from pylatexenc.latexwalker import get_default_latex_context_db as walker_context_db
from pylatexenc.macrospec import MacroSpec

__all__ = ["latex_to_text"]

_SUPERSCRIPTS = dict(
    zip(
        "0123456789+-=()niabcdefghjklmoprstuvwxyzABDEGHIJKLMNOPRTUVW",
        "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ⁿⁱᵃᵇᶜᵈᵉᶠᵍʰʲᵏˡᵐᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
        strict=True,
    )
)
_SUPERSCRIPTS.update({"−": "⁻", "⊤": "ᵀ", "′": "′", "∗": "*", "*": "*"})
_SUBSCRIPTS = dict(
    zip(
        "0123456789+-=()aehijklmnoprstuvxβγρφχ",
        "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓᵦᵧᵨᵩᵪ",
        strict=True,
    )
)
_SUBSCRIPTS["−"] = "₋"
_FRACTIONS = {
    ("1", "2"): "½", ("1", "3"): "⅓", ("2", "3"): "⅔", ("1", "4"): "¼", ("3", "4"): "¾",
    ("1", "5"): "⅕", ("2", "5"): "⅖", ("3", "5"): "⅗", ("4", "5"): "⅘", ("1", "6"): "⅙",
    ("5", "6"): "⅚", ("1", "7"): "⅐", ("1", "8"): "⅛", ("3", "8"): "⅜", ("5", "8"): "⅝",
    ("7", "8"): "⅞", ("1", "9"): "⅑", ("1", "10"): "⅒",
}  # fmt: skip
_ACCENTS = {
    "hat": "\u0302", "widehat": "\u0302", "tilde": "\u0303", "widetilde": "\u0303",
    "bar": "\u0304", "overline": "\u0305", "dot": "\u0307", "ddot": "\u0308",
    "vec": "\u20d7", "check": "\u030c", "breve": "\u0306", "acute": "\u0301",
    "grave": "\u0300",
}  # fmt: skip
# Styles whose letters mean something (ℝ, ℋ, 𝐱) keep it with Unicode's maths letters;
# the rest only change the font, so their argument is plain text.
_STYLES = {
    "mathbb": "doublestruck", "mathbbm": "doublestruck", "mathcal": "script",
    "mathscr": "script", "mathfrak": "fraktur", "mathbf": "bold", "boldsymbol": "bold",
    "bm": "bold",
}  # fmt: skip
_PLAIN = {
    "mathrm", "mathit", "mathsf", "mathtt", "mathnormal", "text", "textrm", "textit",
    "textsf", "texttt", "textbf", "textnormal", "mbox", "operatorname", "emph",
}  # fmt: skip
_SPACES = {",": " ", ";": " ", ":": " ", " ": " ", "!": "", "quad": " ", "qquad": " "}
_INVISIBLE = {
    "left", "right", "big", "Big", "bigg", "Bigg", "bigl", "bigr", "Bigl", "Bigr",
    "biggl", "biggr", "Biggl", "Biggr", "displaystyle", "textstyle", "scriptstyle",
    "limits", "nolimits",
}  # fmt: skip
_ESCAPED = {"{": "{", "}": "}", "|": "‖", "%": "%", "&": "&", "_": "_", "#": "#", "$": "$"}
_ROOTS = {"2": "√", "3": "∛", "4": "∜"}
# In maths a plain character stands for itself, apart from these.
_MATH_CHARS = {"'": "′", "~": " ", "*": "*"}
_MATH_REFUSED = set("&#\\%^_$")
_LOOSE = set(" ([{,;:=+-−<>≤≥≠±|→←↔∈∉⊂⊆⊃⊇≈∼")
_LATEX_MARKS = re.compile(r"[\\{}$~%&#^_`]|--|''")
_RAW_PERCENT = re.compile(r"(?<!\\)%")
_WORDS = re.compile(r"(?<![A-Za-z])[A-Za-z]{2,}\s")
_ESCAPED_MATH = re.compile(r"\$([^$\n]{1,200})\$")


# Text macros that Zotero, Better BibTeX and BibLaTeX write and pylatexenc would
# drop (an unknown macro vanishes there): `{\textless}` is a `<`, not nothing.
_TEXT_SYMBOLS = {
    "textless": "<", "textgreater": ">", "textbar": "|", "textunderscore": "_",
    "textasciicircum": "^", "textbraceleft": "{", "textbraceright": "}",
    "textdollar": "$", "textquotedbl": '"', "textasciigrave": "`", "S": "§",
    "textsection": "§", "textbackslash": "\\",
}  # fmt: skip
_TEXT_WRAPPERS = {
    "mkbibquote": "“%s”", "enquote": "“%s”", "mkbibemph": "%s", "mkbibitalic": "%s",
    "mkbibbold": "%s", "url": "%s", "noopsort": "", "nocase": "%s",
}  # fmt: skip


def _text_script(node: Any, l2tobj: Any, macroname: str) -> str:
    """`x\textsuperscript{2}` is x², never x2."""
    args = _args(node)
    text = str(l2tobj.nodelist_to_text(args[-1:])).strip() if args else ""
    kind = "^" if macroname == "textsuperscript" else "_"
    table = _SUPERSCRIPTS if kind == "^" else _SUBSCRIPTS
    if text and all(ch in table for ch in text):
        return "".join(table[ch] for ch in text)
    return f"{kind}({text})" if text else ""


@cache
def _context() -> Any:
    """pylatexenc's table of macros for text, built once on first use (it takes ms)."""
    db = get_default_latex_context_db()
    db.add_context_category(
        "seminar-bot",
        prepend=True,
        macros=[
            *(MacroTextSpec(name, text) for name, text in _TEXT_SYMBOLS.items()),
            *(MacroTextSpec(name, text) for name, text in _TEXT_WRAPPERS.items()),
            MacroTextSpec("textsuperscript", _text_script),
            MacroTextSpec("textsubscript", _text_script),
        ],
    )
    return db


@cache
def _walker_context() -> Any:
    """pylatexenc's table of macros' arguments, built once on first use."""
    db = walker_context_db()
    db.add_context_category(
        "seminar-bot",
        prepend=True,
        macros=[
            *(MacroSpec(name, "{") for name in _TEXT_WRAPPERS),
            MacroSpec("textsuperscript", "{"),
            MacroSpec("textsubscript", "{"),
        ],
    )
    return db


@cache
def _renderer() -> _TextRenderer:
    return _TextRenderer()


def _walk(source: str, *, tolerant: bool) -> list[object]:
    walker = LatexWalker(source, latex_context=_walker_context(), tolerant_parsing=tolerant)
    return list(walker.get_latex_nodes()[0])


class _Unrenderable(Exception):
    """This piece of maths cannot be shown faithfully as plain text."""


def latex_to_text(value: str) -> str:
    """BibTeX field text as Unicode; whitespace is left for the caller to collapse."""
    if not _LATEX_MARKS.search(value):
        return unicodedata.normalize("NFC", value)  # most fields: nothing to convert
    # In a BibTeX field a bare `%` is a per cent sign, not the start of a comment.
    source = _RAW_PERCENT.sub(r"\\%", value)
    try:
        text = str(_renderer().nodelist_to_text(_walk(source, tolerant=True)))
    except Exception:  # pylatexenc's tolerant mode still fails on some broken input
        if "$" in value:
            return value  # maths as typed: unconverted, but its meaning intact
        return value.replace("{", "").replace("}", "")
    # Zotero and others escape `$` in titles that hold TeX maths: render those too.
    text = _ESCAPED_MATH.sub(_escaped_math, text)
    return unicodedata.normalize("NFC", text)


def _escaped_math(match: re.Match[str]) -> str:
    inner = match.group(1)
    if not any(mark in inner for mark in "\\^_"):
        return match.group()  # "$5 and $10": money, not maths
    try:
        return _render_math(_walk(inner, tolerant=False), top=True)
    except Exception:
        return match.group()


class _TextRenderer(LatexNodes2Text):  # type: ignore[misc]  # pylatexenc has no types
    def __init__(self) -> None:
        super().__init__(_context(), math_mode="verbatim")

    def specials_node_to_text(self, node: object) -> str:
        chars = str(node.specials_chars)  # type: ignore[attr-defined]
        if chars == "&":  # an alignment tab in LaTeX, an ampersand in a title
            return "&"
        return str(super().specials_node_to_text(node))

    def math_node_to_text(self, node: object) -> str:
        verbatim = str(node.latex_verbatim())  # type: ignore[attr-defined]
        if not isinstance(node, LatexMathNode) or node.displaytype != "inline":
            return verbatim
        try:
            return _render_math(node.nodelist, top=True)
        except _Unrenderable:
            return verbatim
        except Exception:
            return verbatim


# --------------------------------------------------------------------------- maths

# A token is one character of maths text or one group / macro node.
_Token: TypeAlias = Any  # pylatexenc has no types


def _tokens(nodes: Sequence[object]) -> list[_Token]:
    tokens: list[_Token] = []
    for node in nodes:
        if node is None:
            continue
        if isinstance(node, LatexCharsNode):
            tokens.extend(node.chars)
        elif isinstance(node, LatexGroupNode | LatexMacroNode):
            tokens.append(node)
        else:  # comments, environments, nested maths, specials
            raise _Unrenderable
    return tokens


def _is(token: _Token, char: str) -> bool:
    # pylatexenc's nodes cannot be compared with a string.
    return isinstance(token, str) and token == char


def _render_math(nodes: Sequence[object], *, top: bool = False) -> str:
    tokens = _tokens(nodes)
    if top and _WORDS.search("".join(t if isinstance(t, str) else "0" for t in tokens)):
        raise _Unrenderable  # `$5 and $10`: dollars in text, not maths
    out: list[str] = []
    scripted = ""  # the kind of script just written: `x_1_2` is an error in TeX
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if isinstance(token, str) and token in ("^", "_"):
            if scripted == token:
                raise _Unrenderable
            scripted = token
            i += 1
            while i < len(tokens) and _is(tokens[i], " "):
                i += 1
            if i >= len(tokens):
                raise _Unrenderable
            out.append(_script(str(token), _render_token(tokens[i])))
            i += 1
            continue
        if not _is(token, " "):  # spaces do not count in maths
            scripted = ""
        if isinstance(token, LatexMacroNode) and token.macroname == "frac":
            fraction = _fraction(token)
            if not _fits_loose(out, tokens, i) and len(fraction) > 1:
                fraction = f"({fraction})"
            out.append(fraction)
        elif isinstance(token, LatexMacroNode) and token.macroname in ("left", "right"):
            if i + 1 < len(tokens) and _is(tokens[i + 1], "."):
                i += 1  # `\left.` is an invisible delimiter
        else:
            rendered = _render_token(token)
            if (
                isinstance(token, LatexMacroNode)
                and len(rendered) > 1
                and rendered.isalpha()
                and i + 1 < len(tokens)
                and isinstance(tokens[i + 1], str)
                and str(tokens[i + 1]).isalnum()
            ):
                rendered += " "  # `\log n` is "log n", not "logn"
            elif isinstance(token, LatexMacroNode) and not _args(token) and token.macro_post_space:
                rendered += " "  # `X \to Y` keeps its spaces
            out.append(rendered)
        i += 1
    text = re.sub(r"\s+", " ", "".join(out))
    return text.strip() if top else text


def _render_token(token: _Token) -> str:
    if isinstance(token, str):
        if token in _MATH_REFUSED or (unicodedata.category(token)[0] == "C"):
            raise _Unrenderable
        return _MATH_CHARS.get(token, str(token))
    if isinstance(token, LatexGroupNode):
        return _render_math(token.nodelist)
    return _macro(token)


def _args(node: LatexMacroNode) -> list[object]:
    parsed = node.nodeargd
    return [] if parsed is None or not parsed.argnlist else list(parsed.argnlist)


def _arg(node: object) -> str:
    if node is None:
        raise _Unrenderable
    if isinstance(node, LatexGroupNode):
        return _render_math(node.nodelist)
    return _render_math([node])


def _macro(node: LatexMacroNode) -> str:
    name = str(node.macroname)
    args = _args(node)
    if name in _ESCAPED:
        return _ESCAPED[name]
    if name in _SPACES:
        return _SPACES[name]
    if name in _INVISIBLE:
        return ""
    if name in _ACCENTS:
        [base] = args[-1:] or [None]
        letter = _arg(base)
        if len(letter) != 1:
            raise _Unrenderable  # \hat{xy}: no faithful single-character form
        return unicodedata.normalize("NFC", letter + _ACCENTS[name])
    if name in _STYLES:
        content = _arg(args[-1] if args else None)
        if name == "mathcal" and content == "O":
            return "O"  # Landau's O is just an O
        styled = str(fmt_math_text_style(content, _STYLES[name]))
        if styled == content and any(ch.isalpha() for ch in content):
            raise _Unrenderable
        return styled
    if name in _PLAIN:
        return _arg(args[-1] if args else None)
    if name == "sqrt":
        return _root(args)
    if name == "frac":
        return _fraction(node)
    spec = _context().get_macro_spec(name)
    replacement = getattr(spec, "simplify_repl", None)
    if (
        not args
        and isinstance(replacement, str)
        and replacement.strip()
        and "%" not in replacement
        and "<" not in replacement
    ):
        return replacement
    raise _Unrenderable


def _atomic(text: str) -> bool:
    """Reads as one unit next to `/` or `√`: `2`, `12`, `n`, `√n`, `x²`, `ℓ₂`."""
    body = text[1:] if text.startswith("√") else text
    if not body:
        return False
    if re.fullmatch(r"[0-9]+(?:\.[0-9]+)?", body):
        return True
    scripts = set(_SUPERSCRIPTS.values()) | set(_SUBSCRIPTS.values())
    return len(body) >= 1 and not body[0].isspace() and all(ch in scripts for ch in body[1:])


def _grouped(text: str) -> str:
    return text if _atomic(text) else f"({text})"


def _fraction(node: LatexMacroNode) -> str:
    args = _args(node)
    if len(args) != 2:
        raise _Unrenderable
    top, bottom = (_arg(arg).strip() for arg in args)
    if not top or not bottom:
        raise _Unrenderable
    if (top, bottom) in _FRACTIONS:
        return _FRACTIONS[(top, bottom)]
    return f"{_grouped(top)}/{_grouped(bottom)}"


def _root(args: list[object]) -> str:
    if not args:
        raise _Unrenderable
    degree = _arg(args[0]).strip() if len(args) == 2 and args[0] is not None else "2"
    if degree not in _ROOTS:
        raise _Unrenderable
    radicand = _arg(args[-1]).strip()
    if not radicand:
        raise _Unrenderable
    return _ROOTS[degree] + _grouped(radicand)


def _script(kind: str, text: str) -> str:
    table = _SUPERSCRIPTS if kind == "^" else _SUBSCRIPTS
    text = text.strip()
    if text and all(ch in table for ch in text):
        return "".join(table[ch] for ch in text)
    if len(text) == 1 and not text.isspace():
        return kind + text  # ℓ_∞: one symbol after `_` cannot be misread
    raise _Unrenderable


def _fits_loose(out: list[str], tokens: list[_Token], i: int) -> bool:
    """A fraction needs no brackets when nothing binds to it on either side."""
    before = "".join(out).rstrip()
    if before and before[-1] in "/^_":
        return False
    j = i + 1
    while j < len(tokens) and _is(tokens[j], " "):
        j += 1
    if j >= len(tokens):
        return True
    following = tokens[j]
    return isinstance(following, str) and (following in _LOOSE or following in ")]}")
