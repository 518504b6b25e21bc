"""No string a member can type crashes the answer engine or the JSON output."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.__main__ import answer_json

questions = st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=("Cf", "Zs", "So", "Sk", "Mn", "Po")), max_size=50),
    st.lists(
        st.sampled_from(
            [
                "why",
                "Ramstein",
                "NATO",
                "?",
                "**",
                "<@1>",
                "@everyone",
                "\u200b",
                "🚀",
                "rumstien",
                "Stoltenbreg",
                "`",
                "\n",
                "ß",
                "İ",
            ]
        ),
        max_size=30,
    ).map(" ".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(q=questions)
def test_ask_never_raises(engine, q):
    a = engine.ask(q)
    # An answer cites something; confidence is a share of the question's words.
    assert not a.answered or (a.results and a.best is a.results[0])
    assert 0.0 <= a.confidence <= 1.0
    for r in a.results:
        assert r.citation.paragraph >= 1
        for x, y in r.snippet.highlights:
            assert 0 <= x < y <= len(r.snippet.text)
    json.dumps(answer_json(a))
    if a.results:
        a.best.snippet.markdown()
