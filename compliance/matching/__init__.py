"""The sensitive-word matcher: pure Python, no Django (docs/compliance.md, "Normalisation").

`folding` folds the whole of Unicode one character to one character for the matcher and drops
separators; `Lexicon` matches every term (and its number, phrase, repeated and pinyin forms) at
once with Aho-Corasick automata, runs the built-in `detectors`, and reports spans in the ORIGINAL
text. `normalise` is the search index's own (older, stable) table.
"""

from compliance.matching.detectors import KINDS as DETECTOR_KINDS
from compliance.matching.detectors import Detectors, Rule
from compliance.matching.folding import match_compact, match_fold
from compliance.matching.lexicon import Hit, Lexicon, TermSpec
from compliance.matching.normalise import compact, compact_with_map, fold

__all__ = [
    "DETECTOR_KINDS",
    "Detectors",
    "Hit",
    "Lexicon",
    "Rule",
    "TermSpec",
    "compact",
    "compact_with_map",
    "fold",
    "match_compact",
    "match_fold",
]
