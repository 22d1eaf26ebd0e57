"""`{{ text|mentions }}`: a text that may hold @mention tokens, escaped, each token a chip."""

from django import template

from rapport.activities.mentions import render_mentions

register = template.Library()


@register.filter(name="mentions")
def mentions_filter(text: str):
    return render_mentions(text)
