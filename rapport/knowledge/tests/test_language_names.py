"""The languages an article or an agent may have are the site's (settings.LANGUAGES), named in
the reader's language."""

from django.conf import settings
from django.utils import translation

from rapport.knowledge.models import ArticleTranslation
from rapport.service.forms import AgentProfileForm


def test_language_choices_are_the_sites_and_named_in_the_readers_language():
    article_field = ArticleTranslation._meta.get_field("language")
    codes = [code for code, _name in settings.LANGUAGES]
    assert [code for code, _name in article_field.choices] == codes

    with translation.override("zh-hans"):
        article = dict(article_field.choices)
        agent = dict(AgentProfileForm().fields["languages"].choices)
        assert (str(article["zh-hans"]), str(agent["zh-hans"])) == ("简体中文", "简体中文")
    with translation.override("en"):
        agent = dict(AgentProfileForm().fields["languages"].choices)
        assert (str(agent["zh-hans"]), str(agent["en"])) == ("Simplified Chinese", "English")
