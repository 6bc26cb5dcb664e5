"""Tags that put the pages' hot loops, rendered from Jinja2 macros (`drafting.render.rendering`),
into Django templates: the markup is in ``templates/jinja/drafting/fragments.html``."""

from django import template

from drafting.render import rendering

register = template.Library()


@register.simple_tag
def review_cards(cards, chosen_ids) -> str:
    """Review and compose's cards (`rendering.review_cards`)."""
    return rendering.review_cards(cards, chosen_ids)


@register.simple_tag
def select_options(choices, selected: str) -> str:
    """``<option>`` elements, ``selected`` marked (`rendering.options`)."""
    return rendering.options(choices, selected)
