"""``{% idempotency_field %}``: a fresh idempotency key for a write form (one per rendering)."""

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString

from drafting.services.idempotency import FIELD, new_key

register = template.Library()


@register.simple_tag
def idempotency_field() -> SafeString:
    return format_html('<input type="hidden" name="{}" value="{}">', FIELD, new_key())
