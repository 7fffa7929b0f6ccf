"""How a file is recognised as BibTeX, without loading the BibTeX parser."""

from __future__ import annotations

import re

# An entry start such as `@article{`, at the beginning of a line.
BIB_SNIFF = re.compile(r"^[ \t]*@[ \t]*[A-Za-z]+[ \t]*[{(]", re.MULTILINE)
