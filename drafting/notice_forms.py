"""The form a delegate chooses, per kind of notice, how it is e-mailed."""

from django import forms

from drafting.models import MAIL_KINDS, MailFrequency, NotificationKind


class MailPreferenceForm(forms.Form):
    """One choice per kind of notice: at once, in a daily digest, or never."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for kind in MAIL_KINDS:
            self.fields[kind] = forms.ChoiceField(
                label=NotificationKind(kind).label,
                choices=MailFrequency.choices,
                widget=forms.RadioSelect,
            )

    def choices(self) -> dict[str, str]:
        return {kind: self.cleaned_data[kind] for kind in MAIL_KINDS}
