"""The invitee's account form (drafting.invitation_forms), on its own."""

import pytest
from django.contrib.auth import get_user_model

from drafting.invitation_forms import AcceptForm, add_accept_problems
from drafting.views.accounts import TokenForm

PASSWORD = "a long and unusual passphrase 47"


def _posted(username: str = "kenya.delegate") -> dict[str, str]:
    return {"username": username, "password1": PASSWORD, "password2": PASSWORD}


@pytest.mark.django_db
def test_a_new_account_chooses_its_username():
    """Without an account the username is asked for, and required."""
    form = AcceptForm(_posted(), email="new@example.org")
    assert form.is_valid(), form.errors
    assert form.cleaned_data["username"] == "kenya.delegate"
    assert not form.fields["username"].disabled
    assert "username" in AcceptForm(_posted(username=""), email="new@example.org").errors


@pytest.mark.django_db
def test_an_existing_account_keeps_its_username_whatever_is_posted():
    """The username is shown, not asked: a posted one is ignored."""
    account = get_user_model().objects.create_user("old.hand", "old@example.org")
    form = AcceptForm(_posted(username="someone.else"), email="old@example.org", account=account)
    assert form.fields["username"].disabled
    assert form["username"].value() == "old.hand"
    assert form.is_valid(), form.errors
    assert form.cleaned_data["username"] == "old.hand"
    assert AcceptForm(_posted(username=""), email="x@example.org", account=account).is_valid()


def test_the_services_problems_land_on_the_field_at_fault():
    """A code's problem on the code form, a username's on its field, anything else (or a
    code's problem with no code form) on the account form as a whole."""
    form, code_form = AcceptForm(_posted(), email="a@example.org"), TokenForm({"token": "123456"})
    add_accept_problems(
        {"token": ["Wrong code."], "username": ["Taken."], "account": ["Gone."]}, form, code_form
    )
    assert code_form.errors == {"token": ["Wrong code."]}
    assert form.errors["username"] == ["Taken."]
    assert form.non_field_errors() == ["Gone."]

    alone = AcceptForm(_posted(), email="a@example.org")
    add_accept_problems({"token": ["Wrong code."]}, alone, None)
    assert alone.non_field_errors() == ["Wrong code."]
