from django.contrib.auth import views as auth_views
from django.urls import path

from web import annotation_import_views, manage_views, progress_views, site_views, views
from web.login import ThrottledLoginView

urlpatterns = [
    path("favicon.ico", site_views.favicon, name="favicon"),
    path("login/", ThrottledLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.project_list, name="home"),
    path("projects/<int:pk>/", views.project_page, name="project-page"),
    path("projects/<int:pk>/next/", views.next_task, name="project-next-page"),
    path("tasks/<int:pk>/annotate/", views.editor, name="task-annotate"),
    path("projects/<int:pk>/manage/", manage_views.manage_page, name="project-manage"),
    path("projects/<int:pk>/manage/progress/", progress_views.progress, name="project-manage-progress"),
    path("projects/<int:pk>/manage/members/", manage_views.member_add, name="project-member-add"),
    path("projects/<int:pk>/manage/members/<int:user_id>/delete/", manage_views.member_delete, name="project-member-delete"),
    path("projects/<int:pk>/manage/import/", manage_views.import_items, name="project-import-page"),
    path("projects/<int:pk>/manage/quality/", manage_views.quality_settings, name="project-quality-settings"),
    path("projects/<int:pk>/manage/import-source/", manage_views.import_source, name="project-import-source-page"),
    path("projects/<int:pk>/manage/annotations-import/", annotation_import_views.annotation_import,
         name="project-annotation-import-page"),
    path("projects/<int:pk>/manage/streams/<int:stream_id>/", manage_views.stream_offset, name="project-stream-offset"),
    path("projects/<int:pk>/manage/sync-check/", manage_views.sync_check, name="project-sync-check"),
    path("projects/<int:pk>/manage/export/", manage_views.start_export, name="project-export-page"),
    path("projects/<int:pk>/manage/prelabel/", manage_views.start_prelabel, name="project-prelabel-page"),
]
