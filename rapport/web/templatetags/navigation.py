from django import template

from rapport.web.navigation import navigation_for

register = template.Library()


@register.simple_tag(takes_context=True)
def main_navigation(context):
    """The navigation entries of templates/base.html for the signed-in user and this page."""
    request = context["request"]
    match = getattr(request, "resolver_match", None)
    return navigation_for(request.user, match.view_name if match else "")
