import pytest

from tests.factories import delegate_of


@pytest.fixture
def japan(bms7):
    return delegate_of("jpn")


@pytest.fixture
def mexico(bms7):
    return delegate_of("mex")
