"""System checks for deployment (`manage.py check --deploy`)."""

from django.core import checks

from drafting.exports import fonts


@checks.register(checks.Tags.compatibility, deploy=True)
def pdf_fonts_installed(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """The PDFs' fonts are installed: without them revision PDFs are laid out in substitutes."""
    missing = fonts.missing_pdf_fonts()
    if not missing:
        return []
    return [
        checks.Warning(
            f"The revision PDFs' fonts are not installed: {', '.join(missing)}.",
            hint=f"Install the Debian packages {fonts.PDF_FONT_PACKAGES}; without them "
            "WeasyPrint lays the PDFs out in substitute fonts, and may not draw names of "
            "States in Arabic or Chinese script.",
            id="drafting.W001",
        )
    ]
