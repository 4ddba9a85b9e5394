"""The Celery entry point: `celery -A app.jobs.worker worker` and `celery -A app.jobs.worker beat`."""

from app import create_app

flask_app = create_app()
celery_app = flask_app.extensions["celery"]
