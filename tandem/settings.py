"""Django settings, read from the environment (see tandem/env.py and the README's table).

With no environment at all this is the embedded default that ``make run`` serves: SQLite, local
storage under ``var/`` and kombu's filesystem broker, so a laptop needs no servers.
"""

from __future__ import annotations

from pathlib import Path

import dj_database_url

from tandem.env import env_bool, env_int, env_list, env_secret, env_str

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("TANDEM_VAR_DIR", str(BASE_DIR / "var"), "Local data: SQLite file, media, broker"))

DEBUG = env_bool("DEBUG", False, "Django debug mode; never on in production")
# Unset: a random key made on first run and kept in var/ (0600), so no two installs share one.
SECRET_KEY = env_secret("SECRET_KEY", VAR_DIR / "secret_key", "Django secret key; set a long random value in production")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost"], "Host names served")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [], "Origins allowed for CSRF (https://…)")

INSTALLED_APPS = [
    "web.apps.TandemAdminConfig",  # Django's admin with the login throttle (web/login.py)
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "common",
    "datasets",
    "annotation",
    "qa",
    "web",
]

MIDDLEWARE = [
    "common.health.HealthMiddleware",  # probes first: no host check, no HTTPS redirect
    "django.middleware.security.SecurityMiddleware",
    "common.middleware.RejectNulMiddleware",
    "common.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "tandem.urls"
WSGI_APPLICATION = "tandem.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tandem.sqlite3'}", "Database URL")
# Health checks: a connection kept across requests is tested first, so a database restart costs
# the requests in flight, not the first one of every thread afterwards.
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60, conn_health_checks=True)}
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # WAL lets the worker write while the web process reads. IMMEDIATE transactions take the write
    # lock when they begin, so concurrent writers wait their turn (up to the 20 s busy timeout)
    # instead of failing with "database is locked" when a read turns into a write mid-transaction.
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
                                       "transaction_mode": "IMMEDIATE", "timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = False
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [("frontend", BASE_DIR / "frontend" / "dist")]
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "/login/"

# Storage: local files under var/media by default, S3-compatible when STORAGE_BACKEND=s3.
STORAGE_BACKEND = env_str("STORAGE_BACKEND", "local", "local or s3")
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media"), "Local storage root"))
MEDIA_URL = "/media-not-public/"
# Read whether or not S3 is on, so every variable is declared in one list (tandem/env.py).
_s3_options = {
    "bucket_name": env_str("STORAGE_BUCKET", "tandem", "S3 bucket"),
    "endpoint_url": env_str("STORAGE_ENDPOINT_URL", "", "S3 endpoint (minio: http://minio:9000)") or None,
    "access_key": env_str("STORAGE_ACCESS_KEY", "", "S3 access key"),
    "secret_key": env_str("STORAGE_SECRET_KEY", "", "S3 secret key"),
    "region_name": env_str("STORAGE_REGION", "us-east-1", "S3 region"),
    "querystring_auth": True,
    "querystring_expire": env_int("STORAGE_URL_EXPIRE", 300, "Signed URL lifetime, seconds"),
    "file_overwrite": False,
    "default_acl": None,
    "signature_version": "s3v4",
    # An opened object spills to a temporary file past 8 MiB instead of being held whole in memory
    # (django-storages' default keeps every read object in memory).
    "max_memory_size": 8 * 1024 * 1024,
}
if STORAGE_BACKEND == "s3":
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": _s3_options}
else:
    _default_storage = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(MEDIA_ROOT)},
    }
STORAGES = {
    "default": _default_storage,
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Uploads stream to disk past 2.5 MB; the body limit guards JSON, not media (media is streamed).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int("TANDEM_MAX_JSON_BYTES", 50 * 1024 * 1024, "Largest JSON/form body")
DATA_UPLOAD_MAX_NUMBER_FIELDS = 10_000
TANDEM_MAX_UPLOAD_BYTES = env_int("TANDEM_MAX_UPLOAD_BYTES", 20 * 1024**3, "Largest media file accepted")
# One annotation's result: more regions is a 400, a larger JSON result a 413 (a history of saves
# stays bounded too: revisions are stored as deltas, annotation/services/revisions.py).
TANDEM_MAX_REGIONS = env_int("TANDEM_MAX_REGIONS", 20_000, "Most regions one annotation result holds")
TANDEM_MAX_RESULT_BYTES = env_int("TANDEM_MAX_RESULT_BYTES", 10 * 1024 * 1024, "Largest annotation result (JSON bytes)")
TANDEM_LEASE_SECONDS = env_int("TANDEM_LEASE_SECONDS", 3600, "How long a task assignment is held")
TANDEM_CLAIM_SECONDS = env_int("TANDEM_CLAIM_SECONDS", 1800, "How long a reviewer's claim is held")
TANDEM_ASR_MODEL_DIR = env_str("TANDEM_ASR_MODEL_DIR", "", "Local Whisper weights for the asr pre-labeler")
TANDEM_PRELABEL_BATCH = env_int("TANDEM_PRELABEL_BATCH", 8, "Pre-label batch size per GPU worker")
TANDEM_JOB_STALE_SECONDS = env_int("TANDEM_JOB_STALE_SECONDS", 120,
                                   "A job or asset whose worker sent no heartbeat for this long is sent again")
TANDEM_SHUTDOWN_GRACE_SECONDS = env_int("TANDEM_SHUTDOWN_GRACE_SECONDS", 20,
                                        "On SIGTERM a worker's current job has this long to finish, then goes back to the queue")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first so an unauthenticated call gets 401 with WWW-Authenticate, not 403.
        "common.tokens.ExpiringTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.Pagination",
    "DEFAULT_RENDERER_CLASSES": [
        "common.renderers.FastJSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.FastJSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.errors.exception_handler",
    "DEFAULT_THROTTLE_RATES": {"login": env_str("TANDEM_LOGIN_RATE", "10/min", "Token login attempts")},
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": "Synchronized video/audio/text annotation: projects, media, tasks, QA, exports.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Swagger UI and ReDoc from our own static files: no CDN, works offline, fits the CSP.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # No validator badge: it would send the schema's address to an outside host.
    "SWAGGER_UI_SETTINGS": {"deepLinking": True, "validatorUrl": None},
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "TaskStatusEnum": "annotation.models.TaskStatus",
        "JobStatusEnum": "annotation.models.JobStatus",
        "AssetStatusEnum": "datasets.models.AssetStatus",
        "AnnotationStatusEnum": "annotation.models.AnnotationStatus",
        "ReviewStateEnum": "qa.models.ReviewState",
    },
}

# Celery: kombu's filesystem transport unless REDIS_URL / CELERY_BROKER_URL names a server.
REDIS_URL = env_str("REDIS_URL", "", "Redis URL (broker and cache) in production")
_fs_broker = VAR_DIR / "broker"
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", REDIS_URL or "filesystem://", "Celery broker")
CELERY_BROKER_TRANSPORT_OPTIONS = (
    {
        "data_folder_in": str(_fs_broker / "queue"),
        "data_folder_out": str(_fs_broker / "queue"),
        "processed_folder": str(_fs_broker / "processed"),
        "control_folder": str(_fs_broker / "control"),
        "store_processed": False,
    }
    if CELERY_BROKER_URL.startswith("filesystem")
    else {"visibility_timeout": 3600}
)
if CELERY_BROKER_URL.startswith("filesystem"):
    for _folder in ("queue", "processed", "control"):
        (_fs_broker / _folder).mkdir(parents=True, exist_ok=True)
CELERY_RESULT_BACKEND = None
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False, "Run tasks inline (tests)")
CELERY_TASK_ROUTES = {
    "datasets.tasks.*": {"queue": "media"},
    "annotation.tasks.prelabel.*": {"queue": "gpu"},
    "annotation.tasks.exports.*": {"queue": "media"},
    "qa.tasks.*": {"queue": "media"},
}
CELERY_TASK_DEFAULT_QUEUE = "media"
# The reaper (common/jobs.py) runs on beat (its own service, or a thread of the worker: `--beat-thread`), at least
# twice per stale period, so a dead worker's job is sent again within TANDEM_JOB_STALE_SECONDS + 60 s.
CELERY_BEAT_SCHEDULE = {
    "reap-stale-jobs": {"task": "common.tasks.reap_stale_jobs",
                        "schedule": float(min(60, max(1, TANDEM_JOB_STALE_SECONDS // 2)))},
    # Media of items past their retention date (annotation/services/retention.py).
    "sweep-retention": {"task": "annotation.tasks.retention.sweep_retention", "schedule": 3600.0},
    # Resumable uploads given up and import previews never confirmed (datasets/services/uploads.py, previews.py).
    "sweep-uploads": {"task": "datasets.tasks.sweep_uploads", "schedule": 3600.0},
}
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")

# One cache all processes share: throttles and login counters must see every worker's requests.
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    if REDIS_URL
    else {"BACKEND": "django.core.cache.backends.filebased.FileBasedCache", "LOCATION": str(VAR_DIR / "cache")}
}
# Login limits (common/throttle.py): per user and address, plus a higher ceiling per user alone.
TANDEM_LOGIN_FAILURES = env_int("TANDEM_LOGIN_FAILURES", 10, "Failed logins per user and address per window")
TANDEM_LOGIN_USER_FAILURES = env_int("TANDEM_LOGIN_USER_FAILURES", 100, "Failed logins per user, all addresses, per window")
TANDEM_LOGIN_WINDOW = env_int("TANDEM_LOGIN_WINDOW", 600, "Window of the login failure count, seconds")
TANDEM_TRUSTED_PROXIES = env_list("TANDEM_TRUSTED_PROXIES", [], "Proxy addresses/CIDRs whose X-Forwarded-For is believed")
TANDEM_TOKEN_TTL_HOURS = env_int("TANDEM_TOKEN_TTL_HOURS", 0, "API token lifetime in hours; 0: never expires")

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # the editor reads the token from the page, not the cookie
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
if not DEBUG:
    _https = env_bool("TANDEM_HTTPS", False, "Served behind HTTPS: secure cookies, HSTS, redirect")
    SESSION_COOKIE_SECURE = _https
    CSRF_COOKIE_SECURE = _https
    SECURE_SSL_REDIRECT = _https
    SECURE_HSTS_SECONDS = 31_536_000 if _https else 0
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _https
    SECURE_HSTS_PRELOAD = _https
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if _https else None

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO", "Log level")},
}
