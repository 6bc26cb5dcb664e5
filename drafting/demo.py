"""Demo accounts for trying the app: one per role. Never for production (DEBUG only)."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction

from drafting import roles
from drafting.models import DelegateProfile, Delegation

DEMO_PASSWORD = "bms7-demo"  # noqa: S105 - printed on screen for the local demo only


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str
    delegation_code: str | None = None


DEMO_ACCOUNTS = (
    DemoAccount("chair", "Grace Otieno", roles.CHAIRS_OFFICE),
    DemoAccount("secretariat", "Tomás Silva", roles.SECRETARIAT),
    DemoAccount("kenya", "Wanjiru Mwangi", roles.DELEGATES, "ken"),
    DemoAccount("japan", "Aiko Tanaka", roles.DELEGATES, "jpn"),
    DemoAccount("mexico", "Lucía Hernández", roles.DELEGATES, "mex"),
    DemoAccount("india", "Priya Sharma", roles.DELEGATES, "ind"),
    DemoAccount("eu", "Jan de Vries", roles.DELEGATES, "eu"),
)


@transaction.atomic
def demo_accounts_create() -> list[tuple[DemoAccount, str]]:
    """Create (or reset) the demo accounts; returns each with its delegation's name."""
    user_model = get_user_model()
    created = []
    for account in DEMO_ACCOUNTS:
        first, _, last = account.full_name.partition(" ")
        user, _ = user_model.objects.get_or_create(username=account.username)
        user.first_name, user.last_name = first, last
        user.is_staff = account.role == roles.SECRETARIAT
        user.set_password(DEMO_PASSWORD)
        user._change_reason = "Demo account"
        user.save()
        user.groups.set([Group.objects.get(name=account.role)])
        delegation_name = ""
        if account.delegation_code:
            delegation = Delegation.objects.get(code=account.delegation_code)
            profile, _ = DelegateProfile.objects.get_or_create(
                user=user, defaults={"delegation": delegation}
            )
            if profile.delegation_id != delegation.pk:
                profile.delegation = delegation
                profile._change_reason = "Demo account"
                profile.save(update_fields=["delegation"])
            delegation_name = delegation.name
        created.append((account, delegation_name))
    return created
