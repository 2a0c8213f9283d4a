"""The spaCy pipeline the detector matches on: spacy.blank("en") + lookup lemmatizer.

The lookup lemmatizer (spacy-lookups-data) knows no part of speech, so a few entries are
fixed here: "dying" is not "dye", and "'s" / "'re" are forms of "be" in chat.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import spacy
import spacy_lookups_data
import srsly
from spacy.lang.en.stop_words import STOP_WORDS
from spacy.language import Language

LEMMA_FIXES = {
    "dying": "die", "lying": "lie", "'s": "be", "'re": "be", "'m": "be", "ca": "can",
    "wo": "will", "sha": "shall", "'ve": "have", "'ll": "will", "'d": "would",
    "better": "better", "best": "best", "left": "left", "felt": "feel", "saw": "see",
}


@lru_cache(maxsize=1)
def load_pipeline() -> Language:
    """Blank English pipeline with the lookup lemmatizer (loaded once per process)."""
    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    table = nlp.get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    for form, lemma in LEMMA_FIXES.items():
        table[form] = lemma
    return nlp


@lru_cache(maxsize=1)
def vocabulary() -> frozenset[str]:
    """Known English words: every form and lemma in the lookup table, plus stop words.

    Read from spacy-lookups-data's file: the loaded table keeps only hashes of its keys.
    """
    path = Path(spacy_lookups_data.__file__).parent / "data" / "en_lemma_lookup.json.gz"
    table: dict[str, str] = srsly.read_gzip_json(path)
    words = set(STOP_WORDS) | set(table) | set(table.values())
    return frozenset(word for word in words if word.isalpha())


def lemma(word: str) -> str:
    """Lemma of one lower-case word, exactly as the pipeline would assign it."""
    table = load_pipeline().get_pipe("lemmatizer").lookups.get_table("lemma_lookup")
    return table.get(word, word)
