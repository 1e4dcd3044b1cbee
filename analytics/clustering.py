"""Grouping similar requests into common problems (共性问题) — the algorithm, free of the database.

1. Words: each description is cut into words with jieba (its own ``Tokenizer`` loaded with the
   domain dictionary ``data/jieba_userdict.txt`` — 招工, 子女就学, 增容, 环评 …), without HMM
   guessing of new words, so the same text always gives the same words. Search mode also yields
   the parts of long words (一线普工 → 一线, 普工, 一线普工), so "普工缺口" and "一线普工招工难"
   share words. Numbers and the stop-words of ``data/stopwords.txt`` (希望, 协调, 企业 …) carry
   no meaning here and are dropped.
2. Texts that differ only in their numbers ("缺口 20 人" / "缺口 35 人") are one text with a
   weight; each category is clustered on its distinct texts.
3. TF-IDF vectors (scikit-learn), then average-linkage agglomerative clustering with cosine
   distance: texts join a cluster while their mean similarity stays at or above ``similarity``.
   At most ``max_texts`` of the most frequent distinct texts are clustered; the rarer ones join
   the nearest cluster centre when similar enough, else stay alone.
4. A cluster is a common problem when it has at least ``min_size`` requests from at least two
   enterprises; its representative is the request nearest its centre, its keywords the heaviest
   words of the centre (domain terms first).

Everything is ordered (texts by frequency then text, ties by request id), so a re-run on the
same requests gives the same clusters.
"""

from __future__ import annotations

import logging
import re
import warnings
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np

DATA = Path(__file__).resolve().parent / "data"
USER_DICT = DATA / "jieba_userdict.txt"
STOPWORDS = DATA / "stopwords.txt"
DIGITS = re.compile(r"[0-9０-９]+(?:\.[0-9]+)?")
WORD = re.compile(r"[\u4e00-\u9fffA-Za-z]")


@dataclass(frozen=True)
class Item:
    """One request as the clustering sees it."""

    request_id: int
    category_id: int | None
    enterprise_id: int
    text: str


@dataclass
class Cluster:
    category_id: int | None
    request_ids: list[int]
    similarity: dict[int, float]  # request id → cosine similarity to the centre
    representative: int
    keywords: list[str]
    enterprises: int

    @property
    def size(self) -> int:
        return len(self.request_ids)


@dataclass
class Settings:
    similarity: float = 0.4
    min_size: int = 3
    min_enterprises: int = 2
    max_texts: int = 2000
    keywords: int = 4


@cache
def tokenizer():
    """A private jieba tokenizer with the domain dictionary, initialised once per process, quietly."""
    with warnings.catch_warnings():
        # jieba 0.42's regular expressions predate Python 3.12's escape warnings.
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", SyntaxWarning)
        import jieba

    jieba.setLogLevel(logging.WARNING)
    logging.getLogger("jieba").setLevel(logging.WARNING)
    cutter = jieba.Tokenizer()
    cutter.initialize()
    cutter.load_userdict(str(USER_DICT))
    return cutter


@cache
def domain_words() -> frozenset[str]:
    return frozenset(
        line.split()[0] for line in USER_DICT.read_text(encoding="utf-8").splitlines() if line.strip()
    )


def keyword_weight(word: str, weight: float) -> float:
    """A centre's word weight for naming the problem: domain terms (招工, 增容 …) read best, single
    characters worst."""
    if word in domain_words():
        weight *= 1.5
    if len(word) == 1:
        weight *= 0.5
    return weight


@cache
def stopwords() -> frozenset[str]:
    return frozenset(
        line.strip() for line in STOPWORDS.read_text(encoding="utf-8").splitlines() if line.strip()
    )


def normalise(text: str) -> str:
    """The text with numbers replaced, so that only the wording decides similarity."""
    return DIGITS.sub("#", " ".join(text.split()))


def words(text: str) -> list[str]:
    stop = stopwords()
    return [
        w
        for w in (piece.strip() for piece in tokenizer().lcut_for_search(text, HMM=False))
        if w and w != "#" and w not in stop and WORD.search(w)
    ]


def cluster_items(
    items: Iterable[Item],
    settings: Settings | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> list[Cluster]:
    """Common problems among ``items``, largest first (ties: lowest representative id)."""
    settings = settings or Settings()
    by_category: dict = defaultdict(list)
    for item in items:
        by_category[item.category_id].append(item)
    order = sorted(by_category, key=lambda k: (k is None, k or 0))
    clusters: list[Cluster] = []
    for done, category_id in enumerate(order, start=1):
        clusters.extend(_cluster_category(category_id, by_category[category_id], settings))
        if progress:
            progress(done, len(order))
    clusters.sort(key=lambda c: (-c.size, c.representative))
    return clusters


def _cluster_category(category_id, items: list[Item], settings: Settings) -> list[Cluster]:
    from sklearn.cluster import AgglomerativeClustering
    from sklearn.feature_extraction.text import TfidfVectorizer

    groups: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        groups[normalise(item.text)].append(item)
    texts = sorted(groups, key=lambda t: (-len(groups[t]), t))
    if len(items) < settings.min_size:
        return []
    vectorizer = TfidfVectorizer(analyzer=words, sublinear_tf=True, norm="l2")
    try:
        matrix = vectorizer.fit_transform(texts)
    except ValueError:  # no words at all (descriptions of numbers only)
        return []
    vocabulary = vectorizer.get_feature_names_out()
    core = min(len(texts), settings.max_texts)
    if core == 1:
        labels = np.zeros(1, dtype=int)
    else:
        dense = matrix[:core].toarray()
        empty = ~dense.any(axis=1)
        dense[empty, 0] = 1e-9  # cosine distance of an all-zero vector is undefined
        labels = AgglomerativeClustering(
            n_clusters=None,
            metric="cosine",
            linkage="average",
            distance_threshold=1 - settings.similarity,
        ).fit_predict(dense)
    weights = np.array([len(groups[t]) for t in texts], dtype=float)
    members: dict[int, list[int]] = defaultdict(list)  # label → text indexes
    for index, label in enumerate(labels):
        members[int(label)].append(index)
    centres = {label: _centre(matrix, indexes, weights) for label, indexes in members.items()}
    # The rarer texts beyond the clustered core join the nearest centre when similar enough.
    if core < len(texts) and centres:
        ordered = sorted(centres)
        stacked = np.vstack([centres[label] for label in ordered])
        sims = matrix[core:] @ stacked.T
        for offset, row in enumerate(np.asarray(sims)):
            best = int(np.argmax(row))
            if row[best] >= settings.similarity:
                members[ordered[best]].append(core + offset)
        centres = {label: _centre(matrix, indexes, weights) for label, indexes in members.items()}

    out = []
    for label in sorted(members):
        indexes = members[label]
        cluster_items = [item for i in indexes for item in groups[texts[i]]]
        enterprises = {item.enterprise_id for item in cluster_items}
        if len(cluster_items) < settings.min_size or len(enterprises) < settings.min_enterprises:
            continue
        centre = centres[label]
        text_sims = {i: float((matrix[i] @ centre)[0]) for i in indexes}
        similarity = {item.request_id: round(text_sims[i], 4) for i in indexes for item in groups[texts[i]]}
        representative = min(
            cluster_items, key=lambda it: (-similarity[it.request_id], it.request_id)
        ).request_id
        top = sorted(
            (
                (keyword_weight(vocabulary[j], float(centre[j])), vocabulary[j])
                for j in np.flatnonzero(centre)
            ),
            key=lambda p: (-p[0], p[1]),
        )
        out.append(
            Cluster(
                category_id=category_id,
                request_ids=sorted(similarity, key=lambda r: (-similarity[r], r)),
                similarity=similarity,
                representative=representative,
                keywords=distinct_words((word for _, word in top), settings.keywords),
                enterprises=len(enterprises),
            )
        )
    return out


def distinct_words(words_by_weight: Iterable[str], limit: int) -> list[str]:
    """The first ``limit`` words without repeats of a part (search mode yields 噪音扰民 and also
    噪音, 扰民): a part of a word taken is left out, a word containing one taken replaces it."""
    chosen: list[str] = []
    for word in words_by_weight:
        if any(word in taken for taken in chosen):
            continue
        parts = [i for i, taken in enumerate(chosen) if taken in word]
        if parts:
            chosen[parts[0]] = word
            chosen = [taken for i, taken in enumerate(chosen) if i not in parts[1:]]
            continue
        chosen.append(word)
        if len(chosen) == limit:
            break
    return chosen


def _centre(matrix, indexes: list[int], weights) -> np.ndarray:
    """The frequency-weighted mean of the texts' vectors, normalised to length 1."""
    rows = matrix[indexes]
    centre = np.asarray(rows.T @ weights[indexes]).ravel()
    norm = np.linalg.norm(centre)
    return centre / norm if norm else centre
