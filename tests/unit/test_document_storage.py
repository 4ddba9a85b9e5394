"""The document store: a local directory (keys cannot climb out of it) and an S3 bucket,
here moto's in-process S3, through the same three calls."""

from __future__ import annotations

import boto3
import pytest
from moto import mock_aws

from app.documents.storage import LocalStorage, S3Storage, make


def test_local_storage_keeps_bytes_by_key(tmp_path):
    store = LocalStorage(tmp_path / "docs")
    store.put("7/abc.pdf", b"%PDF-1.4", "application/pdf")
    assert store.get("7/abc.pdf") == b"%PDF-1.4"
    assert (tmp_path / "docs" / "7" / "abc.pdf").is_file()
    store.delete("7/abc.pdf")
    with pytest.raises(FileNotFoundError):
        store.get("7/abc.pdf")


def test_local_storage_refuses_keys_outside_its_folder(tmp_path):
    store = LocalStorage(tmp_path / "docs")
    with pytest.raises(ValueError):
        store.put("../escape.pdf", b"x", "application/pdf")
    assert not (tmp_path / "escape.pdf").exists()


def test_the_default_store_is_under_the_instance_folder_not_static(make_app, tmp_path):
    app = make_app(SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite3'}", DOCUMENT_DIR="")
    store = make(app)
    assert isinstance(store, LocalStorage)
    assert store.root.is_relative_to(app.instance_path)
    assert not store.root.is_relative_to(app.static_folder)


def test_s3_storage_round_trip():
    with mock_aws():
        client = boto3.client("s3", region_name="us-east-1")
        client.create_bucket(Bucket="rongqiao-docs")
        store = S3Storage("rongqiao-docs", client)
        store.put("7/abc.png", b"\x89PNG", "image/png")
        assert store.get("7/abc.png") == b"\x89PNG"
        head = client.head_object(Bucket="rongqiao-docs", Key="7/abc.png")
        assert head["ContentType"] == "image/png"
        store.delete("7/abc.png")
        assert client.list_objects_v2(Bucket="rongqiao-docs").get("KeyCount") == 0


def test_s3_is_chosen_by_setting(make_app, tmp_path, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    app = make_app(
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{tmp_path / 'x.sqlite3'}",
        DOCUMENT_STORAGE="s3",
        DOCUMENT_S3_BUCKET="b",
        DOCUMENT_S3_REGION="us-east-1",
    )
    with mock_aws():
        store = make(app)
        assert isinstance(store, S3Storage) and store.bucket == "b"
    with pytest.raises(ValueError):
        make(make_app(SQLALCHEMY_DATABASE_URI="sqlite://", DOCUMENT_STORAGE="ftp"))
