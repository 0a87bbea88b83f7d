from django.urls import path

from annotation.api import exports

urlpatterns = [
    path("projects/<int:pk>/exports/", exports.ProjectExportsView.as_view(), name="project-exports"),
    path("exports/<int:pk>/", exports.ExportDetailView.as_view(), name="export-detail"),
    path("exports/<int:pk>/download", exports.ExportDownloadView.as_view(), name="export-download"),
    path("exports/<int:pk>/retry/", exports.ExportRetryView.as_view(), name="export-retry"),
]
