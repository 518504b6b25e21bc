"""Small PDFs written by hand for reader tests: Helvetica text, one line per Tj."""

from __future__ import annotations


def _string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def _spans(text: str, size: int) -> str:
    """A line's `backticked` parts in Courier, the rest in Helvetica, one Tj each."""
    ops = []
    for i, part in enumerate(text.split("`")):
        if part:
            ops.append(f"/F{2 if i % 2 else 1} {size} Tf {_string(part)} Tj")
    return " ".join(ops)


# A pdfTeX subset: widths for every code (500 at 32, T1's visible space), no space glyph.
_TEX_DESCRIPTOR = (
    b"<< /Type /FontDescriptor /FontName /HKMUDZ+TeXGyreTermes-Regular /Flags 4 /FontBBox [0 -220 1000 900]"
    b" /ItalicAngle 0 /Ascent 700 /Descent -220 /CapHeight 660 /StemV 80"
    b" /CharSet (/A/B/C/D/E/F/G/H/I/J/K/L/M/N/O/P/Q/R/S/T/U/V/W/X/Y/Z/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q/r/s/t/u/v/w/x/y/z"
    b"/comma/period/hyphen/colon) >>"
)


def _tex_font(descriptor: int) -> bytes:
    widths = " ".join(["500"] * 95)  # codes 32-126
    return (
        f"<< /Type /Font /Subtype /Type1 /BaseFont /HKMUDZ+TeXGyreTermes-Regular /FirstChar 32 /LastChar 126"
        f" /Widths [{widths}] /FontDescriptor {descriptor} 0 R /Encoding /WinAnsiEncoding >>"
    ).encode()


def make_pdf(
    pages: list[list[str | tuple[str, int]]],
    title: str | None = None,
    x: dict[str, int] | None = None,
    beside: frozenset[str] = frozenset(),
    code_spans: bool = False,
    steps: dict[int, int] | None = None,
    cells: frozenset[str] = frozenset(),
    bold: frozenset[str] = frozenset(),
    mono_font: str = "Courier",
    tex_gaps: bool = False,
) -> bytes:
    """A PDF whose pages show the given lines top-down, 14 points apart ("" = an empty
    line's worth of space; (text, size) = a line in another font size than 11; (text, 0) =
    a line in 10-point Courier). `x` moves lines starting with a key that many points right;
    lines in `beside` stand on the previous line's baseline (move them right with `x`); with
    `code_spans`, `backticked` parts of a line are set in Courier of the line's size; `steps`
    puts a line of that size (0 = Courier) so many points below the one before instead of 14;
    lines in `cells` stand on the previous line's baseline too, but pypdf gives them as lines
    of their own, like a table's cells; lines in `bold` are set in Helvetica-Bold; `mono_font`
    names the monospaced font (as TeX's "t1xtt"); with `tex_gaps`, the text font is a subset as
    pdfTeX writes it, without a space glyph but with 500 units at code 32 (T1's "␣"), and a
    line's words stand 200 thousandths of an em apart in one TJ, as in a tight justified line."""
    objects: list[bytes] = []
    n_pages = len(pages)
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(b"")  # the page tree, once the pages' numbers are known
    if tex_gaps:
        objects.append(_tex_font(descriptor=5))  # (after Courier, object 4)
    else:
        objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objects.append(f"<< /Type /Font /Subtype /Type1 /BaseFont /{mono_font} /Encoding /WinAnsiEncoding >>".encode())
    font_ids = {"/F1": 3, "/F2": 4}
    if tex_gaps:
        objects.append(_TEX_DESCRIPTOR)
    if bold:
        objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>")
        font_ids["/F3"] = len(objects)
    first_page = len(objects) + 1
    page_ids = [first_page + 2 * i for i in range(n_pages)]
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects[1] = f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode()
    fonts = " ".join(f"{name} {number} 0 R" for name, number in font_ids.items())
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 740 Td"]
        for line in lines:
            text, size = (line, 11) if isinstance(line, str) else line
            font = "/F3" if text in bold else "/F1" if size else "/F2"
            if text in beside and ops[-1] == "T*":
                ops.pop()
            if text in cells and ops[-1] == "T*":
                ops.append("0 14 Td")  # down a line and back up: a new line on the same baseline
            if text and size in (steps or {}) and ops[-1] == "T*":
                ops[-1] = f"0 {-(steps or {})[size]} Td"
            shift = next((dx for start, dx in (x or {}).items() if text.startswith(start)), 0)
            if text:
                move = f"{shift} 0 Td " if shift else ""
                back = f" {-shift} 0 Td" if shift else ""
                shown = _spans(text, size) if code_spans and size else f"{font} {size or 10} Tf {_string(text)} Tj"
                if tex_gaps and font == "/F1" and size:
                    shown = f"/F1 {size} Tf [{'-200'.join(_string(w) for w in text.split())}] TJ"
                ops.append(f"{move}{shown}{back}")
            ops.append("T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("cp1252")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << {fonts} >> >> /Contents {page_ids[i] + 1} 0 R >>".encode()
        )
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream")
    info_id = None
    if title is not None:
        objects.append(f"<< /Title {_string(title)} >>".encode("latin-1"))
        info_id = len(objects)
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    info = f" /Info {info_id} 0 R" if info_id else ""
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R{info} >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)
