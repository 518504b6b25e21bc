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


def make_pdf(
    pages: list[list[str | tuple[str, int]]],
    title: str | None = None,
    x: dict[str, int] | None = None,
    beside: frozenset[str] = frozenset(),
    code_spans: bool = False,
    steps: dict[int, int] | None = None,
    cells: frozenset[str] = frozenset(),
) -> bytes:
    """A PDF whose pages show the given lines top-down, 14 points apart ("" = an empty
    line's worth of space; (text, size) = a line in another font size than 11; (text, 0) =
    a line in 10-point Courier). `x` moves lines starting with a key that many points right;
    lines in `beside` stand on the previous line's baseline (move them right with `x`); with
    `code_spans`, `backticked` parts of a line are set in Courier of the line's size; `steps`
    puts a line of that size (0 = Courier) so many points below the one before instead of 14;
    lines in `cells` stand on the previous line's baseline too, but pypdf gives them as lines
    of their own, like a table's cells."""
    objects: list[bytes] = []
    n_pages = len(pages)
    page_ids = [5 + 2 * i for i in range(n_pages)]
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    kids = " ".join(f"{i} 0 R" for i in page_ids)
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>")
    for i, lines in enumerate(pages):
        ops = ["BT", "/F1 11 Tf", "14 TL", "72 740 Td"]
        for line in lines:
            text, size = (line, 11) if isinstance(line, str) else line
            font = "/F1" if size else "/F2"
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
                ops.append(f"{move}{shown}{back}")
            ops.append("T*")
        ops.append("ET")
        stream = "\n".join(ops).encode("cp1252")
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
            f"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents {page_ids[i] + 1} 0 R >>".encode()
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
