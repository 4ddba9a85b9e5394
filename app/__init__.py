"""Rongqiao (融桥): the application factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from app import config as app_config


def create_app(config: dict | None = None) -> Flask:
    app = Flask(
        __name__,
        instance_relative_config=True,
        template_folder=str(Path(__file__).resolve().parent.parent / "templates"),
    )
    app.config.from_mapping(app_config.from_environment(Path(app.instance_path)))
    if config:
        app.config.update(config)
    app.config.setdefault(
        "CACHE_KEY_PREFIX",
        f"rongqiao:{app_config.database_identity(app.config['SQLALCHEMY_DATABASE_URI'])}:",
    )
    register_extensions(app)
    register_blueprints(app)
    from app.ops import rate_limits

    rate_limits.drop_empty_check(app)
    register_errorhandlers(app)
    register_commands(app)
    return app


def register_extensions(app: Flask) -> None:
    from app import formatting, i18n, navigation, notifications, page_frame, security
    from app.extensions import babel, bootstrap, csrf, db, limiter, login_manager, migrate
    from app.models.base import install_sqlite_pragmas
    from app.ops import configure as configure_operations

    configure_operations(app)
    db.init_app(app)
    with app.app_context():
        install_sqlite_pragmas(db.engine)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=i18n.select_locale,
        default_translation_directories=str(Path(app.root_path) / "translations"),
    )
    bootstrap.init_app(app)
    limiter.init_app(app)
    security.init_login(app, login_manager)
    i18n.init_app(app)
    security.init_headers(app)
    security.init_cache_headers(app)
    security.init_proxy(app)
    formatting.init_app(app)
    navigation.init_app(app)
    page_frame.init_app(app)
    notifications.init_app(app)
    from app.reports import cache as report_cache

    report_cache.init_app(app)
    from app.reports import keeping

    keeping.init_app(app)
    from app.reports import funnel

    funnel.init_app(app)
    from app.reports import league

    league.init_app(app)
    from app import ops

    ops.init_app(app)
    from app import versions

    versions.init_app(app)


def register_blueprints(app: Flask) -> None:
    from app.admin import bp as admin_bp
    from app.auth import bp as auth_bp
    from app.banks import bp as banks_bp
    from app.engagements import bp as engagements_bp
    from app.enterprises import bp as enterprises_bp
    from app.events import bp as events_bp
    from app.main import bp as main_bp
    from app.matches import bp as matches_bp
    from app.needs import bp as needs_bp
    from app.products import bp as products_bp
    from app.reports import bp as reports_bp

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp)
    app.register_blueprint(enterprises_bp)
    app.register_blueprint(needs_bp)
    app.register_blueprint(banks_bp)
    app.register_blueprint(products_bp)
    from app.calculator import bp as calculator_bp
    from app.guarantees.views import bp as guarantees_bp

    app.register_blueprint(calculator_bp)
    app.register_blueprint(guarantees_bp)
    from app.programmes import bp as programmes_bp
    from app.programmes import token as programmes_token

    app.register_blueprint(programmes_bp)
    programmes_token.init_app(app)
    from app.matches import records as scoring_records

    scoring_records.init_app(app)
    app.register_blueprint(matches_bp)
    app.register_blueprint(engagements_bp)
    app.register_blueprint(events_bp)
    app.register_blueprint(reports_bp)
    app.register_blueprint(admin_bp, url_prefix="/admin")
    from app.accounts import bp as accounts_bp
    from app.delivery import bp as delivery_bp
    from app.delivery.channels import install as install_channels

    app.register_blueprint(accounts_bp)
    app.register_blueprint(delivery_bp)
    install_channels()
    from app.admin import settings as platform_settings

    platform_settings.init_app(app)
    from app.regions import bp as regions_bp

    app.register_blueprint(regions_bp)
    from app.regions import platform

    platform.init_app(app)
    from app.coordination import bp as coordination_bp

    app.register_blueprint(coordination_bp)
    from app.agreements.print_views import bp as agreement_print_bp
    from app.documents import bp as documents_bp
    from app.messages import bp as messages_bp

    app.register_blueprint(documents_bp)
    app.register_blueprint(messages_bp)
    app.register_blueprint(agreement_print_bp)
    from app.pools import bp as pools_bp

    app.register_blueprint(pools_bp)
    from app import api

    api.init_app(app)
    from app.jobs.views import bp as jobs_bp
    from app.ops import bp as ops_bp

    app.register_blueprint(ops_bp)
    app.register_blueprint(jobs_bp, url_prefix="/admin/jobs")
    from app.webhooks import bp as webhooks_bp

    app.register_blueprint(webhooks_bp)


def register_errorhandlers(app: Flask) -> None:
    from app import error_pages

    error_pages.register(app)


def register_commands(app: Flask) -> None:
    from app import cli

    cli.register(app)
    from app import security_cli

    security_cli.register(app)
