from django.urls import path

from annotation.api import annotation_imports, annotations, auth, projects, tasks

urlpatterns = [
    path("auth/token/", auth.TokenView.as_view(), name="api-token"),
    path("auth/token/revoke/", auth.TokenRevokeView.as_view(), name="api-token-revoke"),
    path("auth/tokens/revoke-all/", auth.TokenRevokeAllView.as_view(), name="api-tokens-revoke-all"),
    path("projects/", projects.ProjectListView.as_view(), name="project-list"),
    path("projects/<int:pk>/", projects.ProjectDetailView.as_view(), name="project-detail"),
    path("projects/<int:pk>/members/", projects.MemberListView.as_view(), name="project-members"),
    path("projects/<int:pk>/import/", projects.ImportView.as_view(), name="project-import"),
    path("projects/<int:pk>/annotations/import/", annotation_imports.AnnotationImportView.as_view(),
         name="project-annotations-import"),
    path("projects/<int:pk>/tasks/", tasks.TaskListView.as_view(), name="project-tasks"),
    path("projects/<int:pk>/next/", tasks.NextTaskView.as_view(), name="project-next"),
    path("tasks/<int:pk>/", tasks.TaskDetailView.as_view(), name="task-detail"),
    path("tasks/<int:pk>/skip/", tasks.SkipTaskView.as_view(), name="task-skip"),
    path("tasks/<int:pk>/annotations/", annotations.TaskAnnotationsView.as_view(), name="task-annotations"),
    path("tasks/<int:pk>/predictions/", annotations.TaskPredictionsView.as_view(), name="task-predictions"),
    path("annotations/<int:pk>/", annotations.AnnotationDetailView.as_view(), name="annotation-detail"),
    path("annotations/<int:pk>/submit/", annotations.AnnotationSubmitView.as_view(), name="annotation-submit"),
    path("annotations/<int:pk>/reopen/", annotations.AnnotationReopenView.as_view(), name="annotation-reopen"),
]
