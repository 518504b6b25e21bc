"""Safe Markdown inline text: escaping and the way back to plain text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.documents.inline import escape, to_plain

_TEXT = st.text(alphabet=st.sampled_from(list("ab \\*`_#<>()[]\n\r\t") + ["\u00a0", "é"]))


@settings(max_examples=300, deadline=None)
@given(_TEXT)
def test_escaped_text_comes_back_as_itself_with_spaces_folded(text):
    assert to_plain(escape(text)) == " ".join(text.split())


def test_escapes_are_undone_and_markers_dropped():
    assert to_plain(r"a \(b\) \\c") == r"a (b) \c"
    assert to_plain("**bold** and `co\\de`") == "bold and co\\de"
    assert to_plain("trailing \\") == "trailing \\"
    assert to_plain("line\\\nnext") == "line\\ next"


def test_every_markdown_special_character_is_escaped():
    assert escape(r"a*b_c`d~e|f>g[h]i(j)k#l<m\n") == r"a\*b\_c\`d\~e\|f\>g\[h\]i\(j\)k\#l\<m\\n"
    assert escape("plain words, 3.5 @here") == "plain words, 3.5 @here"
