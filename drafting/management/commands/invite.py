"""Invite someone from the shell: the first secretariat account of a new installation.

``manage.py invite clerk@example.org --role secretariat`` e-mails the one-time link (through
the task worker) and prints it: whoever runs it can open it at once. The invitee chooses a
password and sets up the second factor in the same step (the chair's office and the
secretariat never enrol one on a password alone).

``manage.py invite --account NAME [EMAIL]`` gives an existing account of the chair's office,
the secretariat or a superuser a link to choose a new password and set up a new second factor
(a lost phone, an account made before invitations, the superuser of ``createsuperuser``).
"""

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.validators import validate_email

from drafting.models import Delegation, InvitedRole
from drafting.services import invitations
from drafting.web.errors import DomainError


class Command(BaseCommand):
    help = "Invite someone by e-mail; prints the one-time link."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("email", nargs="?", default="")
        parser.add_argument(
            "--account", help="an existing account's username: set up its second factor again"
        )
        parser.add_argument("--role", choices=InvitedRole.values, default=InvitedRole.SECRETARIAT)
        parser.add_argument("--delegation", help="the delegation's code, for a delegate")
        parser.add_argument(
            "--as",
            dest="actor",
            help="the superuser the invitation is sent by (default: the first one)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["account"]:
            self._for_account(options["account"], options["email"])
            return
        try:
            validate_email(options["email"])
        except ValidationError as error:
            raise CommandError("Not an e-mail address.") from error
        superusers = get_user_model().objects.filter(is_superuser=True, is_active=True)
        if options["actor"]:
            superusers = superusers.filter(username=options["actor"])
        actor = superusers.order_by("pk").first()
        if actor is None:
            raise CommandError("Create a superuser first (manage.py createsuperuser).")
        delegation = None
        if options["delegation"]:
            delegation = Delegation.objects.filter(code=options["delegation"]).first()
            if delegation is None:
                raise CommandError("No delegation has this code.")
        try:
            sent = invitations.invitation_create(
                actor=actor, email=options["email"], role=options["role"], delegation=delegation
            )
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(invitations.invitation_link(sent.token))

    def _for_account(self, username: str, email: str) -> None:
        account = get_user_model().objects.filter(username=username, is_active=True).first()
        if account is None:
            raise CommandError("No active account has this username.")
        if email:
            try:
                validate_email(email)
            except ValidationError as error:
                raise CommandError("Not an e-mail address.") from error
        try:
            sent = invitations.invitation_for_account(account=account, email=email)
        except DomainError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(invitations.invitation_link(sent.token))
