from django.urls import path

from drafting import views

urlpatterns = [
    path("", views.home, name="home"),
    path("m/<slug:slug>/draft/", views.working_draft, name="working_draft"),
    path("m/<slug:slug>/revisions/", views.revision_list, name="revision_list"),
    path("m/<slug:slug>/revisions/<int:number>/", views.revision_detail, name="revision_detail"),
    path(
        "m/<slug:slug>/elements/<int:element_id>/history/",
        views.element_history,
        name="element_history",
    ),
]
