"""Jinja2 rendering of the report pages, figures inlined, pages written atomically."""

from __future__ import annotations

import base64
import io
import math
import os
from pathlib import Path

from jinja2 import Environment, PackageLoader, select_autoescape

from .. import __version__

_ENV: Environment | None = None


def environment() -> Environment:
    """The templates of ``optimiser/reports/templates`` (HTML autoescaped), with the number filters."""
    global _ENV
    if _ENV is None:
        _ENV = Environment(loader=PackageLoader("optimiser.reports", "templates"), autoescape=select_autoescape(),
                           trim_blocks=True, lstrip_blocks=True)
        _ENV.filters["num"] = number
        _ENV.filters["pct"] = percent
        _ENV.globals["package_version"] = __version__
    return _ENV


def render(template: str, **context) -> str:
    """The page ``template`` rendered with ``context``."""
    return environment().get_template(template).render(**context)


def number(value, digits: int = 4) -> str:
    """A number for a table: ``digits`` significant figures with thousands separators; '-' for none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return str(value)
    if value != 0 and abs(value) >= 10 ** digits:
        return f"{value:,.0f}"
    return f"{value:,.{digits}g}"


def percent(value, digits: int = 1) -> str:
    """A fraction as a percentage; '-' for none."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{100 * value:.{digits}f} %"


def png_uri(data: bytes) -> str:
    """``data:`` URI of PNG bytes, for an ``<img src>`` that needs no file and no network."""
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def figure_png(fig, dpi: int = 90) -> str:
    """A matplotlib figure as a PNG ``data:`` URI (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi)
    plt.close(fig)
    return png_uri(buffer.getvalue())


def figure_svg(fig) -> str:
    """A matplotlib figure as inline SVG markup (the figure is closed)."""
    import matplotlib.pyplot as plt

    buffer = io.StringIO()
    fig.savefig(buffer, format="svg")
    plt.close(fig)
    text = buffer.getvalue()
    return text[text.index("<svg"):]


def write_page(path: str | Path, html: str) -> Path:
    """Write ``html`` to ``path`` atomically (a temporary sibling renamed into place)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, path)
    return path
