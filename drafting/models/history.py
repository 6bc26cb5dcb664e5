"""django-simple-history's ``Model.history``, its manager class made once per model.

Its descriptor (``simple_history.manager.HistoryDescriptor``) makes a new manager class
(``HistoryManager.from_queryset(HistoricalQuerySet)``, a ``type()`` call copying the
queryset's methods) on every access, and it is accessed for every history row written
(``create_historical_record``): about a tenth of a proposal's submission went to it. The
descriptor is replaced, in the app's ``ready``, by one that makes the class once; the managers
it returns are the same.
"""

from django.apps import apps
from simple_history.manager import HistoryDescriptor


class HistoryDescriptorMadeOnce(HistoryDescriptor):
    """``HistoryDescriptor``, its manager class made once."""

    def __init__(self, descriptor: HistoryDescriptor) -> None:
        super().__init__(
            descriptor.model, manager=descriptor.manager_class, queryset=descriptor.queryset_class
        )
        self.bound_manager_class = self.manager_class.from_queryset(self.queryset_class)

    def __get__(self, instance, owner):
        return self.bound_manager_class(self.model, instance)


def make_history_managers_once() -> None:
    """Replace the history descriptor of every tracked model (idempotent)."""
    for model in apps.get_models():
        name: str = getattr(model._meta, "simple_history_manager_attribute", "")
        descriptor = model.__dict__.get(name) if name else None
        if isinstance(descriptor, HistoryDescriptor) and not isinstance(
            descriptor, HistoryDescriptorMadeOnce
        ):
            setattr(model, name, HistoryDescriptorMadeOnce(descriptor))
