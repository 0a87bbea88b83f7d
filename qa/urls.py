from django.urls import path

from qa.api import agreement, annotators, audit, gold, review

urlpatterns = [
    path("tasks/<int:pk>/agreement/", agreement.TaskAgreementView.as_view(), name="task-agreement"),
    path("tasks/<int:pk>/flag/", review.TaskFlagView.as_view(), name="task-flag"),
    path("tasks/<int:pk>/gold/", gold.TaskGoldView.as_view(), name="task-gold"),
    path("projects/<int:pk>/agreement/", agreement.ProjectAgreementView.as_view(), name="project-agreement"),
    path("projects/<int:pk>/review-queue/", review.ReviewQueueView.as_view(), name="project-review-queue"),
    path("projects/<int:pk>/annotators/", annotators.ProjectAnnotatorsView.as_view(), name="project-annotators"),
    path("projects/<int:pk>/audit/", audit.ProjectAuditView.as_view(), name="project-audit"),
    path("exports/<int:pk>/audit/", audit.ExportAuditView.as_view(), name="export-audit"),
    path("review-items/<int:pk>/", review.ReviewItemView.as_view(), name="review-item"),
    path("review-items/<int:pk>/claim/", review.ReviewClaimView.as_view(), name="review-item-claim"),
    path("review-items/<int:pk>/release/", review.ReviewReleaseView.as_view(), name="review-item-release"),
    path("review-items/<int:pk>/resolve/", review.ReviewResolveView.as_view(), name="review-item-resolve"),
    path("review-items/<int:pk>/send-back/", review.ReviewSendBackView.as_view(), name="review-item-send-back"),
    path("projects/<int:pk>/review-queue/next/", review.ReviewNextView.as_view(), name="project-review-next"),
]
