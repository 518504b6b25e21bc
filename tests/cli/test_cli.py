from __future__ import annotations

import io
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bot.__main__ import build_parser, main
from tests.conftest import KNOWLEDGE, ROOT

RESULT_KEYS = {
    "document": str,
    "title": str,
    "paragraph": int,
    "score": float,
    "text": str,
    "snippet": str,
    "section": list,
    "url": (str, type(None)),
}


def run_cli(args, stdin_text="", cwd=ROOT):
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin_text,
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SEMANTIC_MODEL": "off"},
    )
    return proc


def test_ask_json_schema_from_stdin(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("why Ramstein?\n\nHuawei P40 Pro camera review\nlol\n"))
    out = io.StringIO()
    assert main(["ask", "--json", "--top-k", "2", "--knowledge", str(KNOWLEDGE), "-"], out=out) == 0
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [obj["question"] for obj in lines] == ["why Ramstein?", "Huawei P40 Pro camera review", "lol"]
    for obj in lines:
        assert set(obj) == {"question", "answered", "results"}
        assert isinstance(obj["answered"], bool)
        assert len(obj["results"]) <= 2
        for r in obj["results"]:
            assert set(r) == set(RESULT_KEYS)
            for key, typ in RESULT_KEYS.items():
                assert isinstance(r[key], typ), key
    first = lines[0]
    assert first["answered"] and first["results"][0]["paragraph"] == 3
    assert first["results"][0]["document"] == "nato-space-center-ramstein.txt"
    assert "two considerations" in first["results"][0]["snippet"]
    assert "**" not in first["results"][0]["snippet"]  # plain text in JSON
    assert first["results"][0]["section"] == [] and first["results"][0]["url"] is None  # no headings, no site
    assert lines[1] == {"question": "Huawei P40 Pro camera review", "answered": False, "results": []}
    assert not lines[2]["answered"]


def test_unanswered_json_still_lists_candidates():
    out = io.StringIO()
    assert main(["ask", "--json", "--knowledge", str(KNOWLEDGE), "what time is it in tokyo"], out=out) == 0
    obj = json.loads(out.getvalue())
    assert obj["answered"] is False and 1 <= len(obj["results"]) <= 3


def test_ask_prints_cited_answer():
    proc = run_cli(["ask", "--knowledge", str(KNOWLEDGE), "why Ramstein?"])
    assert proc.returncode == 0, proc.stderr
    flat = " ".join(proc.stdout.replace("│", " ").split())  # undo the box's line wrapping
    assert "· ¶3" in flat and "two considerations" in flat


def test_ask_reads_hidden_mentions_as_no_words(monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("why Ramstein?\n@\u200beveryone <@123> why Ramstein?\n"))
    out = io.StringIO()
    assert main(["ask", "--json", "--knowledge", str(KNOWLEDGE), "-"], out=out) == 0
    plain, pinged = (json.loads(line) for line in out.getvalue().splitlines())
    assert pinged["question"] == "why Ramstein?" and pinged["results"] == plain["results"]


def test_missing_knowledge_dir_is_one_clear_line(tmp_path: Path):
    proc = run_cli(["ask", "--knowledge", str(tmp_path / "missing"), "why?"])
    assert proc.returncode == 2
    assert "missing" in proc.stderr and "does not exist" in proc.stderr
    # ... and says what to do: a newcomer started it from another folder, or has none yet.
    assert "KNOWLEDGE_DIR" in proc.stderr and "--knowledge" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_knowledge_path_that_is_a_file_says_what_to_do(tmp_path: Path):
    (tmp_path / "notes.txt").write_text("hello")
    proc = run_cli(["ask", "--knowledge", str(tmp_path / "notes.txt"), "why?"])
    assert proc.returncode == 2 and "is not a directory" in proc.stderr
    assert "KNOWLEDGE_DIR" in proc.stderr and "Traceback" not in proc.stderr


def test_empty_knowledge_dir_is_one_clear_line(tmp_path: Path):
    proc = run_cli(["ask", "--json", "--knowledge", str(tmp_path), "why?"])
    assert proc.returncode == 2 and str(tmp_path) in proc.stderr and "Traceback" not in proc.stderr


def test_eval_prints_figures_and_misses(tmp_path: Path):
    qfile = tmp_path / "q.jsonl"
    qfile.write_text(
        "\n".join(
            json.dumps(x)
            for x in [
                {"q": "why Ramstein?", "paras": [3], "gold": "two considerations"},
                {"q": "why Ramstein?", "paras": [5], "gold": "nothing"},
                {"q": "lol", "paras": [], "gold": None},
            ]
        )
    )
    out = io.StringIO()
    assert main(["eval", "--knowledge", str(KNOWLEDGE), str(qfile)], out=out) == 0
    text = out.getvalue()
    for name in ("hit@1", "hit@3", "MRR", "snippet contains gold", "unanswerable rejected", "false rejections"):
        assert name in text
    assert "hit@1                    0.500" in text
    assert "misses (1)" in text and "expected ¶5" in text


def test_eval_bad_file_is_clear(tmp_path: Path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json}\n")
    proc = run_cli(["eval", "--knowledge", str(KNOWLEDGE), str(bad)])
    assert proc.returncode == 2 and "bad.jsonl:1" in proc.stderr


@pytest.mark.parametrize("line", ['["why Ramstein?", 3]', '"why Ramstein?"', "42", "null"])
def test_eval_line_that_is_json_but_no_object_is_clear(tmp_path: Path, line: str):
    """A list or a bare string on a line was an AttributeError traceback ('list' object
    has no attribute 'get'); it is the same one line as any other malformed entry."""
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"q": "why Ramstein?", "paras": [3]}\n' + line + "\n")
    proc = run_cli(["eval", "--knowledge", str(KNOWLEDGE), str(bad)])
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "bad.jsonl:2: not a question entry" in proc.stderr and '"q"' in proc.stderr


@pytest.mark.parametrize(
    ("line", "field"),
    [
        ('{"q": "why Ramstein?", "paras": [3], "gold": ["two considerations"]}', "gold"),
        ('{"q": "why Ramstein?", "paras": [3], "gold": 5}', "gold"),
        ('{"q": null, "paras": [3]}', "q"),
    ],
)
def test_eval_field_of_the_wrong_type_is_clear(tmp_path: Path, line: str, field: str):
    """A gold that is not text was an AttributeError traceback ('list' object has no
    attribute 'casefold') after every question had been asked; a null q was asked as "None"."""
    bad = tmp_path / "bad.jsonl"
    bad.write_text(line + "\n")
    proc = run_cli(["eval", "--knowledge", str(KNOWLEDGE), str(bad)])
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "bad.jsonl:1: not a question entry" in proc.stderr and f'"{field}" must be' in proc.stderr


def test_top_k_out_of_range():
    assert main(["ask", "--top-k", "0", "why"]) == 2


def test_ask_json_stdin_with_invalid_utf8_bom_and_crlf():
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "ask", "--json", "--knowledge", str(KNOWLEDGE), "-"],
        input=b"\xef\xbb\xbfwhy Ramstein?\r\nbad \xff byte\r\n",
        capture_output=True,
        cwd=ROOT,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "SEMANTIC_MODEL": "off", "PYTHONIOENCODING": "utf-8"},
    )
    assert proc.returncode == 0, proc.stderr
    lines = [json.loads(line) for line in proc.stdout.decode("utf-8").splitlines()]
    assert [x["question"] for x in lines] == ["why Ramstein?", "bad \ufffd byte"]


def test_ask_json_gives_heading_path_and_deep_link(tmp_path):
    (tmp_path / "kb.toml").write_text('base_url = "https://docs.example.org/"\nurl_style = "mkdocs"\n')
    (tmp_path / "advanced").mkdir()
    (tmp_path / "advanced" / "ssl.md").write_text(
        "# SSL\n\n## Client side certificates\n\nClient certificates are read from the keystore folder.\n"
    )
    out = io.StringIO()
    assert (
        main(["ask", "--json", "--knowledge", str(tmp_path), "where are client certificates read from"], out=out) == 0
    )
    r = json.loads(out.getvalue())["results"][0]
    assert r["section"] == ["Client side certificates"]
    assert r["url"] == "https://docs.example.org/advanced/ssl/#client-side-certificates"


def test_index_reports_build_and_save_times(tmp_path: Path):
    kdir = tmp_path / "knowledge"
    kdir.mkdir()
    (kdir / "only.txt").write_text("Only\n\nOne paragraph about the space center.\n", encoding="utf-8")
    out = io.StringIO()
    assert main(["index", "--knowledge", str(kdir)], out=out) == 0
    text = out.getvalue()
    m = re.fullmatch(
        r"built the index of 1 document, 1 paragraph in (\d+\.\d) s; "
        r"saved it to (.+) in (\d+\.\d) s\n",
        text,
    )
    assert m, text
    assert Path(m.group(2)) == tmp_path / ".kb-cache" / "knowledge"
    out = io.StringIO()
    assert main(["index", "--knowledge", str(kdir)], out=out) == 0
    assert out.getvalue().startswith("the saved index of 1 document, 1 paragraph in ")
    assert f"is up to date (built in {m.group(1)} s)" in out.getvalue()


def test_gaps_command_prints_grouped_gaps_and_writes_csv(tmp_path, monkeypatch):
    from bot.app import App
    from bot.config import Settings
    from bot.outcomes import Actor
    from bot.service import KnowledgeService

    data = tmp_path / "data"
    settings = Settings(knowledge_dir=KNOWLEDGE, data_dir=data)
    app = App(KnowledgeService.open(KNOWLEDGE), settings)
    for q in ("Where do I park my car?", "where can I park my car", "what is the wifi password?", "why Ramstein?"):
        app.ask(Actor(1), q, app.new_key(), rate_limit=False)
    app.store.close()
    monkeypatch.setenv("DATA_DIR", str(data))
    out = io.StringIO()
    csv_file = tmp_path / "gaps.csv"
    assert main(["gaps", "--days", "30", "--csv", str(csv_file)], out=out) == 0
    text = out.getvalue()
    assert text.startswith("Knowledge gaps, last 30 days: 2 gaps from 3 questions")
    assert "where can I park my car" in text and "2 times (2 unanswered, 0 👎)" in text
    assert "also: Where do I park my car?" in text and "Ramstein" not in text
    assert f"wrote 2 gaps to {csv_file}" in text
    rows = csv_file.read_text(encoding="utf-8").splitlines()
    assert rows[0].startswith("question,count,") and len(rows) == 3


def test_gaps_command_with_an_unusable_data_dir_is_one_line(tmp_path):
    blocker = tmp_path / "data"
    blocker.write_text("not a folder")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "gaps"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "DATA_DIR": str(blocker)},
    )
    assert proc.returncode == 2 and proc.stdout == ""
    assert proc.stderr.startswith("error: cannot read the question log") and proc.stderr.count("\n") == 1


def test_top_k_has_one_range_with_the_setting():
    from bot.config import TOP_K_MAX, ConfigError, Settings

    assert main(["ask", "--top-k", str(TOP_K_MAX + 1), "why"]) == 2
    with pytest.raises(ConfigError):
        Settings.from_env({"TOP_K": str(TOP_K_MAX + 1)})
    assert Settings.from_env({"TOP_K": str(TOP_K_MAX)}).top_k == TOP_K_MAX
    out = io.StringIO()
    assert (
        main(["ask", "--json", "--top-k", str(TOP_K_MAX), "--knowledge", str(KNOWLEDGE), "why Ramstein?"], out=out) == 0
    )


def test_relative_knowledge_dir_error_names_the_absolute_path(tmp_path: Path):
    proc = run_cli(["ask", "--knowledge", "no-such-folder", "why?"], cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert str(tmp_path / "no-such-folder") in proc.stderr


def test_log_lines_cannot_carry_terminal_escapes(monkeypatch):
    # A file name is logged as it is ("skipped x.md: ..."): one holding an escape sequence
    # would run in the admin's terminal.
    import logging

    from bot.__main__ import _setup_logging

    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    err = io.StringIO()
    monkeypatch.setattr(sys, "stderr", err)
    try:
        _setup_logging("WARNING")
        logging.getLogger("bot.documents.loader").warning("skipped %s: %s", "a\x1b]0;owned\x07\x1b[2Jb.md", "empty")
    finally:  # later tests must not log to this test's stream
        root.handlers[:], root.level = saved[0], saved[1]
    text = err.getvalue()
    assert "skipped ab.md: empty" in text and "\x1b" not in text and "\x07" not in text


def test_no_command_lists_the_commands_and_how_to_begin():
    """`python -m bot` alone: the commands with one line each and README's two to begin with,
    not argparse's "the following arguments are required"; still exit status 2."""
    proc = run_cli([])
    assert proc.returncode == 2 and proc.stdout == ""
    assert "required" not in proc.stderr and "Traceback" not in proc.stderr
    commands = {line.split()[0] for line in proc.stderr.split("commands:\n")[1].split("\n\n")[0].splitlines()}
    parser_commands = {
        name for action in build_parser()._actions if action.dest == "command" for name in action.choices or ()
    }
    assert commands == parser_commands == {"start", "run", "console", "ask", "eval", "index", "gaps"}
    assert "make run" in proc.stderr and "python -m bot start" in proc.stderr
    assert "python -m bot console" in proc.stderr
    # A command still works, and a wrong one is still argparse's error.
    assert main(["gaps", "--days", "0"]) == 2
    assert run_cli(["nonsense"]).returncode == 2
