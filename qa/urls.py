from django.urls import path

from qa.api import agreement, annotators, gold, review

urlpatterns = [
    path("tasks/<int:pk>/agreement/", agreement.TaskAgreementView.as_view(), name="task-agreement"),
    path("tasks/<int:pk>/flag/", review.TaskFlagView.as_view(), name="task-flag"),
    path("tasks/<int:pk>/gold/", gold.TaskGoldView.as_view(), name="task-gold"),
    path("projects/<int:pk>/agreement/", agreement.ProjectAgreementView.as_view(), name="project-agreement"),
    path("projects/<int:pk>/review-queue/", review.ReviewQueueView.as_view(), name="project-review-queue"),
    path("projects/<int:pk>/annotators/", annotators.ProjectAnnotatorsView.as_view(), name="project-annotators"),
    path("review-items/<int:pk>/", review.ReviewItemView.as_view(), name="review-item"),
    path("review-items/<int:pk>/claim/", review.ReviewClaimView.as_view(), name="review-item-claim"),
    path("review-items/<int:pk>/release/", review.ReviewReleaseView.as_view(), name="review-item-release"),
    path("review-items/<int:pk>/resolve/", review.ReviewResolveView.as_view(), name="review-item-resolve"),
]
