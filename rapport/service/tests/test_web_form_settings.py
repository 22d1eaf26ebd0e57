"""The support forms' settings pages: administrators create, edit, switch off and embed them;
field errors save nothing; nobody else gets in."""

from django.urls import reverse

from rapport.service.models import TicketWebForm
from rapport.service.services import ticket_form_create


def _form(admin_user, **data) -> TicketWebForm:
    return ticket_form_create(actor=admin_user, data={"name": "Contact support", **data})


def test_administrator_creates_a_form_and_gets_its_embed_snippet(client, admin_user, support):
    client.force_login(admin_user)

    response = client.post(
        reverse("service:support_form_list"),
        {"name": "Returns desk", "team_id": support.pk, "type": "repair", "is_active": "on"},
    )

    support_form = TicketWebForm.objects.get()
    assert (support_form.name, support_form.team, support_form.type) == (
        "Returns desk",
        support,
        "repair",
    )
    assert response.url == reverse("service:support_form_embed", args=[support_form.pk])
    embed = client.get(response.url)
    public_url = f"http://testserver/support/f/{support_form.public_key}/"
    snippet = embed.context["snippet"]
    assert f'action="{public_url}"' in snippet
    assert 'name="hp_website"' in snippet
    assert 'type="email" id="rapport-email" name="email" required' in snippet
    assert f'&lt;iframe src="{public_url}"' in embed.content.decode()


def test_a_form_without_a_name_shows_the_error_and_saves_nothing(client, admin_user):
    client.force_login(admin_user)

    response = client.post(reverse("service:support_form_list"), {"name": "  ", "type": "question"})

    assert response.status_code == 200
    assert 'data-testid="error-name"' in response.content.decode()
    assert not TicketWebForm.objects.exists()


def test_administrator_edits_a_form(client, admin_user, support):
    support_form = _form(admin_user)
    client.force_login(admin_user)

    response = client.post(
        reverse("service:support_form_edit", args=[support_form.pk]),
        {"name": "Help", "team_id": support.pk, "type": "incident", "thank_you_text": "Merci"},
    )

    assert response.status_code == 302
    support_form.refresh_from_db()
    assert (support_form.name, support_form.team, support_form.type) == (
        "Help",
        support,
        "incident",
    )
    assert (support_form.thank_you_text, support_form.is_active) == ("Merci", False)


def test_a_switched_off_form_answers_not_found_until_switched_on(client, admin_user):
    support_form = _form(admin_user)
    public = reverse("service_public:support_form_public", args=[support_form.public_key])
    client.force_login(admin_user)

    client.post(reverse("service:support_form_active", args=[support_form.pk]), {"is_active": "0"})
    off = client.get(public)
    client.post(reverse("service:support_form_active", args=[support_form.pk]), {"is_active": "1"})
    on = client.get(public)

    assert (off.status_code, on.status_code) == (404, 200)


def test_list_shows_every_form_in_a_fixed_number_of_queries(
    client, admin_user, support, django_assert_max_num_queries
):
    _form(admin_user, team_id=support.pk)
    client.force_login(admin_user)
    with django_assert_max_num_queries(30) as few:
        client.get(reverse("service:support_form_list"))
    for n in range(5):
        _form(admin_user, name=f"Form {n}", team_id=support.pk)

    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("service:support_form_list"))

    assert response.content.decode().count('data-testid="support-form-row"') == 6


def test_an_agent_may_not_open_or_change_the_forms(client, admin_user, sam):
    support_form = _form(admin_user)
    client.force_login(sam)

    for name in ("support_form_list", "support_form_edit", "support_form_embed"):
        args = [] if name == "support_form_list" else [support_form.pk]
        assert client.get(reverse(f"service:{name}", args=args)).status_code == 403
    deactivate = client.post(
        reverse("service:support_form_active", args=[support_form.pk]), {"is_active": "0"}
    )

    assert deactivate.status_code == 403
    support_form.refresh_from_db()
    assert support_form.is_active
