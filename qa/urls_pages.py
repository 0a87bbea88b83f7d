from django.urls import path

from qa import pages, pages_audit, pages_review

urlpatterns = [
    path("projects/<int:pk>/quality/", pages.quality_dashboard, name="project-quality"),
    path("projects/<int:pk>/audit/", pages_audit.audit_dashboard, name="project-audit-page"),
    path("projects/<int:pk>/audit/settings/", pages_audit.audit_settings, name="project-audit-settings"),
    path("review/<int:pk>/", pages.review_page, name="review-page"),
    path("projects/<int:pk>/review/next/", pages_review.review_next_page, name="project-review-next-page"),
]
