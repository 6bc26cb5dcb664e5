from datetime import timedelta

import pytest
from django.utils import timezone

from drafting.services.proposals import round_open
from tests.factories import delegate_of, secretariat


@pytest.fixture
def open_round(bms7):
    now = timezone.now()
    return round_open(
        user=secretariat(),
        document=bms7.document,
        name="Round 1",
        opens_at=now - timedelta(hours=1),
        deadline=now + timedelta(days=1),
    )


@pytest.fixture
def japan(bms7):
    return delegate_of("jpn")


@pytest.fixture
def mexico(bms7):
    return delegate_of("mex")
