"""The article editor: one form for both language versions (a tab each) and the article's
settings; the service checks every rule and sanitises the bodies."""

from django import forms
from django.utils.translation import gettext_lazy as _

from rapport.core.forms import ServiceErrorsMixin, VersionedFormMixin
from rapport.knowledge.models import ArticleCategory, ArticleStatus, ArticleVisibility

VERSIONS = (("zh-hans", "zh"), ("en", "en"))


class ArticleForm(ServiceErrorsMixin, VersionedFormMixin, forms.Form):
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=ArticleCategory.objects.none(), required=False
    )
    status = forms.ChoiceField(label=_("Status"), choices=ArticleStatus.choices)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=ArticleVisibility.choices)
    zh_title = forms.CharField(label=_("Title"), required=False, max_length=400)
    zh_summary = forms.CharField(label=_("Summary"), required=False, max_length=600)
    zh_body = forms.CharField(label=_("Body"), required=False, widget=forms.Textarea)
    en_title = forms.CharField(label=_("Title"), required=False, max_length=400)
    en_summary = forms.CharField(label=_("Summary"), required=False, max_length=600)
    en_body = forms.CharField(label=_("Body"), required=False, widget=forms.Textarea)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    error_aliases = {
        "category_id": "category",
        **{
            f"translations.{language}.{field}": f"{prefix}_{short}"
            for language, prefix in VERSIONS
            for field, short in (("title", "title"), ("summary", "summary"), ("body_html", "body"))
        },
    }

    def __init__(self, *args, article=None, **kwargs):
        if article is not None and "initial" not in kwargs:
            initial = {
                "category": article.category_id,
                "status": article.status,
                "visibility": article.visibility,
                "version": article.version,
            }
            for translation in article.translations.all():
                prefix = dict(VERSIONS)[translation.language]
                initial[f"{prefix}_title"] = translation.title
                initial[f"{prefix}_summary"] = translation.summary
                initial[f"{prefix}_body"] = translation.body_html
            kwargs["initial"] = initial
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = ArticleCategory.objects.order_by("position", "name_en")

    def field_for_error(self, key: str) -> str | None:
        if key == "translations":
            return "zh_title"
        return super().field_for_error(key)

    def to_data(self) -> dict:
        data = self.cleaned_data
        translations = {}
        for language, prefix in VERSIONS:
            if data[f"{prefix}_title"] or data[f"{prefix}_body"]:
                translations[language] = {
                    "title": data[f"{prefix}_title"],
                    "summary": data[f"{prefix}_summary"],
                    "body_html": data[f"{prefix}_body"],
                }
        result = {
            "category_id": data["category"].pk if data["category"] else None,
            "status": data["status"],
            "visibility": data["visibility"],
            "translations": translations,
        }
        if data.get("version") is not None:
            result["version"] = data["version"]
        return result


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("File"))
