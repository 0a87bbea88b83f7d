"""Storage on S3: django-storages against moto's in-process S3, with the production options."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from moto import mock_aws

from tandem import settings as tandem_settings

S3_BUCKET = "tandem-test"


@pytest.fixture
def s3(settings: Any, monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """The default storage on a fresh bucket (``S3_BUCKET``); yields a boto3 client of it."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket=S3_BUCKET)
        settings.STORAGE_BACKEND = "s3"
        # The production options (signing, expiry), pointed at the test bucket.
        options = {**tandem_settings._s3_options, "bucket_name": S3_BUCKET, "access_key": "testing",
                   "secret_key": "testing", "endpoint_url": None}
        settings.STORAGES = {**settings.STORAGES,
                             "default": {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}}
        yield client  # the settings fixture's STORAGES change resets default_storage (Django's setting_changed)
