"""Logistic regression in plain numpy: fitted by Newton's method (IRLS) with a small L2
penalty on standardised features. About ten weights need no library; scikit-learn would
be a heavy dependency for one dot product at question time."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Logistic:
    """p = sigmoid(bias + sum(w_i * (x_i - mean_i) / scale_i))."""

    features: tuple[str, ...]
    weights: tuple[float, ...]
    bias: float
    mean: tuple[float, ...]
    scale: tuple[float, ...]

    def probability(self, x: Sequence[float]) -> float:
        z = self.bias + sum(w * (v - m) / s for w, v, m, s in zip(self.weights, x, self.mean, self.scale))
        return float(1.0 / (1.0 + np.exp(-np.clip(z, -30, 30))))

    def probabilities(self, X: np.ndarray) -> np.ndarray:
        z = self.bias + ((X - np.array(self.mean)) / np.array(self.scale)) @ np.array(self.weights)
        return 1.0 / (1.0 + np.exp(-np.clip(z, -30, 30)))

    def to_json(self) -> dict:
        return {
            "features": list(self.features),
            "weights": list(self.weights),
            "bias": self.bias,
            "mean": list(self.mean),
            "scale": list(self.scale),
        }

    @classmethod
    def from_json(cls, data: dict) -> Logistic:
        n = len(data["features"])
        fields = (data["weights"], data["mean"], data["scale"])
        if any(len(f) != n for f in fields):
            raise ValueError("answerability model: feature and weight counts differ")
        return cls(
            tuple(data["features"]),
            tuple(map(float, data["weights"])),
            float(data["bias"]),
            tuple(map(float, data["mean"])),
            tuple(max(float(s), 1e-9) for s in data["scale"]),
        )


def fit(
    features: Sequence[str],
    X: np.ndarray,
    y: np.ndarray,
    sample_weight: np.ndarray | None = None,
    l2: float = 1e-3,
    iterations: int = 50,
) -> Logistic:
    """Maximum-likelihood weights (with an L2 penalty) for labels y in {0, 1}."""
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.float64)
    sw = np.ones(len(y)) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
    mean = np.average(X, axis=0, weights=sw)
    scale = np.sqrt(np.average((X - mean) ** 2, axis=0, weights=sw))
    scale[scale < 1e-9] = 1.0
    Z = np.hstack([np.ones((len(y), 1)), (X - mean) / scale])
    w = np.zeros(Z.shape[1])
    reg = np.full(Z.shape[1], l2 * sw.sum())
    reg[0] = 0.0  # the bias is not penalised
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(Z @ w, -30, 30)))
        grad = Z.T @ (sw * (p - y)) + reg * w
        hess = (Z * (sw * p * (1 - p))[:, None]).T @ Z + np.diag(reg)
        step = np.linalg.solve(hess, grad)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return Logistic(
        tuple(features),
        tuple(float(v) for v in w[1:]),
        float(w[0]),
        tuple(float(v) for v in mean),
        tuple(float(v) for v in scale),
    )
