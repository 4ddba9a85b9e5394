"""Where uploaded files live: a local directory outside the web root, or an S3-compatible
bucket (MinIO, …). The rest of the app sees only put/get by key."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from flask import Flask, current_app


class Storage(Protocol):
    def put(self, key: str, data: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()):
            raise ValueError(f"storage key outside the store: {key!r}")
        return path

    def put(self, key: str, data: bytes, content_type: str) -> None:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        temporary.write_bytes(data)
        temporary.replace(path)

    def get(self, key: str) -> bytes:
        return self._path(key).read_bytes()

    def delete(self, key: str) -> None:
        self._path(key).unlink(missing_ok=True)


class S3Storage:
    def __init__(self, bucket: str, client) -> None:
        self.bucket = bucket
        self.client = client

    @classmethod
    def from_config(cls, config) -> S3Storage:
        import boto3

        client = boto3.client(
            "s3",
            endpoint_url=config.get("DOCUMENT_S3_ENDPOINT_URL") or None,
            region_name=config.get("DOCUMENT_S3_REGION") or None,
            aws_access_key_id=config.get("DOCUMENT_S3_ACCESS_KEY") or None,
            aws_secret_access_key=config.get("DOCUMENT_S3_SECRET_KEY") or None,
        )
        return cls(config["DOCUMENT_S3_BUCKET"], client)

    def put(self, key: str, data: bytes, content_type: str) -> None:
        self.client.put_object(Bucket=self.bucket, Key=key, Body=data, ContentType=content_type)

    def get(self, key: str) -> bytes:
        return self.client.get_object(Bucket=self.bucket, Key=key)["Body"].read()

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=key)


def storage() -> Storage:
    """The app's store, made once per app."""
    app = current_app._get_current_object()
    store = app.extensions.get("documents_storage")
    if store is None:
        store = make(app)
        app.extensions["documents_storage"] = store
    return store


def make(app: Flask) -> Storage:
    backend = app.config.get("DOCUMENT_STORAGE", "local")
    if backend == "s3":
        return S3Storage.from_config(app.config)
    if backend != "local":
        raise ValueError(f"DOCUMENT_STORAGE must be 'local' or 's3', not {backend!r}")
    root = app.config.get("DOCUMENT_DIR") or str(Path(app.instance_path) / "documents")
    return LocalStorage(Path(root))
