"""The deploy checks (`manage.py check --deploy`): the PDFs' fonts, the shared cache."""

from django.core import checks

from drafting.exports import fonts


def test_missing_fonts_are_listed_in_the_stylesheets_order():
    assert fonts.missing_pdf_fonts({"Liberation Serif", "DejaVu Sans"}) == [
        "Liberation Sans",
        "Noto Naskh Arabic",
        "Noto Serif CJK SC",
    ]
    assert fonts.missing_pdf_fonts(set(fonts.PDF_FONT_FAMILIES)) == []


def test_fontconfig_lists_families_under_each_of_their_names():
    families = fonts.installed_families()
    # .ci/run installs fontconfig with the fonts; a family with several names (e.g.
    # "Noto Serif CJK SC,Noto Serif CJK") is listed under each.
    assert families is not None
    assert fonts.missing_pdf_fonts(families) == []


def test_deploy_check_warns_when_the_pdf_fonts_are_missing(monkeypatch):
    monkeypatch.setattr(fonts, "installed_families", lambda: {"DejaVu Serif"})
    deploy = checks.run_checks(include_deployment_checks=True)
    warnings = [message for message in deploy if message.id == "drafting.W001"]
    assert len(warnings) == 1
    assert "Liberation Serif" in warnings[0].msg
    assert fonts.PDF_FONT_PACKAGES in warnings[0].hint
    # A deploy check only: everyday commands do not run fontconfig.
    assert not [message for message in checks.run_checks() if message.id == "drafting.W001"]


def test_deploy_check_is_quiet_when_the_fonts_are_there(monkeypatch):
    monkeypatch.setattr(fonts, "installed_families", lambda: set(fonts.PDF_FONT_FAMILIES))
    deploy = checks.run_checks(include_deployment_checks=True)
    assert not [message for message in deploy if message.id == "drafting.W001"]


def test_deploy_check_warns_when_the_cache_is_not_redis(settings):
    deploy = checks.run_checks(include_deployment_checks=True)
    assert not [message for message in deploy if message.id == "drafting.W002"]
    settings.CACHES = {
        alias: {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
        for alias in ("default", "throttle")
    }
    deploy = checks.run_checks(include_deployment_checks=True)
    assert [message.id for message in deploy if message.id == "drafting.W002"] == ["drafting.W002"]
