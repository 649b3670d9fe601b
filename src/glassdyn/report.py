"""One self-contained ``report.html`` of a run folder: every figure (embedded as data URIs), every
summary table (``*.md``), the paper-claims table and the provenance of the files, readable offline.

``write_report(folder)`` walks the folder: the top level first (``claims.md``), then each subfolder
that holds figures or tables (the GlassMLP evaluation, the shipped-store part, the collective
route, analyses), in a fixed order where known.
"""
from __future__ import annotations

import base64
import html
import json
from pathlib import Path

from . import __version__

__all__ = ["write_report"]

#: section titles of the folders the demo writes; others take their path as title
_TITLES = {
    ".": "Seed claims (GlassMLP, Jung et al. 2023)",
    "figures": "GlassMLP route: fresh simulation, test configurations",
    "ka2d-T0.45/figures": "GlassMLP route: shipped KA2D T = 0.45 store",
    "collective": "Collective route (Ciarella et al. 2023): FsMLP and MCT",
}

_STYLE = """body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}
h1{font-size:1.6em}h2{font-size:1.25em;border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}
table{border-collapse:collapse;margin:1em 0;font-size:.85em}td,th{border:1px solid #bbb;padding:.25em .5em}
th{background:#f0f0f0}img{max-width:100%;display:block;margin:1em 0;border:1px solid #eee}
pre{background:#f7f7f7;padding:.6em;overflow-x:auto;font-size:.8em}.caption{color:#555;font-size:.85em}"""


def _inline(text: str) -> str:
    """Escape, then `code` spans."""
    parts = html.escape(text).split("`")
    return "".join(f"<code>{p}</code>" if i % 2 else p for i, p in enumerate(parts))


def markdown_to_html(text: str) -> str:
    """The Markdown glassdyn writes: pipe tables, '- ' lists, '#' headings, paragraphs; HTML comments
    (the provenance block) are dropped."""
    out, table, items = [], [], []

    def flush():
        if table:
            rows = [r.strip().strip("|").split("|") for r in table if not set(r.replace("|", "").strip()) <= set("-: ")]
            head, body = rows[0], rows[1:]
            out.append("<table><tr>" + "".join(f"<th>{_inline(c.strip())}</th>" for c in head) + "</tr>"
                       + "".join("<tr>" + "".join(f"<td>{_inline(c.strip())}</td>" for c in r) + "</tr>" for r in body)
                       + "</table>")
            table.clear()
        if items:
            out.append("<ul>" + "".join(f"<li>{_inline(i)}</li>" for i in items) + "</ul>")
            items.clear()

    for line in text.splitlines():
        s = line.strip()
        if s.startswith("<!--"):
            continue
        if s.startswith("|"):
            table.append(s)
            continue
        if s.startswith("- "):
            items.append(s[2:])
            continue
        flush()
        if s.startswith("#"):
            level = min(len(s) - len(s.lstrip("#")) + 2, 6)
            out.append(f"<h{level}>{_inline(s.lstrip('#').strip())}</h{level}>")
        elif s:
            out.append(f"<p>{_inline(s)}</p>")
    flush()
    return "\n".join(out)


def _image(path: Path) -> str:
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return (f'<figure><img alt="{html.escape(path.name)}" src="data:image/png;base64,{data}">'
            f'<figcaption class="caption">{html.escape(path.name)}</figcaption></figure>')


def _section_folders(folder: Path) -> list:
    """Folders (relative) holding figures or tables: the known ones in order, then the others."""
    found = {"." if p.parent == folder else str(p.parent.relative_to(folder))
             for p in list(folder.rglob("*.png")) + list(folder.rglob("*.md"))
             if ".units" not in str(p) and p.name != "README.md"}
    known = [k for k in _TITLES if k in found]
    return known + sorted(found - set(known))


def _provenance_rows(folder: Path) -> str:
    from .io.provenance import read_provenance

    rows = []
    for p in sorted(folder.rglob("*")):
        if p.suffix not in (".npz", ".json", ".md", ".h5") or ".units" in str(p) or not p.is_file():
            continue
        try:
            stamp = read_provenance(p)
        except (KeyError, ValueError, OSError):
            continue
        rows.append(f"<tr><td>{html.escape(str(p.relative_to(folder)))}</td><td>{html.escape(str(stamp.get('glassdyn')))}"
                    f"</td><td>{html.escape(str(stamp.get('git')))}</td><td>{html.escape(str(stamp.get('created')))}</td>"
                    f"<td><code>{html.escape(str(stamp.get('command')))}</code></td></tr>")
    if not rows:
        return "<p>No file of this folder carries a glassdyn provenance stamp.</p>"
    return ("<table><tr><th>file</th><th>glassdyn</th><th>git</th><th>created</th><th>command</th></tr>"
            + "".join(rows) + "</table>")


def write_report(folder, out=None, title: str | None = None) -> Path:
    """Write ``report.html`` (default inside ``folder``) and return its path."""
    from .io.atomic import atomic_write_text
    from .io.provenance import provenance, provenance_block

    folder = Path(folder)
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: not a run folder")
    if not any(any(sub.glob(pattern)) for sub in ([folder] + [folder / r for r in _section_folders(folder)])
               for pattern in ("*.md", "*.png")):
        from .errors import InputFileError

        raise InputFileError(f"{folder}: no figures or tables glassdyn wrote (nothing to report)")
    out = Path(out) if out else folder / "report.html"
    parts = [f"<h1>{html.escape(title or f'glassdyn report: {folder.resolve().name}')}</h1>",
             f"<p class=\"caption\">glassdyn {html.escape(__version__)}; every figure and table of "
             f"<code>{html.escape(str(folder.resolve()))}</code>.</p>"]
    for rel in _section_folders(folder):
        sub = folder if rel == "." else folder / rel
        parts.append(f"<h2>{html.escape(_TITLES.get(rel, rel))}</h2>")
        for md in sorted(sub.glob("*.md")):
            if md.name != "README.md":
                parts.append(markdown_to_html(md.read_text()))
        for png in sorted(sub.glob("*.png")):
            parts.append(_image(png))
    summary = folder / "demo_summary.json"
    if summary.exists():
        seconds = json.loads(summary.read_text()).get("seconds", {})
        parts.append("<h2>Run time</h2><p>" + ", ".join(f"{k}: {v:.0f} s" for k, v in seconds.items()) + "</p>")
    parts.append("<h2>Provenance</h2>" + _provenance_rows(folder))
    page = ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{html.escape(title or 'glassdyn report')}</title><style>{_STYLE}</style></head>\n<body>\n"
            + "\n".join(parts) + "\n</body></html>\n")
    atomic_write_text(out, page + provenance_block(provenance(parameters=dict(folder=str(folder.resolve())))))
    return out
