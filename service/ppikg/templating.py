"""The Jinja environment of the package's templates (``templates/``): the web pages, the linked-data and error
pages, and the HTML conformance report.

One factory, no module-level environment: the web app builds one when it is created and keeps it
(``app.state.templates``, the same for every request); the report renderer uses the environment it is given,
else builds one (``ppi validate`` renders a single report), so the core never reaches into the web layer.
"""

from __future__ import annotations

from jinja2 import Environment, PackageLoader, select_autoescape


def environment() -> Environment:
    """A new environment over ``templates/``, HTML autoescaped; it compiles each template once, on first use."""
    return Environment(loader=PackageLoader("ppikg", "templates"), autoescape=select_autoescape(["html"]))
