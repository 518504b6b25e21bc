"""Scale benchmark: our BM25+ index against bm25s and plain rank-bm25 at 10k, 100k and 1M passages.

Corpora (seeded, cached under bench/.cache/): real English paragraphs found on this machine
(man pages from /usr/share/man/man[1-8], docstrings and comment blocks of the running
interpreter's standard library), split with bot.text.SentenceSplitter and tokenised with
bot.text.Analyzer, up to half of each corpus and at most 100,000 paragraphs; the rest are
paragraphs of a seeded Zipf vocabulary (50,000 pseudo-words, s = 1.1, 30-120 terms per
paragraph in sentences of 8-25 terms). 1,000 seeded questions are made from corpus passages
(3-7 of a passage's distinct terms; some with a typo, some with a word no passage has) and
every library gets the same tokens and the same questions.

Each (corpus size, library) runs in its own subprocess, so build time, peak memory (VmHWM,
reset just before the build) and per-question latency are isolated. What is timed per
question:
  ours       query (typo tolerance included) + search(k=5) + covers(hits[0])
  scatter    Index.bm25_scores + top-5 (the bare numpy scatter-add, no evidence, no typos)
  bm25s      BM25.retrieve([terms], k=5, n_threads=0): method "bm25+", k1 1.5, b 0.75, delta 1
             (the same model as rank-bm25's BM25Plus), numpy backend, one question at a time
  rank-bm25  BM25Plus.get_scores + top-5 (fewer questions at 100k and 1M: it scans everything)
Plus a typo benchmark (bot.text.TypoIndex over 1,000,000 distinct pseudo-words, 1,000
misspelled probes) and, when bot.store provides write_index/read_index, the saved index's
write time, its load time and the start-up time of a fresh process that loads it.

    python bench/scale.py [--sizes 10k,100k,1m] [--questions 1000] [--skip-rank-bm25]
                          [--typo-words 1000000] [--json PATH]

bm25s is a benchmark-only dependency (the dev extra), never imported by the bot.
"""

from __future__ import annotations

import argparse
import ast
import gc
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

SEED = 42
CACHE_VERSION = "v1"
ZIPF_WORDS = 50_000
ZIPF_S = 1.1
PARA_LEN = (30, 120)  # Zipf paragraph length in terms, inclusive
SENT_LEN = (8, 25)  # Zipf sentence length in terms, inclusive
REAL_MAX = 100_000  # real paragraphs at most (and at most half of a corpus)
REAL_TERMS = (8, 400)  # a real paragraph is kept when it has this many terms
TYPO_SHARE = 0.10  # questions with one misspelled term
UNKNOWN_SHARE = 0.05  # questions with a word no passage has
RANK_BM25_QUESTIONS = {10_000: 1000, 100_000: 100, 1_000_000: 20}
WARMUP = 10

SIZES = {"10k": 10_000, "100k": 100_000, "1m": 1_000_000}


# ----------------------------------------------------------------------------------------
# memory


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def peak_mb() -> float:
    return _status_kb("VmHWM") / 1024


def reset_peak() -> bool:
    """Reset VmHWM to the current RSS (Linux >= 4.0), so the peak covers only what follows."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


# ----------------------------------------------------------------------------------------
# pseudo-words


_ONSETS = (
    "b c d f g h j k l m n p r s t v w z br bl ch cl cr dr fl fr gl gr pl pr sc sh sk sl sp st str th tr wh"
).split()
_VOWELS = "a e i o u a e i o u ai ea ee ie oa ou y".split()
_CODAS = [""] * 6 + "n r s t l m nd nt rt st ck ng".split()


def pseudo_words(
    n: int, rng: np.random.Generator, min_len: int, max_len: int, exclude: set[str] = frozenset()
) -> list[str]:
    """n distinct alphabetic syllable words of min_len..max_len letters, in generation order."""
    onsets = np.array(_ONSETS, dtype=object)
    vowels = np.array(_VOWELS, dtype=object)
    codas = np.array(_CODAS, dtype=object)
    out: list[str] = []
    seen = set(exclude)
    while len(out) < n:
        batch = int((n - len(out)) * 1.3) + 1000
        # up to 5 syllables; the length filter below does the rest
        n_syl = rng.integers(1, 6, size=batch)
        parts = []
        for k in range(5):
            syl = (
                onsets[rng.integers(0, len(onsets), size=batch)]
                + vowels[rng.integers(0, len(vowels), size=batch)]
                + codas[rng.integers(0, len(codas), size=batch)]
            )
            syl[n_syl <= k] = ""
            parts.append(syl)
        words = parts[0] + parts[1] + parts[2] + parts[3] + parts[4]
        for w in words.tolist():
            if min_len <= len(w) <= max_len and w not in seen:
                seen.add(w)
                out.append(w)
                if len(out) == n:
                    break
    return out


_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def misspell(word: str, edits: int, rng: np.random.Generator) -> str:
    """Apply `edits` random edits (delete, insert, substitute, transpose)."""
    w = word
    for _ in range(edits):
        kind = int(rng.integers(0, 4))
        if len(w) < 3:
            kind = 1
        i = int(rng.integers(0, len(w)))
        c = _LETTERS[int(rng.integers(0, 26))]
        if kind == 0:
            w = w[:i] + w[i + 1 :]
        elif kind == 1:
            w = w[:i] + c + w[i:]
        elif kind == 2:
            if w[i] == c:
                c = _LETTERS[(_LETTERS.index(c) + 1) % 26]
            w = w[:i] + c + w[i + 1 :]
        else:
            i = min(i, len(w) - 2)
            if w[i] == w[i + 1]:
                w = w[:i] + c + w[i + 1 :]
            else:
                w = w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    return w


# ----------------------------------------------------------------------------------------
# real English text


_ROFF_FONT = re.compile(r"\\f(?:\[[^\]]*\]|\(..|.)")
_ROFF_NAMED = re.compile(r"\\(?:\*?\(..|\*?\[[^\]]*\]|\*.|s[+-]?\d+|n\(..|n.)")
_ROFF_ESC = re.compile(r"\\(.)")
_ROFF_TEXT_MACROS = {
    "B",
    "I",
    "BR",
    "BI",
    "IB",
    "IR",
    "RI",
    "RB",
    "SM",
    "SB",
    "Nm",
    "Ar",
    "Fl",
    "Xr",
    "Em",
    "Pa",
    "Dq",
    "Sq",
    "Ql",
    "Va",
    "Ev",
    "Cm",
}
_ROFF_BREAKS = {
    "PP",
    "LP",
    "P",
    "SH",
    "SS",
    "IP",
    "TP",
    "HP",
    "sp",
    "Pp",
    "Sh",
    "Ss",
    "It",
    "Bl",
    "El",
    "Bd",
    "Ed",
    "TS",
    "TE",
    "nf",
    "fi",
    "EX",
    "EE",
}


def _roff_clean(s: str) -> str:
    s = _ROFF_FONT.sub("", s)
    s = _ROFF_NAMED.sub(" ", s)
    return _ROFF_ESC.sub(lambda m: "-" if m.group(1) == "-" else " ", s)


def man_paragraphs(path: Path) -> list[str]:
    """Crude roff to paragraphs: drop macros, keep text and font-macro arguments."""
    try:
        with gzip.open(path, "rt", encoding="utf-8", errors="replace") as f:
            text = f.read()
    except (OSError, EOFError):
        return []
    paras: list[str] = []
    cur: list[str] = []
    in_table = False

    def flush() -> None:
        if cur:
            paras.append(" ".join(cur))
            cur.clear()

    for line in text.splitlines():
        if line.startswith((".", "'")):
            parts = line[1:].strip().split(None, 1)
            name = parts[0] if parts else ""
            if name == "TS":
                in_table = True
            elif name == "TE":
                in_table = False
            if name in _ROFF_BREAKS:
                flush()
            elif name in _ROFF_TEXT_MACROS and len(parts) > 1 and not in_table:
                cur.append(_roff_clean(parts[1].replace('"', "")))
        elif in_table:
            continue
        elif not line.strip():
            flush()
        else:
            cur.append(_roff_clean(line))
    flush()
    return paras


_COMMENT = re.compile(r"^\s*#+ ?(.*)$")


def python_paragraphs(path: Path) -> list[str]:
    """Docstring paragraphs and comment blocks of one Python source file."""
    try:
        src = path.read_text(encoding="utf-8", errors="replace")
        tree = ast.parse(src)
    except (SyntaxError, ValueError, OSError, RecursionError):
        return []
    paras: list[str] = []
    stack: list[ast.AST] = [tree]
    while stack:  # statements only (ast.walk would visit every expression too)
        node = stack.pop()
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            doc = ast.get_docstring(node)
            if doc:
                paras.extend(re.split(r"\n\s*\n", doc))
        for field in ("body", "orelse", "finalbody", "handlers"):
            children = getattr(node, field, None)
            if isinstance(children, list):
                stack.extend(c for c in children if isinstance(c, (ast.stmt, ast.excepthandler)))
    block: list[str] = []
    for line in src.splitlines():
        m = _COMMENT.match(line)
        if m and not line.lstrip().startswith("#!"):
            body = m.group(1).strip()
            if body:
                block.append(body)
                continue
        if block:
            paras.append(" ".join(block))
            block = []
    if block:
        paras.append(" ".join(block))
    return [" ".join(p.split()) for p in paras]


def _stream(files: list[Path], extract, analyzer, splitter, seen: set[int]):
    """Tokenised paragraphs (lists of sentences of terms) from files, deduplicated."""
    lo, hi = REAL_TERMS
    for path in files:
        for para in extract(path):
            if len(para) < 40:
                continue
            sents = [t for t in (analyzer.terms(s) for s in splitter.split(para)) if t]
            n = sum(len(t) for t in sents)
            if not lo <= n <= hi:
                continue
            key = hash(tuple(t for s in sents for t in s))
            if key in seen:
                continue
            seen.add(key)
            yield sents


def _slice_pool(z, n: int) -> dict:
    psp = np.asarray(z["passage_sentence_ptr"][: n + 1])
    sp = np.asarray(z["sentence_ptr"][: int(psp[-1]) + 1])
    return {
        "tokens": np.asarray(z["tokens"][: int(sp[-1])]),
        "sentence_ptr": sp,
        "passage_sentence_ptr": psp,
        "vocab": [str(v) for v in z["vocab"]],
        "source": np.asarray(z["source"][:n]),
    }


def real_pool(n: int, cache: Path, log) -> dict:
    """The first n paragraphs of the deterministic real-text stream (man page and Python
    paragraphs alternating), cached; a smaller pool is a prefix of a larger one."""
    path = cache / f"real-{CACHE_VERSION}-s{SEED}.npz"
    if path.exists():
        z = np.load(path, allow_pickle=False)
        have = int(z["passage_sentence_ptr"].shape[0] - 1)
        if have >= n or bool(z["exhausted"]):
            return _slice_pool(z, min(n, have))
    from bot.text import Analyzer, SentenceSplitter

    t0 = time.perf_counter()
    rng = np.random.default_rng(SEED)
    man = sorted((p for d in sorted(Path("/usr/share/man").glob("man[1-8]")) for p in d.glob("*.gz")), key=str)
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    py = sorted((p for p in stdlib.rglob("*.py") if "site-packages" not in p.parts), key=str)
    man = [man[i] for i in rng.permutation(len(man))]
    py = [py[i] for i in rng.permutation(len(py))]
    analyzer, splitter = Analyzer(), SentenceSplitter()
    seen: set[int] = set()
    streams = {
        0: _stream(man, man_paragraphs, analyzer, splitter, seen),
        1: _stream(py, python_paragraphs, analyzer, splitter, seen),
    }
    vocab: dict[str, int] = {}
    ids: list[int] = []
    sent_lens: list[int] = []
    para_sents: list[int] = []
    source: list[int] = []
    turn = 0
    while len(para_sents) < n and streams:
        src = turn % 2 if len(streams) == 2 else next(iter(streams))
        turn += 1
        try:
            sents = next(streams[src])
        except StopIteration:
            del streams[src]
            continue
        para_sents.append(len(sents))
        source.append(src)
        for sent in sents:
            sent_lens.append(len(sent))
            for t in sent:
                tid = vocab.get(t)
                if tid is None:
                    tid = vocab[t] = len(vocab)
                ids.append(tid)
    z = {
        "tokens": np.asarray(ids, dtype=np.int32),
        "sentence_ptr": np.concatenate([[0], np.cumsum(sent_lens, dtype=np.int64)]),
        "passage_sentence_ptr": np.concatenate([[0], np.cumsum(para_sents, dtype=np.int64)]),
        "vocab": np.asarray(list(vocab), dtype=str),
        "source": np.asarray(source, dtype=np.int8),
        "exhausted": np.asarray(len(para_sents) < n),
    }
    cache.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.stem + ".tmp.npz")
    np.savez(tmp, **z)
    os.replace(tmp, path)
    log(
        f"real text: {len(para_sents):,} paragraphs ({source.count(0):,} man, "
        f"{source.count(1):,} Python), {len(ids):,} terms, {len(vocab):,} distinct, "
        f"extracted in {time.perf_counter() - t0:.1f} s"
    )
    return _slice_pool(z, len(para_sents))


# ----------------------------------------------------------------------------------------
# corpora and questions


def corpus_paths(cache: Path, size: int) -> dict[str, Path]:
    stem = f"corpus-{CACHE_VERSION}-s{SEED}-{size}"
    return {
        "arrays": cache / f"{stem}.npz",
        "vocab": cache / f"{stem}.vocab.txt",
        "questions": cache / f"{stem}.questions.json",
        "meta": cache / f"{stem}.meta.json",
    }


def zipf_vocabulary() -> list[str]:
    """50k pseudo-words by frequency rank: shorter words are the frequent ones."""
    words = pseudo_words(ZIPF_WORDS, np.random.default_rng([SEED, 1]), 4, 12)
    return sorted(words, key=len)  # stable: ties keep generation (random) order


def zipf_passages(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """n Zipf paragraphs as (token ranks, sentence_ptr, passage_sentence_ptr), vectorised."""
    ranks = np.arange(1, ZIPF_WORDS + 1, dtype=np.float64)
    cdf = np.cumsum(ranks**-ZIPF_S)
    cdf /= cdf[-1]
    lengths = rng.integers(PARA_LEN[0], PARA_LEN[1] + 1, size=n)
    starts = np.concatenate([[0], np.cumsum(lengths)])
    total = int(starts[-1])
    tokens = np.empty(total, dtype=np.int32)
    chunk = 8_000_000
    for a in range(0, total, chunk):
        b = min(total, a + chunk)
        tokens[a:b] = np.searchsorted(cdf, rng.random(b - a), side="right")
    np.minimum(tokens, ZIPF_WORDS - 1, out=tokens)
    # sentences: cut each paragraph after 8-25 terms, the remainder is its last sentence
    max_sents = PARA_LEN[1] // SENT_LEN[0] + 1
    cuts = np.cumsum(rng.integers(SENT_LEN[0], SENT_LEN[1] + 1, size=(n, max_sents)), axis=1)
    inside = cuts < lengths[:, None]
    per_passage = inside.sum(axis=1) + 1
    inner = (starts[:-1, None] + cuts)[inside]  # row-major: sorted within and across rows
    sentence_ptr = np.sort(np.concatenate([starts, inner]))
    passage_sentence_ptr = np.concatenate([[0], np.cumsum(per_passage)])
    return tokens, sentence_ptr.astype(np.int64), passage_sentence_ptr.astype(np.int64)


def make_corpus(size: int, n_questions_max: int, cache: Path, log) -> dict:
    paths = corpus_paths(cache, size)
    if all(p.exists() for p in paths.values()):
        return json.loads(paths["meta"].read_text())
    t0 = time.perf_counter()
    pool = real_pool(min(REAL_MAX, size // 2), cache, log)
    n_real = int(pool["passage_sentence_ptr"].shape[0] - 1)
    n_zipf = size - n_real
    zwords = zipf_vocabulary()
    vocab = list(pool["vocab"])
    index = {w: i for i, w in enumerate(vocab)}
    zmap = np.empty(ZIPF_WORDS, dtype=np.int32)
    for r, w in enumerate(zwords):
        tid = index.get(w)
        if tid is None:
            tid = index[w] = len(vocab)
            vocab.append(w)
        zmap[r] = tid
    ztok, zsp, zpsp = zipf_passages(n_zipf, np.random.default_rng([SEED, size]))
    rt, rsp, rpsp = pool["tokens"], pool["sentence_ptr"], pool["passage_sentence_ptr"]
    tokens = np.concatenate([rt, zmap[ztok]])
    del ztok
    sentence_ptr = np.concatenate([rsp, zsp[1:] + rsp[-1]])
    passage_sentence_ptr = np.concatenate([rpsp, zpsp[1:] + rpsp[-1]])
    gen_s = time.perf_counter() - t0

    questions = make_questions(
        n_questions_max, vocab, tokens, sentence_ptr[passage_sentence_ptr], np.random.default_rng([SEED, size, 2])
    )
    cache.mkdir(parents=True, exist_ok=True)
    np.savez(paths["arrays"], tokens=tokens, sentence_ptr=sentence_ptr, passage_sentence_ptr=passage_sentence_ptr)
    paths["vocab"].write_text("\n".join(vocab), encoding="utf-8")
    paths["questions"].write_text(json.dumps(questions), encoding="utf-8")
    meta = {
        "size": size,
        "real": n_real,
        "real_man": int((pool["source"] == 0).sum()),
        "real_python": int((pool["source"] == 1).sum()),
        "zipf": n_zipf,
        "tokens": int(tokens.shape[0]),
        "sentences": int(sentence_ptr.shape[0] - 1),
        "vocabulary": len(vocab),
        "real_vocabulary": len(pool["vocab"]),
        "generate_s": round(gen_s, 2),
        "questions_typo": sum(q["typo"] for q in questions),
        "questions_unknown": sum(q["unknown"] for q in questions),
    }
    paths["meta"].write_text(json.dumps(meta), encoding="utf-8")
    return meta


def make_questions(
    n: int, vocab: list[str], tokens: np.ndarray, token_ptr: np.ndarray, rng: np.random.Generator
) -> list[dict]:
    """Questions from passages: 3-7 of a passage's distinct terms in reading order; some
    with one misspelled term, some with a word the corpus lacks."""
    vocab_set = set(vocab)
    unknown_pool = pseudo_words(n, np.random.default_rng([SEED, 3]), 6, 12, exclude=vocab_set)
    size = token_ptr.shape[0] - 1
    out = []
    for i in range(n):
        p = int(rng.integers(0, size))
        toks = tokens[token_ptr[p] : token_ptr[p + 1]]
        _, first = np.unique(toks, return_index=True)
        distinct = toks[np.sort(first)]
        k = min(int(rng.integers(3, 8)), distinct.shape[0])
        pick = np.sort(rng.choice(distinct.shape[0], k, replace=False))
        terms = [vocab[t] for t in distinct[pick].tolist()]
        typo = unknown = False
        if rng.random() < TYPO_SHARE:
            long_ = [j for j, t in enumerate(terms) if len(t) >= 6 and t.isalpha()]
            if long_:
                j = long_[int(rng.integers(0, len(long_)))]
                edits = 1 if len(terms[j]) < 10 else int(rng.integers(1, 3))
                for _ in range(50):
                    w = misspell(terms[j], edits, rng)
                    if w not in vocab_set:
                        terms[j], typo = w, True
                        break
        if rng.random() < UNKNOWN_SHARE:
            terms.insert(int(rng.integers(0, len(terms) + 1)), unknown_pool[i])
            unknown = True
        out.append({"terms": terms, "passage": p, "typo": typo, "unknown": unknown})
    return out


def load_corpus(cache: Path, size: int):
    paths = corpus_paths(cache, size)
    z = np.load(paths["arrays"])
    vocab = paths["vocab"].read_text(encoding="utf-8").split("\n")
    questions = json.loads(paths["questions"].read_text(encoding="utf-8"))
    return vocab, z["tokens"], z["sentence_ptr"], z["passage_sentence_ptr"], questions


def as_sentences(vocab, tokens, sentence_ptr, passage_sentence_ptr) -> list[list[list[str]]]:
    """Passages as lists of sentences of term strings (one shared str object per term)."""
    flat = np.asarray(vocab, dtype=object)[tokens].tolist()
    sp = sentence_ptr.tolist()
    sentences = [flat[a:b] for a, b in zip(sp[:-1], sp[1:])]
    del flat
    psp = passage_sentence_ptr.tolist()
    return [sentences[a:b] for a, b in zip(psp[:-1], psp[1:])]


def as_flat(vocab, tokens, sentence_ptr, passage_sentence_ptr) -> list[list[str]]:
    """Passages as flat lists of term strings (what bm25s and rank-bm25 take)."""
    flat = np.asarray(vocab, dtype=object)[tokens].tolist()
    tp = sentence_ptr[passage_sentence_ptr].tolist()
    return [flat[a:b] for a, b in zip(tp[:-1], tp[1:])]


# ----------------------------------------------------------------------------------------
# workers (each runs in its own process)


def _stats(ns: list[int]) -> dict:
    ms = np.asarray(ns, dtype=np.float64) / 1e6
    if ms.size == 0:
        return {"n": 0}
    return {
        "n": int(ms.size),
        "p50": float(np.percentile(ms, 50)),
        "p99": float(np.percentile(ms, 99)),
        "mean": float(ms.mean()),
        "max": float(ms.max()),
    }


def _prepare_build(cache: Path, size: int, flat: bool):
    vocab, tokens, sp, psp, questions = load_corpus(cache, size)
    docs = (as_flat if flat else as_sentences)(vocab, tokens, sp, psp)
    del vocab, tokens, sp, psp
    gc.collect()
    before = rss_mb()
    reset_peak()
    return docs, questions, before


def _store():
    try:
        from bot import store
    except ImportError:
        return None
    if hasattr(store, "write_index") and hasattr(store, "read_index"):
        return store
    return None


def _top5(scores: np.ndarray) -> list[int]:
    top = np.argpartition(-scores, 4)[:5]
    return top[np.argsort(-scores[top], kind="stable")].tolist()


def worker_ours(a) -> dict:
    from bot.retrieval.answerability import AnswerParams, covers
    from bot.retrieval.bm25 import Index
    from bot.retrieval.query import query as make_query
    from bot.retrieval.rerank import RankParams, search

    docs, questions, before = _prepare_build(a.cache, a.size, flat=False)
    questions = questions[: a.questions]
    t0 = time.perf_counter()
    index = Index.build(docs)
    build_s = time.perf_counter() - t0
    del docs
    gc.collect()
    after_build = rss_mb()
    rank = RankParams()
    rule = AnswerParams()
    inputs = [[(w, w) for w in q["terms"]] for q in questions]
    texts = [" ".join(q["terms"]) for q in questions]
    for words, text in list(zip(inputs, texts))[:WARMUP]:
        search(index, make_query(index, text, words, rank.typo_discount), 5, rank)
    total, t_query, t_search, t_covers = [], [], [], []
    answered = found = 0
    tops = []
    clock = time.perf_counter_ns
    for q, words, text in zip(questions, inputs, texts):
        t0 = clock()
        query = make_query(index, text, words, rank.typo_discount)
        t1 = clock()
        hits = search(index, query, 5, rank)
        t2 = clock()
        ok = bool(hits) and covers(hits[0].evidence, rule)
        t3 = clock()
        total.append(t3 - t0)
        t_query.append(t1 - t0)
        t_search.append(t2 - t1)
        t_covers.append(t3 - t2)
        answered += ok
        found += any(h.passage == q["passage"] for h in hits)
        tops.append([h.passage for h in hits])
    typo_q = [n for n, q in zip(total, questions) if q["typo"] or q["unknown"]]
    n_real = json.loads(corpus_paths(a.cache, a.size)["meta"].read_text())["real"]
    real_q = [n for n, q in zip(total, questions) if q["passage"] < n_real]
    zipf_q = [n for n, q in zip(total, questions) if q["passage"] >= n_real]
    # diagnostics outside the timed path: postings each question scans, and the BM25 top-m
    # pass alone (an internal method; skipped if the index no longer has it)
    postings, top_bm25 = [], []
    try:
        for words, text in zip(inputs, texts):
            known = make_query(index, text, words, rank.typo_discount).known
            postings.append(int(sum(int(index.df[t.term_id]) for t in known)))
            if hasattr(index, "top_bm25"):
                t0 = clock()
                index.top_bm25([(t.term_id, t.count) for t in known], rank.candidates)
                top_bm25.append(clock() - t0)
    except Exception as exc:  # noqa: BLE001 - diagnostics must never fail the benchmark
        print(f"diagnostics skipped: {exc!r}", file=sys.stderr)
        postings, top_bm25 = [], []
    # the bare numpy scatter-add over the same postings: bm25_scores + top-5
    scatter = []
    for q in questions:
        t0 = clock()
        _top5(index.bm25_scores(q["terms"]))
        scatter.append(clock() - t0)
    out = {
        "build_s": build_s,
        "rss_before_mb": before,
        "rss_after_build_mb": after_build,
        "peak_mb": peak_mb(),
        "latency": _stats(total),
        "query_stage": _stats(t_query),
        "search_stage": _stats(t_search),
        "covers_stage": _stats(t_covers),
        "latency_typo_or_unknown": _stats(typo_q),
        "latency_real": _stats(real_q),
        "latency_zipf": _stats(zipf_q),
        "scatter": _stats(scatter),
        "answered": answered / max(len(questions), 1),
        "source_in_top5": found / max(len(questions), 1),
        "vocabulary": len(index.vocabulary),
        "top_bm25_stage": _stats(top_bm25),
        "evidence_stage": _stats([max(a - b, 0) for a, b in zip(t_search, top_bm25)]),
        "postings": (
            {"p50": float(np.percentile(postings, 50)), "p99": float(np.percentile(postings, 99)), "max": max(postings)}
            if postings
            else None
        ),
    }
    store = _store()
    if store is not None:
        folder = Path(a.tmp) / f"index-{a.size}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        t0 = time.perf_counter()
        store.write_index(index, folder, "scale")
        out["write_s"] = time.perf_counter() - t0
        out["saved_mb"] = sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) / 2**20
        out["saved_folder"] = str(folder)
        (Path(a.tmp) / f"expected-{a.size}.json").write_text(json.dumps(tops[:50]))
    return out


def worker_load(a) -> dict:
    """Fresh process: import the store, read the saved index, answer 50 questions."""
    t0 = time.perf_counter()
    from bot import store
    from bot.retrieval.query import query as make_query
    from bot.retrieval.rerank import RankParams, search

    t_import = time.perf_counter() - t0
    t1 = time.perf_counter()
    index = store.read_index(Path(a.tmp) / f"index-{a.size}", "scale")
    read_s = time.perf_counter() - t1
    ready = time.time()
    if index is None:
        return {"error": "read_index returned None"}
    rank = RankParams()
    questions = json.loads(corpus_paths(a.cache, a.size)["questions"].read_text())[:50]
    expected = json.loads((Path(a.tmp) / f"expected-{a.size}.json").read_text())
    same = 0
    first_answer = None
    for q, exp in zip(questions, expected):
        hits = search(
            index, make_query(index, " ".join(q["terms"]), [(w, w) for w in q["terms"]], rank.typo_discount), 5, rank
        )
        if first_answer is None:
            first_answer = time.time()
        same += [h.passage for h in hits] == exp
    return {
        "import_s": t_import,
        "read_s": read_s,
        "ready_epoch": ready,
        "rss_mb": rss_mb(),
        "peak_mb": peak_mb(),
        "same_hits": same,
        "checked": len(expected),
        "first_answer_epoch": first_answer,
    }


def worker_bm25s(a) -> dict:
    import bm25s

    docs, questions, before = _prepare_build(a.cache, a.size, flat=True)
    questions = questions[: a.questions]
    t0 = time.perf_counter()
    retriever = bm25s.BM25(k1=1.5, b=0.75, delta=1.0, method="bm25+")
    retriever.index(docs, show_progress=False)
    build_s = time.perf_counter() - t0
    del docs
    gc.collect()
    after_build = rss_mb()
    for q in questions[:WARMUP]:
        retriever.retrieve([q["terms"]], k=5, n_threads=0, show_progress=False)
    lat = []
    found = 0
    clock = time.perf_counter_ns
    for q in questions:
        t0 = clock()
        docs_, _scores = retriever.retrieve([q["terms"]], k=5, n_threads=0, show_progress=False)
        lat.append(clock() - t0)
        found += q["passage"] in docs_[0].tolist()
    return {
        "build_s": build_s,
        "rss_before_mb": before,
        "rss_after_build_mb": after_build,
        "peak_mb": peak_mb(),
        "latency": _stats(lat),
        "source_in_top5": found / max(len(questions), 1),
        "bm25s_version": bm25s.__version__,
    }


def worker_rank_bm25(a) -> dict:
    from rank_bm25 import BM25Plus

    docs, questions, before = _prepare_build(a.cache, a.size, flat=True)
    questions = questions[: a.questions]
    t0 = time.perf_counter()
    model = BM25Plus(docs)
    build_s = time.perf_counter() - t0
    del docs
    gc.collect()
    after_build = rss_mb()
    lat = []
    found = 0
    clock = time.perf_counter_ns
    for q in questions:
        t0 = clock()
        top = _top5(model.get_scores(q["terms"]))
        lat.append(clock() - t0)
        found += q["passage"] in top
    return {
        "build_s": build_s,
        "rss_before_mb": before,
        "rss_after_build_mb": after_build,
        "peak_mb": peak_mb(),
        "latency": _stats(lat),
        "source_in_top5": found / max(len(questions), 1),
    }


def worker_check(a) -> dict:
    """Same model check: our bm25_scores and bm25s agree with rank-bm25 BM25Plus (top-5)."""
    import bm25s
    from rank_bm25 import BM25Plus

    from bot.retrieval.bm25 import Index

    vocab, tokens, sp, psp, questions = load_corpus(a.cache, a.size)
    flat = as_flat(vocab, tokens, sp, psp)
    index = Index.build(as_sentences(vocab, tokens, sp, psp))
    model = BM25Plus(flat)
    retriever = bm25s.BM25(k1=1.5, b=0.75, delta=1.0, method="bm25+")
    retriever.index(flat, show_progress=False)
    n = min(a.questions, 20)
    ours_ok = bm25s_ok = 0
    max_diff = 0.0
    for q in questions[:n]:
        ref = model.get_scores(q["terms"])
        mine = index.bm25_scores(q["terms"])
        max_diff = max(max_diff, float(np.max(np.abs(ref - mine) / np.maximum(np.abs(ref), 1e-9))))
        ref_top = np.sort(ref)[::-1][:5]
        # tie-aware: the reference scores of the chosen top-5 equal the reference top-5 scores
        ours_ok += bool(np.allclose(np.sort(ref[_top5(mine)])[::-1], ref_top, rtol=1e-5))
        docs_, _ = retriever.retrieve([q["terms"]], k=5, n_threads=0, show_progress=False)
        bm25s_ok += bool(np.allclose(np.sort(ref[docs_[0]])[::-1], ref_top, rtol=1e-5))
    return {"questions": n, "ours_top5_equal": ours_ok, "bm25s_top5_equal": bm25s_ok, "ours_max_rel_diff": max_diff}


def worker_typo(a) -> dict:
    from bot.text import TypoIndex, max_typo_distance

    rng = np.random.default_rng([SEED, 7])
    vocab = pseudo_words(a.typo_words, rng, 5, 14)
    vocab_set = set(vocab)
    long_ids = [i for i, w in enumerate(vocab) if len(w) >= 6]
    probes = []
    for i in rng.choice(len(long_ids), 1000, replace=False).tolist():
        word = vocab[long_ids[i]]
        edits = 1 if len(word) < 10 else int(rng.integers(1, 3))
        for _ in range(50):
            w = misspell(word, edits, rng)
            if w not in vocab_set and max_typo_distance(w) >= edits:
                probes.append((w, long_ids[i], edits))
                break
    gc.collect()
    before = rss_mb()
    reset_peak()
    t0 = time.perf_counter()
    typo = TypoIndex(vocab)
    build_s = time.perf_counter() - t0
    for w, _, _ in probes[:WARMUP]:
        typo.lookup(w, limit=1)
    lat = []
    outcome = {e: {"recovered": 0, "other": 0, "none": 0} for e in (1, 2)}
    clock = time.perf_counter_ns
    for w, target, edits in probes:
        t0 = clock()
        m = typo.lookup(w, limit=1)
        lat.append(clock() - t0)
        # "other": another vocabulary word at the same or a smaller distance
        key = "none" if not m else "recovered" if m[0].term_id == target else "other"
        outcome[edits][key] += 1
    return {
        "words": len(vocab),
        "probes": len(probes),
        "build_s": build_s,
        "rss_before_mb": before,
        "peak_mb": peak_mb(),
        "rss_after_mb": rss_mb(),
        "latency": _stats(lat),
        "outcome": outcome,
    }


def worker_prepare(a) -> dict:
    return make_corpus(a.size, a.questions_max, a.cache, lambda m: print(m, file=sys.stderr, flush=True))


WORKERS = {
    "prepare": worker_prepare,
    "ours": worker_ours,
    "load": worker_load,
    "bm25s": worker_bm25s,
    "rank-bm25": worker_rank_bm25,
    "check": worker_check,
    "typo": worker_typo,
}


# ----------------------------------------------------------------------------------------
# driver


def run_worker(kind: str, args, size: int = 0, questions: int = 0, timeout: float | None = None) -> dict:
    out = Path(args.tmp) / f"result-{kind}-{size}.json"
    out.unlink(missing_ok=True)
    cmd = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--worker",
        kind,
        "--size",
        str(size),
        "--questions",
        str(questions),
        "--cache-dir",
        str(args.cache_dir),
        "--tmp",
        args.tmp,
        "--typo-words",
        str(args.typo_words),
        "--out",
        str(out),
    ]
    spawn = time.time()
    t0 = time.perf_counter()
    try:
        proc = subprocess.run(cmd, timeout=timeout, stdout=sys.stderr)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - t0
    if proc.returncode != 0 or not out.exists():
        return {"error": f"worker exited with {proc.returncode}"}
    res = json.loads(out.read_text())
    res["wall_s"] = wall
    res["loadavg_after"] = os.getloadavg()[0]
    if "ready_epoch" in res:
        res["startup_s"] = res["ready_epoch"] - spawn
        if res.get("first_answer_epoch"):
            res["first_answer_s"] = res["first_answer_epoch"] - spawn
    return res


def label(size: int) -> str:
    return {10_000: "10k", 100_000: "100k", 1_000_000: "1M"}.get(size, f"{size:,}")


def fmt(v, spec: str = ".2f") -> str:
    if v is None:
        return "-"
    if isinstance(v, str):
        return v
    return format(v, spec)


def print_table(headers: list[str], rows: list[list[str]]) -> None:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.rjust(w) if i else h.ljust(w) for i, (h, w) in enumerate(zip(headers, widths)))
    print(line)
    print("-" * len(line))
    for r in rows:
        print("  ".join(c.rjust(w) if i else c.ljust(w) for i, (c, w) in enumerate(zip(r, widths))))


def environment() -> dict:
    def git(*cmd):
        try:
            return subprocess.run(["git", *cmd], cwd=ROOT, capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            return "?"

    cpu = "?"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    import importlib.metadata as md

    versions = {}
    for pkg in ("numpy", "bm25s", "rank-bm25", "nltk"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = "missing"
    dirty = git("status", "--porcelain", "--", "bot")
    return {
        "commit": git("rev-parse", "--short", "HEAD") + (" (bot/ modified)" if dirty else ""),
        "python": sys.version.split()[0],
        "cpu": cpu,
        "cpus": os.cpu_count(),
        **versions,
        "bot_digest": bot_digest(),
    }


def bot_digest() -> str:
    """Hash of the bot package's sources, to notice code changing under a running benchmark."""
    import hashlib

    h = hashlib.sha256()
    for path in sorted((ROOT / "bot").rglob("*.py")):
        h.update(str(path.relative_to(ROOT)).encode())
        try:
            h.update(path.read_bytes())
        except OSError:
            pass
    return h.hexdigest()[:12]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="10k,100k,1m", help="comma-separated: 10k, 100k, 1m or a number")
    ap.add_argument("--questions", type=int, default=1000)
    ap.add_argument("--skip-rank-bm25", action="store_true")
    ap.add_argument("--typo-words", type=int, default=1_000_000, help="0 skips the typo benchmark")
    ap.add_argument("--cache-dir", type=Path, default=ROOT / "bench" / ".cache")
    ap.add_argument("--json", type=Path, help="also write all results here")
    ap.add_argument("--worker", choices=sorted(WORKERS), help=argparse.SUPPRESS)
    ap.add_argument("--size", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--tmp", help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    a.cache = a.cache_dir
    a.questions_max = 1000

    if a.worker:
        res = WORKERS[a.worker](a)
        a.out.write_text(json.dumps(res))
        return 0

    sizes = [SIZES.get(s.strip().lower()) or int(s.strip().replace("_", "")) for s in a.sizes.split(",")]
    if a.questions > 1000:
        ap.error("--questions: at most 1000 (the generated question set)")
    env = environment()
    results: dict = {"environment": env, "sizes": {}, "args": {"sizes": sizes, "questions": a.questions}}
    t_start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="kb-scale-") as tmp:
        a.tmp = tmp

        def log(msg: str) -> None:
            print(f"[{time.perf_counter() - t_start:7.1f} s] {msg}", file=sys.stderr, flush=True)

        store_available = _store() is not None
        for size in sizes:
            log(f"{label(size)}: corpus")
            meta = run_worker("prepare", a, size, a.questions_max)
            if "error" in meta:
                log(f"{label(size)}: corpus generation failed: {meta['error']}")
                continue
            r = results["sizes"][size] = {"corpus": meta}
            log(f"{label(size)}: ours")
            r["ours"] = run_worker("ours", a, size, a.questions)
            if store_available and "saved_folder" in r["ours"]:
                log(f"{label(size)}: load saved index in a fresh process")
                r["load"] = run_worker("load", a, size, 50)
                shutil.rmtree(r["ours"]["saved_folder"], ignore_errors=True)
            log(f"{label(size)}: bm25s")
            r["bm25s"] = run_worker("bm25s", a, size, a.questions)
            if a.skip_rank_bm25:
                r["rank-bm25"] = {"skipped": "--skip-rank-bm25"}
            else:
                nq = min(a.questions, RANK_BM25_QUESTIONS.get(size, max(20, 10**7 // size)))
                log(f"{label(size)}: rank-bm25 ({nq} questions)")
                r["rank-bm25"] = run_worker("rank-bm25", a, size, nq, timeout=900)
        small = [s for s in sizes if s <= 100_000]
        if small and not a.skip_rank_bm25:
            log(f"{label(min(small))}: same-model check against rank-bm25")
            results["check"] = run_worker("check", a, min(small), 20)
        if a.typo_words:
            log(f"typo: {a.typo_words:,}-word vocabulary")
            results["typo"] = run_worker("typo", a, 0, 1000)
    results["total_s"] = time.perf_counter() - t_start
    results["bot_digest_after"] = bot_digest()
    report(results, store_available)
    if a.json:
        a.json.parent.mkdir(parents=True, exist_ok=True)
        a.json.write_text(json.dumps(results, indent=1, default=str))
    return 0


def report(results: dict, store_available: bool) -> None:
    env = results["environment"]
    print()
    print(
        f"bench/scale.py  commit {env['commit']}  Python {env['python']}  numpy {env['numpy']}  "
        f"bm25s {env['bm25s']}  rank-bm25 {env['rank-bm25']}"
    )
    print(f"{env['cpu']}, {env['cpus']} CPUs; one process per row; times per question, one question at a time")
    print()
    print("Corpora")
    rows = []
    for size, r in results["sizes"].items():
        m = r["corpus"]
        rows.append(
            [
                label(size),
                f"{m['real']:,} ({m['real_man']:,} man + {m['real_python']:,} Python)",
                f"{m['zipf']:,}",
                f"{m['tokens']:,}",
                f"{m['sentences']:,}",
                f"{m['vocabulary']:,}",
                f"{m['questions_typo']}/{m['questions_unknown']}",
            ]
        )
    print_table(
        [
            "corpus",
            "real paragraphs",
            "Zipf paragraphs",
            "terms",
            "sentences",
            "vocabulary",
            "questions typo/unknown (of 1000)",
        ],
        rows,
    )
    print()
    print(
        "Search (build = index construction from term lists; RSS before = process with the "
        "corpus loaded; peak - before = build + index + queries)"
    )
    headers = [
        "corpus",
        "library",
        "build s",
        "RSS before MB",
        "peak MB",
        "peak-before MB",
        "questions",
        "p50 ms",
        "p99 ms",
        "p50/bm25s",
        "p99/bm25s",
        "in top-5",
        "save s",
        "load s",
        "start-up s",
        "1st answer s",
    ]
    rows = []
    for size, r in results["sizes"].items():
        ref = r.get("bm25s", {}).get("latency", {})
        for lib in ("ours", "scatter", "bm25s", "rank-bm25"):
            src = r["ours"] if lib == "scatter" else r.get(lib, {})
            name = {"ours": "ours (query+search+covers)", "scatter": "  numpy scatter-add only"}.get(lib, lib)
            if "error" in src or "skipped" in src:
                rows.append(
                    [label(size), name, src.get("error") or f"skipped ({src['skipped']})"] + [""] * (len(headers) - 3)
                )
                continue
            lat = src["scatter"] if lib == "scatter" else src["latency"]

            def ratio(k: str, lat: dict = lat, ref: dict = ref) -> str:
                return fmt(lat[k] / ref[k], ".2f") if ref.get(k) and lat.get("n") else "-"

            save = load = start = first = "-"
            if lib == "ours":
                if not store_available:
                    save = load = start = first = "not available"
                elif "write_s" in src:
                    save = fmt(src["write_s"])
                    ld = r.get("load", {})
                    if "error" in ld:
                        load = start = first = ld["error"]
                    else:
                        load = fmt(ld.get("read_s"))
                        start = fmt(ld.get("startup_s"))
                        first = fmt(ld.get("first_answer_s"))
            same_proc = lib == "scatter"
            rows.append(
                [
                    label(size),
                    name,
                    "(same index)" if same_proc else fmt(src["build_s"]),
                    "" if same_proc else fmt(src["rss_before_mb"], ".0f"),
                    "" if same_proc else fmt(src["peak_mb"], ".0f"),
                    "" if same_proc else fmt(src["peak_mb"] - src["rss_before_mb"], ".0f"),
                    str(lat["n"]),
                    fmt(lat["p50"], ".3f"),
                    fmt(lat["p99"], ".3f"),
                    ratio("p50"),
                    ratio("p99"),
                    "" if same_proc else f"{src['source_in_top5']:.0%}",
                    save,
                    load,
                    start,
                    first,
                ]
            )
    print_table(headers, rows)
    print(
        "in top-5: the question's source passage among the 5 hits. ours = query + "
        "search(k=5) + covers(hits[0]); scatter-add = Index.bm25_scores + top-5; bm25s = "
        "retrieve(k=5, n_threads=0), method bm25+; rank-bm25 = BM25Plus.get_scores + top-5"
    )
    if store_available:
        print(
            "save/load: bot.store write_index / read_index (a temp dir, page cache warm); start-up = "
            "fresh process spawned to index loaded (interpreter, imports, read_index); 1st answer = "
            "spawned to first question answered"
        )
        for size, r in results["sizes"].items():
            ld = r.get("load", {})
            if "checked" in ld:
                print(
                    f"  {label(size)}: the loaded index gave the built index's hits on "
                    f"{ld['same_hits']}/{ld['checked']} questions; saved {r['ours'].get('saved_mb', 0):.0f} MB, "
                    f"loaded process RSS {ld['rss_mb']:.0f} MB"
                )
    else:
        print("saved index: not available (bot.store.write_index/read_index not found)")

    print()
    print("Our question time by stage (ms)")
    rows = []
    for size, r in results["sizes"].items():
        o = r["ours"]
        if "error" in o:
            continue
        for name, key in (
            ("query (analysis + typo look-ups)", "query_stage"),
            ("search (BM25 + evidence + re-rank)", "search_stage"),
            ("covers (confidence rule)", "covers_stage"),
            ("total, questions with typo/unknown word", "latency_typo_or_unknown"),
            ("total, questions from real-text passages", "latency_real"),
            ("total, questions from Zipf passages", "latency_zipf"),
            ("  diagnostic: BM25 top-40 alone (Index.top_bm25)", "top_bm25_stage"),
        ):
            s = o.get(key) or {"n": 0}
            if not s["n"]:
                continue
            rows.append(
                [
                    label(size),
                    name,
                    str(s["n"]),
                    fmt(s.get("p50"), ".3f"),
                    fmt(s.get("p99"), ".3f"),
                    fmt(s.get("max"), ".3f"),
                ]
            )
        ev = o.get("evidence_stage") or {"n": 0}
        if ev["n"]:
            rows.append(
                [
                    label(size),
                    "  diagnostic: search minus BM25 top-40 (evidence, re-rank)",
                    str(ev["n"]),
                    fmt(ev["p50"], ".3f"),
                    fmt(ev["p99"], ".3f"),
                    fmt(ev["max"], ".3f"),
                ]
            )
        if o.get("postings"):
            pst = o["postings"]
            rows.append(
                [
                    label(size),
                    "  postings of its known terms (sum of df; before any pruning)",
                    "",
                    f"{pst['p50']:,.0f}",
                    f"{pst['p99']:,.0f}",
                    f"{pst['max']:,}",
                ]
            )
        rows.append([label(size), "answered (covers rule true)", "", f"{o['answered']:.0%}", "", ""])
    print_table(["corpus", "stage", "n", "p50", "p99", "max"], rows)

    if "typo" in results:
        t = results["typo"]
        print()
        print("Typo look-ups (bot.text.TypoIndex, lookup(word, limit=1))")
        if "error" in t:
            print(t["error"])
        else:
            lat = t["latency"]
            o = t["outcome"]
            found = "  ".join(
                f"{e} edit{'s' * (e > 1)}: {o[str(e)]['recovered']}/{o[str(e)]['other']}/{o[str(e)]['none']}"
                for e in (1, 2)
            )
            print_table(
                [
                    "vocabulary",
                    "build s",
                    "peak-before MB",
                    "probes",
                    "p50 ms",
                    "p99 ms",
                    "max ms",
                    "original/other word/none",
                ],
                [
                    [
                        f"{t['words']:,}",
                        fmt(t["build_s"]),
                        fmt(t["peak_mb"] - t["rss_before_mb"], ".0f"),
                        str(t["probes"]),
                        fmt(lat["p50"], ".3f"),
                        fmt(lat["p99"], ".3f"),
                        fmt(lat["max"], ".3f"),
                        found,
                    ]
                ],
            )
            print(
                "probes: a vocabulary word of 6+ letters with 1 random edit (delete, insert, substitute, "
                'transpose), or 1-2 edits when it has 10+ letters; "other word" = a different '
                "vocabulary word at the same or a smaller distance"
            )
    if "check" in results:
        c = results["check"]
        print()
        if "error" in c:
            print(f"same-model check: {c['error']}")
        else:
            print(
                f"same-model check ({label(min(s for s in results['sizes'] if s <= 100_000))}, "
                f"{c['questions']} questions): top-5 equal to rank-bm25 BM25Plus: ours "
                f"{c['ours_top5_equal']}/{c['questions']} (max relative score difference "
                f"{c['ours_max_rel_diff']:.1e}), bm25s {c['bm25s_top5_equal']}/{c['questions']}"
            )
    targets(results)
    loads = [
        r.get("loadavg_after")
        for rs in results["sizes"].values()
        for r in rs.values()
        if isinstance(r, dict) and r.get("loadavg_after") is not None
    ]
    if loads:
        print(
            f"\n1-minute load average after each worker: {min(loads):.2f}..{max(loads):.2f} "
            f"(the worker itself counts ~1; more means other work shared the {env['cpus']} CPUs: "
            f"expect noisier p99)"
        )
    if results.get("bot_digest_after") != env["bot_digest"]:
        print("WARNING: bot/ sources changed while the benchmark ran; rows may mix code versions")
    print(f"total benchmark time {results['total_s']:.0f} s")


def targets(results: dict) -> None:
    rows = []

    def add(name: str, value, limit, unit: str, ok=None):
        if value is None:
            rows.append([name, "-", f"{limit}", "not measured"])
            return
        ok = value <= limit if ok is None else ok
        rows.append([name, f"{value:.2f} {unit}", f"{limit} {unit}", "ok" if ok else "MISS"])

    sizes = results["sizes"]
    for size, p50, p99, build, peak in ((100_000, None, 5, 10, 1536), (1_000_000, 10, 25, 90, 8192)):
        r = sizes.get(size)
        if not r or "error" in r.get("ours", {"error": 1}):
            continue
        o = r["ours"]
        if p50 is None:
            b = r.get("bm25s", {}).get("latency", {})
            if b.get("p50"):
                add(f"{label(size)} p50 <= bm25s p50", o["latency"]["p50"], round(b["p50"], 3), "ms")
        else:
            add(f"{label(size)} p50", o["latency"]["p50"], p50, "ms")
        add(f"{label(size)} p99", o["latency"]["p99"], p99, "ms")
        add(f"{label(size)} build", o["build_s"], build, "s")
        add(f"{label(size)} peak RSS (whole process)", o["peak_mb"], peak, "MB")
        if size == 1_000_000:
            ld = r.get("load", {})
            add("1M start-up from saved index", ld.get("startup_s"), 5, "s")
    t = results.get("typo", {})
    if t.get("latency"):
        add(f"typo look-up p99 ({t['words']:,} words)", t["latency"]["p99"], 2, "ms")
    if rows:
        print()
        print("Targets (ours)")
        print_table(["target", "measured", "limit", ""], rows)


if __name__ == "__main__":
    sys.exit(main())
