"""Reader speed and memory: one generated Markdown, one reStructuredText and one HTML file
read into a document tree, each in its own subprocess (peak memory = VmHWM of that process,
measured from just before the read).

    python bench/readers.py [--md-mb 10] [--rst-mb 1] [--html-mb 5] [--sphinx-mb 5] [--seed 1]

The files are generated (seeded) from documentation-like parts: headings at three levels,
paragraphs with emphasis, code spans and links, bullet and numbered lists, fenced code with
blank lines, tables, admonitions; Hugo shortcodes and front matter in the Markdown, Sphinx
roles and directives in the reStructuredText. Prints MB/s and peak memory as a multiple of
the file's size. The .html is the generated Markdown rendered by markdown-it (headings, p,
lists, pre/code, tables) inside <main>; the .htm a Sphinx-like export (sections with ids,
permalinks, reference and literal spans, Pygments code with a span per token, indentation).
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORDS = [
    "install",
    "project",
    "dependency",
    "version",
    "environment",
    "package",
    "lock",
    "file",
    "build",
    "command",
    "option",
    "plugin",
    "repository",
    "source",
    "python",
    "virtual",
    "path",
    "config",
    "cache",
    "update",
    "remove",
    "add",
    "group",
    "extra",
    "script",
    "publish",
    "token",
    "the",
    "a",
    "of",
    "to",
    "and",
    "in",
    "is",
    "for",
    "with",
    "that",
    "it",
]


def _sentence(rng: random.Random, markup: str) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(8, 20))]
    i = rng.randrange(len(words))
    if markup == "md":
        words[i] = rng.choice([f"**{words[i]}**", f"`{words[i]}`", f"[{words[i]}](https://x/{i})"])
    else:
        words[i] = rng.choice([f"**{words[i]}**", f"``{words[i]}``", f":func:`{words[i]}`"])
    return " ".join(words).capitalize() + "."


def _paragraph(rng: random.Random, markup: str) -> str:
    return " ".join(_sentence(rng, markup) for _ in range(rng.randint(2, 6)))


def markdown_text(rng: random.Random, size: int) -> str:
    out = ['---\ntitle: "Generated"\nweight: 1\n---\n\n# Generated\n']
    total = 0
    n = 0
    while total < size:
        n += 1
        level = rng.choice((2, 2, 3, 3, 4))
        parts = [f"{'#' * level} Section {n} {rng.choice(WORDS)}", _paragraph(rng, "md")]
        kind = rng.randrange(6)
        if kind == 0:
            parts.append("\n".join(f"- {_sentence(rng, 'md')}" for _ in range(rng.randint(2, 6))))
        elif kind == 1:
            parts.append('```toml\n[tool.x]\nname = "y"\n\n[tool.x.deps]\npython = "^3.11"\n```')
        elif kind == 2:
            parts.append(
                "| Option | Meaning |\n|---|---|\n"
                + "\n".join(f"| `--{rng.choice(WORDS)}` | {_sentence(rng, 'md')} |" for _ in range(3))
            )
        elif kind == 3:
            parts.append(f'!!! note "Note {n}"\n    {_paragraph(rng, "md")}')
        elif kind == 4:
            parts.append(f"{{{{% warning %}}}}\n{_paragraph(rng, 'md')}\n{{{{% /warning %}}}}")
        else:
            parts.append("\n".join(f"{i}. {_sentence(rng, 'md')}" for i in range(1, 4)))
        block = "\n\n".join(parts) + "\n\n"
        out.append(block)
        total += len(block)
    return "".join(out)


def rst_text(rng: random.Random, size: int) -> str:
    out = ["=========\nGenerated\n=========\n\n"]
    total = 0
    n = 0
    underline = {1: "=", 2: "-", 3: "~"}
    level = 1
    while total < size:
        n += 1
        level = rng.choice([lv for lv in (1, 2, 3) if lv <= level + 1])
        title = f"Section {n} {rng.choice(WORDS)}"
        parts = [f"{title}\n{underline[level] * len(title)}", _paragraph(rng, "rst")]
        kind = rng.randrange(5)
        if kind == 0:
            parts.append("\n".join(f"- {_sentence(rng, 'rst')}" for _ in range(rng.randint(2, 6))))
        elif kind == 1:
            parts.append('.. code-block:: toml\n\n   [tool.x]\n   name = "y"\n\n   python = "^3.11"')
        elif kind == 2:
            parts.append(f".. note::\n\n   {_paragraph(rng, 'rst')}")
        elif kind == 3:
            parts.append(f".. versionadded:: 1.{n}\n   {_sentence(rng, 'rst')}")
        else:
            parts.append("=====  =====\nA      B\n=====  =====\n1      2\n=====  =====")
        block = "\n\n".join(parts) + "\n\n"
        out.append(block)
        total += len(block)
    return "".join(out)


def html_text(rng: random.Random, size: int) -> str:
    from markdown_it import MarkdownIt

    body = MarkdownIt("commonmark").enable("table").render(markdown_text(rng, size))
    return f"<!doctype html><html><head><title>Generated</title></head><body><main>{body}</main></body></html>"


def sphinx_html(rng: random.Random, size: int) -> str:
    """A Sphinx-like page: <section id>, permalinks, reference and literal spans, Pygments
    code (a span per token) and the indentation such exports have."""
    out = ['<!doctype html>\n<html lang="en">\n  <head>\n    <title>Generated</title>\n  </head>\n  <body>\n']
    out.append('    <div class="body" role="main">\n')
    total = n = 0
    while total < size:
        n += 1
        words = [rng.choice(WORDS) for _ in range(rng.randint(20, 60))]
        for i in range(0, len(words), 9):
            w = words[i]
            words[i] = rng.choice(
                [
                    f'<a class="reference internal" href="#s{rng.randrange(n)}"><span class="std std-ref">{w}</span></a>',
                    f'<code class="docutils literal notranslate"><span class="pre">{w}</span></code>',
                    f"<em>{w}</em>",
                ]
            )
        code = "\n".join(
            f'<span class="n">{rng.choice(WORDS)}</span><span class="w"> </span><span class="o">=</span>'
            f'<span class="w"> </span><span class="s2">&quot;{rng.choice(WORDS)}&quot;</span>'
            for _ in range(rng.randint(2, 8))
        )
        block = (
            f'      <section id="s{n}">\n        <h2>Section {n}<a class="headerlink" href="#s{n}" '
            f'title="Link to this heading">\u00b6</a></h2>\n        <p>{" ".join(words).capitalize()}.</p>\n'
            f'        <div class="highlight-toml notranslate"><div class="highlight"><pre><span></span>{code}\n'
            "</pre></div>\n        </div>\n"
            '        <ul class="simple">\n'
            + "".join(f"          <li><p>{rng.choice(WORDS)} item {i}</p></li>\n" for i in range(3))
            + "        </ul>\n      </section>\n"
        )
        out.append(block)
        total += len(block)
    out.append("    </div>\n  </body>\n</html>\n")
    return "".join(out)


_CHILD = """
import resource, sys, time
sys.path.insert(0, {root!r})
from bot.documents.model import ReadOptions, walk_sections
from bot.documents.registry import reader_for
path = {path!r}
data = open(path, "rb").read()
read = reader_for(path[path.rfind("."):])
with open("/proc/self/clear_refs", "w") as f:
    f.write("5")  # reset VmHWM to the current size
t = time.perf_counter()
tree = read(path, data, ReadOptions(timeout_s=3600))
dt = time.perf_counter() - t
hwm = next(int(ln.split()[1]) for ln in open("/proc/self/status") if ln.startswith("VmHWM"))
print(dt, hwm, len(walk_sections(tree.root)))
"""


def measure(path: Path) -> tuple[float, int, int]:
    """(seconds, peak KiB, sections) of reading `path` in a fresh process."""
    out = subprocess.run(
        [sys.executable, "-c", _CHILD.format(root=str(ROOT), path=str(path))],
        capture_output=True,
        text=True,
        check=True,
    )
    dt, hwm, sections = out.stdout.split()
    return float(dt), int(hwm), int(sections)


def baseline_kib() -> int:
    """Peak memory of a process that imported the readers and read nothing."""
    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r});"
        "import bot.documents.readers.markdown, bot.documents.readers.rst, bot.documents.readers.html;"
        "print(next(int(l.split()[1]) for l in open('/proc/self/status') if l.startswith('VmRSS')))"
    )
    return int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--md-mb", type=float, default=10.0)
    ap.add_argument("--rst-mb", type=float, default=1.0)
    ap.add_argument("--html-mb", type=float, default=5.0)
    ap.add_argument("--sphinx-mb", type=float, default=5.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args(argv)
    rng = random.Random(args.seed)
    base = baseline_kib()
    with tempfile.TemporaryDirectory() as tmp:
        runs = (
            (".md", args.md_mb, markdown_text),
            (".rst", args.rst_mb, rst_text),
            (".html", args.html_mb, html_text),
            (".htm", args.sphinx_mb, sphinx_html),
        )
        for suffix, mb, make in runs:
            if mb <= 0:
                continue
            path = Path(tmp) / f"generated{suffix}"
            t = time.perf_counter()
            path.write_text(make(rng, int(mb * 1e6)), encoding="utf-8")
            size = path.stat().st_size
            print(f"{suffix}: generated {size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s")
            dt, hwm, sections = measure(path)
            grown = max(hwm - base, 0) * 1024
            print(
                f"{suffix}: read in {dt:.1f} s ({size / 1e6 / dt:.2f} MB/s), {sections} sections; "
                f"peak {hwm / 1024:.0f} MiB, {grown / 2**20:.0f} MiB over an idle reader process "
                f"({grown / size:.1f}x the file)"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
