"""Background jobs on Celery over Redis.

With REDIS_URL set, `enqueue` records a run and hands it to the broker; workers
(`celery -A app.jobs.worker worker`) run it and `celery -A app.jobs.worker beat` schedules
the periodic ones. Without REDIS_URL the same tasks run in-process at once (Celery's eager
mode), so `make run` needs nothing else. Each Flask app gets its own Celery instance, so an
app made for one test never reconfigures another's queue.
"""

from __future__ import annotations

from datetime import timedelta

from celery import Celery, Task
from flask import Flask, has_app_context

from app.jobs import runner
from app.jobs.registry import JOBS


def init_app(app: Flask) -> Celery:
    class FlaskTask(Task):
        def __call__(self, *args, **kwargs):
            # Eagerly run tasks are already inside the caller's app context (a request, a
            # command); a worker's are not.
            if has_app_context():
                return self.run(*args, **kwargs)
            with app.app_context():
                return self.run(*args, **kwargs)

    redis_url = app.config.get("REDIS_URL")
    eager = app.config.get("JOBS_EAGER", not redis_url)
    celery_app = Celery(app.import_name, task_cls=FlaskTask, set_as_current=False)
    socket_timeout = app.config.get("REDIS_SOCKET_TIMEOUT", 0.5)
    celery_app.conf.update(
        broker_url=redis_url or "memory://",
        task_always_eager=eager,
        task_eager_propagates=False,
        task_ignore_result=True,
        # A worker killed mid-job gives the job back to the queue; every job is safe to repeat.
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        broker_transport_options={
            "socket_timeout": max(socket_timeout, 2.0),
            "socket_connect_timeout": max(socket_timeout, 2.0),
        },
        task_publish_retry_policy={"max_retries": 1, "interval_start": 0, "interval_step": 0.2},
        beat_schedule={
            name: {"task": name, "schedule": timedelta(seconds=app.config[job.every_setting])}
            for name, job in JOBS.items()
            if job.every_setting
        },
        timezone="UTC",
    )
    for name in JOBS:
        celery_app.task(
            name=name,
            bind=True,
            shared=False,  # this app's tasks only: a second app (in the tests) has its own
            max_retries=app.config.get("JOB_MAX_RETRIES", 3),
        )(runner.task_body(name))
    app.extensions["celery"] = celery_app
    return celery_app
