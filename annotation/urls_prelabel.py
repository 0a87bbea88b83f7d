from django.urls import path

from annotation.api import prelabel

urlpatterns = [
    path("projects/<int:pk>/prelabel/", prelabel.ProjectPrelabelView.as_view(), name="project-prelabel"),
    path("prelabel-jobs/<int:pk>/", prelabel.PrelabelJobDetailView.as_view(), name="prelabel-job-detail"),
]
