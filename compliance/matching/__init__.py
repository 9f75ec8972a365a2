"""The sensitive-word matcher: pure Python, no Django (docs/compliance.md, "Normalisation").

`normalise` folds width, case, Traditional→Simplified and circled digits one character to one
character, then drops separators; `Lexicon` matches every term at once with an Aho-Corasick
automaton and reports spans in the ORIGINAL text.
"""

from compliance.matching.lexicon import Hit, Lexicon, TermSpec
from compliance.matching.normalise import compact, compact_with_map, fold

__all__ = ["Hit", "Lexicon", "TermSpec", "compact", "compact_with_map", "fold"]
