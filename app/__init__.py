"""Baton: the application factory."""

from __future__ import annotations

import logging

import marshmallow
from flask import Flask

from app.config import load_config


def create_app(config: dict | None = None) -> Flask:
    """Build the Flask app: config, extensions, blueprints, CLI, error pages, security headers."""
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(config))
    from app.core.request_guards import init_request_guards, install_converters

    install_converters(app)  # before any route exists: rules bind converters when added
    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )

    from app.core.observability import init_sentry
    from app.core.security import configure_hasher

    configure_hasher(app.config.get("ARGON2_TIME_COST"), app.config.get("ARGON2_MEMORY_KIB"))

    init_sentry(app)

    from app.extensions import api, babel, csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(
        app, db, directory=str(_migrations_dir()), compare_type=True, render_as_batch=True
    )
    login_manager.init_app(app)
    csrf.init_app(app)
    limiter.init_app(app)
    api.init_app(app)
    # apispec documents a time of day as a bare string: say what it is ("14:30").
    api.register_field(marshmallow.fields.Time, "string", "time")
    # Pages speak the reader's language (app.core.i18n); invoice PDFs and emails switch
    # with force_locale(client locale).
    from app.core.catalogues import translation_directories
    from app.core.i18n import init_i18n, select_locale

    babel.init_app(
        app,
        default_locale="en",
        default_translation_directories=translation_directories(),
        locale_selector=select_locale,
    )
    # Numbers inside translated sentences in the reader's digits (app.core.translation).
    from app.core.translation import install_jinja_gettext

    install_jinja_gettext(app)

    _import_models()

    from app.core.errors import register_error_handlers
    from app.core.idempotency import init_idempotency
    from app.core.web import init_web
    from app.users.auth import init_auth

    register_error_handlers(app)
    init_request_guards(app)  # before init_auth: OPTIONS needs no sign-in
    init_web(app)
    init_i18n(app)
    init_idempotency(app)
    init_auth(app)
    _register_blueprints(app)

    from app.cli import register_cli

    register_cli(app)
    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).resolve().parent.parent / "migrations"


def _import_models() -> None:
    """Import every models module so metadata (and Alembic) sees all tables."""
    import app.agencies.models  # noqa: F401
    import app.audit.models  # noqa: F401
    import app.calendar.models  # noqa: F401
    import app.capacity.models  # noqa: F401
    import app.clients.models  # noqa: F401
    import app.core.idempotency  # noqa: F401
    import app.core.jobs  # noqa: F401
    import app.core.mail  # noqa: F401
    import app.digests.models  # noqa: F401
    import app.documents.models  # noqa: F401
    import app.exports.models  # noqa: F401
    import app.fx.models  # noqa: F401
    import app.inbound.models  # noqa: F401
    import app.intake.models  # noqa: F401
    import app.invoices.models  # noqa: F401
    import app.notices.models  # noqa: F401
    import app.onboarding.models  # noqa: F401
    import app.payments.models  # noqa: F401
    import app.payouts.models  # noqa: F401
    import app.planner.models  # noqa: F401
    import app.portal.models  # noqa: F401
    import app.promises.models  # noqa: F401
    import app.rates.models  # noqa: F401
    import app.reminders.models  # noqa: F401
    import app.retainers.models  # noqa: F401
    import app.sops.models  # noqa: F401
    import app.suggestions.models  # noqa: F401
    import app.surveys.models  # noqa: F401
    import app.time.logged  # noqa: F401 - time logged on work items, kept by mapper events
    import app.time.models  # noqa: F401
    import app.timesheets.models  # noqa: F401
    import app.users.models  # noqa: F401
    import app.vault.models  # noqa: F401
    import app.webhooks.models  # noqa: F401
    import app.work.models  # noqa: F401
    import app.work.stage_index  # noqa: F401 - stage rows, kept by mapper events


def _import_route_modules() -> None:
    """Import the modules that add routes to a blueprint made elsewhere (app.users.blueprint,
    app.work.blueprint, app.invoices.blueprint): their routes must be on it before it is
    registered. (A plain function-level import binds the name `app`, so this takes none.)"""
    import app.boards.cockpit  # noqa: F401 - the cockpit's tiles register at import
    import app.capacity.cockpit  # noqa: F401
    import app.capacity.views  # noqa: F401
    import app.clients.package_views  # noqa: F401
    import app.clients.views  # noqa: F401
    import app.digests.views  # noqa: F401
    import app.forecast.cockpit  # noqa: F401
    import app.forecast.views  # noqa: F401
    import app.fx.views  # noqa: F401
    import app.intake.answer_views  # noqa: F401
    import app.invoices.api  # noqa: F401
    import app.invoices.settings_api  # noqa: F401
    import app.invoices.settings_views  # noqa: F401
    import app.invoices.views  # noqa: F401
    import app.margin.cockpit  # noqa: F401
    import app.margin.views  # noqa: F401
    import app.payments.api  # noqa: F401
    import app.payments.cockpit  # noqa: F401
    import app.payments.views  # noqa: F401
    import app.payouts.cockpit  # noqa: F401
    import app.planner.views  # noqa: F401
    import app.promises.cockpit  # noqa: F401
    import app.promises.views  # noqa: F401
    import app.rates.billing  # noqa: F401
    import app.rates.views  # noqa: F401
    import app.retainers.api  # noqa: F401
    import app.retainers.views  # noqa: F401
    import app.surveys.cockpit  # noqa: F401
    import app.surveys.views  # noqa: F401
    import app.time.views  # noqa: F401
    import app.timesheets.views  # noqa: F401
    import app.users.profile_views  # noqa: F401
    import app.users.team_views  # noqa: F401
    import app.users.views  # noqa: F401
    import app.work.checklist_views  # noqa: F401
    import app.work.series_api  # noqa: F401
    import app.work.series_views  # noqa: F401
    import app.work.transition_views  # noqa: F401
    import app.work.views  # noqa: F401


def _register_blueprints(app: Flask) -> None:
    _import_route_modules()
    from app.agencies.api import blp as agencies_api
    from app.agencies.views import bp as agencies_bp
    from app.audit.api import blp as audit_api
    from app.audit.views import bp as audit_bp
    from app.boards.views import bp as boards_bp
    from app.clients.api import blp as clients_api
    from app.clients.blueprint import bp as clients_bp
    from app.core.health import bp as health_bp
    from app.exports.views import bp as exports_bp
    from app.extensions import api, csrf
    from app.jobs.views import bp as jobs_bp
    from app.mailbox.views import bp as mailbox_bp
    from app.sops.api import blp as sops_api
    from app.sops.views import bp as sops_bp
    from app.users.api import blp as users_api
    from app.users.blueprint import bp as users_bp
    from app.work.api import blp as work_api
    from app.work.blueprint import bp as work_bp

    for bp in (health_bp, users_bp, agencies_bp, clients_bp, audit_bp, jobs_bp, exports_bp):
        app.register_blueprint(bp)
    app.register_blueprint(sops_bp)
    app.register_blueprint(mailbox_bp)
    app.register_blueprint(boards_bp)
    app.register_blueprint(work_bp)
    for blp in (agencies_api, users_api, clients_api, audit_api, sops_api, work_api):
        # The API authenticates with bearer tokens, never cookies, so CSRF does not apply.
        csrf.exempt(blp)
        api.register_blueprint(blp)
    _register_billing_blueprints(app)
    from app.portal.api import blp as work_requests_api
    from app.portal.views import bp as portal_bp

    app.register_blueprint(portal_bp)
    from app.inbound.api import blp as inbound_api
    from app.inbound.views import bp as inbound_bp

    app.register_blueprint(inbound_bp)
    csrf.exempt(work_requests_api)
    api.register_blueprint(work_requests_api)
    csrf.exempt(inbound_api)
    api.register_blueprint(inbound_api)
    # Response clocks: the blueprint registers the work history hook at import.
    from app.promises.api import blp as promises_api
    from app.promises.blueprint import bp as promises_bp

    app.register_blueprint(promises_bp)
    csrf.exempt(promises_api)
    api.register_blueprint(promises_api)
    from app.notices.api import blp as notices_api
    from app.notices.views import bp as notices_bp

    app.register_blueprint(notices_bp)
    csrf.exempt(notices_api)
    api.register_blueprint(notices_api)
    # every notification email asks its recipient's preference (app.core.mail.NOTICE_GATES)
    from app.notices.services import register_notice_gate

    register_notice_gate()
    from app.vault.api import blp as vault_api
    from app.vault.views import bp as vault_bp

    app.register_blueprint(vault_bp)
    csrf.exempt(vault_api)
    api.register_blueprint(vault_api)
    # outgoing webhooks: pages, API, event payloads in the OpenAPI document, and the hooks
    # (audit records, work item moves) that queue deliveries
    from app.webhooks.api import blp as webhooks_api
    from app.webhooks.openapi import register_payload_schemas
    from app.webhooks.services import register_hooks as register_webhook_hooks
    from app.webhooks.views import bp as webhooks_bp

    app.register_blueprint(webhooks_bp)
    csrf.exempt(webhooks_api)
    api.register_blueprint(webhooks_api)
    register_payload_schemas(api)
    register_webhook_hooks()
    from app.time.api import blp as time_api
    from app.time.blueprint import bp as time_bp

    app.register_blueprint(time_bp)
    csrf.exempt(time_api)
    api.register_blueprint(time_api)
    from app.timesheets.api import blp as timesheets_api
    from app.timesheets.blueprint import bp as timesheets_bp

    app.register_blueprint(timesheets_bp)
    csrf.exempt(timesheets_api)
    api.register_blueprint(timesheets_api)
    from app.digests.api import blp as digests_api
    from app.digests.blueprint import bp as digests_bp

    app.register_blueprint(digests_bp)
    csrf.exempt(digests_api)
    api.register_blueprint(digests_api)
    from app.capacity.api import blp as capacity_api
    from app.capacity.blueprint import bp as capacity_bp

    app.register_blueprint(capacity_bp)
    csrf.exempt(capacity_api)
    api.register_blueprint(capacity_api)
    from app.calendar.api import blp as calendar_api
    from app.calendar.views import bp as calendar_bp

    app.register_blueprint(calendar_bp)
    # capacity's kinds (time off, holidays, meetings) after the calendar's own
    from app.capacity.calendar_sources import register_capacity_sources

    register_capacity_sources()
    csrf.exempt(calendar_api)
    api.register_blueprint(calendar_api)
    from app.payouts.api import blp as payouts_api
    from app.payouts.views import bp as payouts_bp

    app.register_blueprint(payouts_bp)
    csrf.exempt(payouts_api)
    api.register_blueprint(payouts_api)
    from app.planner.api import blp as planner_api
    from app.planner.blueprint import bp as planner_bp
    from app.planner.hooks import register_planner_hooks

    app.register_blueprint(planner_bp)
    csrf.exempt(planner_api)
    api.register_blueprint(planner_api)
    # time blocks count as planned hours in the workload
    register_planner_hooks()
    # a client's deposit, where its terms ask for one, holds back the first start of its work
    from app.payments.deposit_gate import register_deposit_gate

    register_deposit_gate()
    # a client becoming `onboarding` starts its onboarding run (app.clients.status_hooks)
    from app.onboarding.api import blp as onboarding_api
    from app.onboarding.hooks import register_onboarding_hooks
    from app.onboarding.views import bp as onboarding_bp

    app.register_blueprint(onboarding_bp)
    csrf.exempt(onboarding_api)
    api.register_blueprint(onboarding_api)
    register_onboarding_hooks()
    from app.suggestions.api import blp as suggestions_api
    from app.suggestions.views import bp as suggestions_bp

    app.register_blueprint(suggestions_bp)
    csrf.exempt(suggestions_api)
    api.register_blueprint(suggestions_api)
    from app.intake.api import blp as intake_api
    from app.intake.views import bp as intake_bp

    app.register_blueprint(intake_bp)
    csrf.exempt(intake_api)
    api.register_blueprint(intake_api)
    from app.reports.api import blp as reports_api
    from app.reports.views import bp as reports_bp

    app.register_blueprint(reports_bp)
    csrf.exempt(reports_api)
    api.register_blueprint(reports_api)
    from app.surveys.api import blp as surveys_api
    from app.surveys.blueprint import bp as surveys_bp
    from app.surveys.sending import register_survey_hooks

    app.register_blueprint(surveys_bp)
    csrf.exempt(surveys_api)
    api.register_blueprint(surveys_api)
    # a CSAT question after each delivery (app.work.transitions.DELIVERY_HOOKS)
    register_survey_hooks()


def _register_billing_blueprints(app: Flask) -> None:
    """Billing: invoices, payments, retainers, reminders and documents (pages and API).

    The invoice pages and the invoices API are one blueprint each (app.invoices.blueprint);
    the route modules of invoices, payments and retainers add their routes to them
    (imported by `_import_route_modules`)."""
    from app.documents.api import blp as invoice_documents_api
    from app.documents.downloads import bp as invoice_documents_bp
    from app.documents.views import bp as branding_bp
    from app.extensions import api, csrf
    from app.invoices.batch_views import bp as invoice_batches_bp
    from app.invoices.blueprint import blp as invoices_api
    from app.invoices.blueprint import bp as invoices_bp
    from app.reminders.api import blp as reminders_api
    from app.reminders.views import bp as reminders_bp

    for bp in (invoices_bp, branding_bp, invoice_documents_bp, invoice_batches_bp, reminders_bp):
        app.register_blueprint(bp)
    for blp in (invoices_api, invoice_documents_api, reminders_api):
        csrf.exempt(blp)
        api.register_blueprint(blp)
    # Rates of time (app.rates.billing, imported with the route modules, registers the
    # invoice line source that bills approved time).
    from app.rates.api import blp as rates_api
    from app.rates.blueprint import bp as rates_bp

    app.register_blueprint(rates_bp)
    # The retainers' templates (bank fields, progress bar, the portal's burn-down).
    from app.retainers.blueprint import bp as retainers_bp

    app.register_blueprint(retainers_bp)
    csrf.exempt(rates_api)
    api.register_blueprint(rates_api)
    # Exchange rates (app.fx), margin (app.margin) and the forecast (app.forecast).
    from app.forecast.api import blp as forecast_api
    from app.forecast.blueprint import bp as forecast_bp
    from app.fx.api import blp as fx_api
    from app.fx.blueprint import bp as fx_bp
    from app.margin.api import blp as margin_api
    from app.margin.blueprint import bp as margin_bp

    for bp in (fx_bp, margin_bp, forecast_bp):
        app.register_blueprint(bp)
    for blp in (fx_api, margin_api, forecast_api):
        csrf.exempt(blp)
        api.register_blueprint(blp)
    # Accountants' exports (journal, Xero, QuickBooks) of invoices, payments and time.
    from app.ledger.api import blp as ledger_api
    from app.ledger.views import bp as ledger_bp

    app.register_blueprint(ledger_bp)
    csrf.exempt(ledger_api)
    api.register_blueprint(ledger_api)
