"""Rendering e-mail templates in jinja2's sandbox, checking them, and making the HTML part.

Templates see plain dicts built by the merge sources (`merge_fields`), never a model: the
sandbox refuses attribute tricks (`__class__`, `mro`) and there is nothing else to reach.
"""

import re
from dataclasses import dataclass

from django.utils.html import escape
from django.utils.translation import gettext as _
from jinja2 import ChainableUndefined, TemplateSyntaxError, nodes
from jinja2.sandbox import SandboxedEnvironment

from rapport.messaging.merge_fields import GLOBAL_FIELDS, merge_sources

_environment = SandboxedEnvironment(
    autoescape=False, undefined=ChainableUndefined, keep_trailing_newline=True
)
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


@dataclass(frozen=True)
class TemplateProblem:
    line: int
    message: str


def template_problems(source: str) -> list[TemplateProblem]:
    """What is wrong with one template text: a syntax error, or merge fields nobody provides."""
    try:
        tree = _environment.parse(source)
    except TemplateSyntaxError as exc:
        return [
            TemplateProblem(exc.lineno or 1, _("Syntax error: %(error)s") % {"error": exc.message})
        ]
    sources = merge_sources()
    problems = []
    assigned = {n.name for n in tree.find_all(nodes.Name) if n.ctx in ("store", "param")}
    attribute_names = set()
    for node in tree.find_all(nodes.Getattr):
        if isinstance(node.node, nodes.Name) and node.node.name in sources:
            attribute_names.add(id(node.node))
            if node.attr not in sources[node.node.name].fields:
                problems.append(
                    TemplateProblem(
                        node.lineno,
                        _("Unknown merge field: %(field)s")
                        % {"field": f"{node.node.name}.{node.attr}"},
                    )
                )
    for node in tree.find_all(nodes.Name):
        if node.ctx != "load" or node.name in assigned or node.name in GLOBAL_FIELDS:
            continue
        if node.name not in sources:
            problems.append(
                TemplateProblem(
                    node.lineno, _("Unknown merge field: %(field)s") % {"field": node.name}
                )
            )
        elif id(node) not in attribute_names:
            problems.append(
                TemplateProblem(
                    node.lineno,
                    _("Name a field of %(source)s, e.g. %(example)s")
                    % {
                        "source": node.name,
                        "example": f"{node.name}.{next(iter(sources[node.name].fields), 'name')}",
                    },
                )
            )
    return sorted(problems, key=lambda p: p.line)


def render_text(source: str, context: dict) -> str:
    return _environment.from_string(source).render(context)


def render_subject(source: str, context: dict) -> str:
    return " ".join(render_text(source, context).split())[:300]


def html_from_text(text: str, *, link=None, pixel_url: str = "") -> str:
    """The HTML part of a message written as plain text: paragraphs, line breaks, and links.

    `link(url) -> url` rewrites each link (click tracking); `pixel_url` adds the open pixel.
    """
    paragraphs = []
    for block in re.split(r"\n\s*\n", text.strip()):
        parts = []
        position = 0
        for match in _URL.finditer(block):
            parts.append(escape(block[position : match.start()]))
            url = match.group(0)
            href = link(url) if link else url
            parts.append(f'<a href="{escape(href)}">{escape(url)}</a>')
            position = match.end()
        parts.append(escape(block[position:]))
        paragraphs.append("<p>" + "".join(parts).replace("\n", "<br>\n") + "</p>")
    pixel = f'<img src="{escape(pixel_url)}" width="1" height="1" alt="">' if pixel_url else ""
    return (
        '<!DOCTYPE html><html><head><meta charset="utf-8"></head><body>'
        + "\n".join(paragraphs)
        + pixel
        + "</body></html>"
    )
