from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class WebConfig(AppConfig):
    name = "web"


class TandemAdminConfig(admin_apps.AdminConfig):
    """Django's admin, whose default site is the throttled one (web/login.py)."""

    default = False  # named in INSTALLED_APPS; never the default config of the web app
    default_site = "web.login.TandemAdminSite"
