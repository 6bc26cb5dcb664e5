from django.contrib import admin
from django.urls import include, path

handler500 = "drafting.outage.server_error"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("django.contrib.auth.urls")),
    path("", include("drafting.urls")),
]
