from django.urls import path

from qa import pages

urlpatterns = [
    path("projects/<int:pk>/quality/", pages.quality_dashboard, name="project-quality"),
    path("review/<int:pk>/", pages.review_page, name="review-page"),
]
