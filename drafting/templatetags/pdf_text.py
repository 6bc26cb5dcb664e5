"""Filters of the PDF templates (``templates/pdf/``)."""

import re

from django import template
from django.template.base import NodeList, TextNode

register = template.Library()

_WHITE_SPACE = re.compile(r"[ \t\n\r\f]+")


@register.filter
def folded(text: str) -> str:
    """``text`` with its runs of spaces, tabs and line breaks folded to one space, as HTML
    would fold them (the annex's boxes keep white space: ``white-space: pre-wrap``)."""
    return _WHITE_SPACE.sub(" ", text).strip(" ")


@register.tag
def joinlines(parser, token):
    """``{% joinlines %}…{% endjoinlines %}``: the template's own line breaks inside are left
    out of what it writes (where no white space may go between tags, the markup can still be
    written on several lines). The values it writes are untouched."""
    nodelist = parser.parse(("endjoinlines",))
    parser.delete_first_token()
    for node in nodelist.get_nodes_by_type(TextNode):
        node.s = node.s.replace("\n", "")
    return _Rendered(nodelist)


class _Rendered(template.Node):
    def __init__(self, nodelist: NodeList) -> None:
        self.nodelist = nodelist

    def render(self, context) -> str:
        return self.nodelist.render(context)
