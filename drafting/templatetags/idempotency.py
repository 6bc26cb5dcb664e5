"""``{% idempotency_field %}``: a fresh idempotency key for a write form (one per rendering)."""

from django import template

from drafting.render import markup

register = template.Library()

register.simple_tag(markup.idempotency_field, name="idempotency_field")
