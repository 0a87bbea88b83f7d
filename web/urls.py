from django.contrib.auth import views as auth_views
from django.urls import path

from web import views

urlpatterns = [
    path("login/", auth_views.LoginView.as_view(template_name="web/login.html"), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.project_list, name="home"),
    path("projects/<int:pk>/", views.project_page, name="project-page"),
    path("projects/<int:pk>/next/", views.next_task, name="project-next-page"),
    path("tasks/<int:pk>/annotate/", views.editor, name="task-annotate"),
]
