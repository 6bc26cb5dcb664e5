from django.conf import settings


def test_tests_run_on_postgresql():
    """The suite runs against PostgreSQL, the database of record."""
    assert settings.DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"
