from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from common.health import healthz, readyz

urlpatterns = [
    # Liveness and readiness probes (normally answered by common.health.HealthMiddleware first).
    path("healthz", healthz, name="healthz"),
    path("readyz", readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("api/schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file of its own: no inline script (CSP).
    path("api/docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
    path("api/", include("annotation.urls")),
    path("api/", include("annotation.urls_media")),
    path("api/", include("annotation.urls_exports")),
    path("api/", include("annotation.urls_prelabel")),
    path("api/", include("qa.urls")),
    path("", include("qa.urls_pages")),
    path("", include("web.urls")),
]

# Styled pages with the site's navigation (JSON under /api/); same status codes as Django's own.
handler403 = "web.site_views.forbidden"
handler404 = "web.site_views.not_found"
