"""Schemas of onboarding (JSON API; the pages take no input)."""

from __future__ import annotations

from marshmallow import fields

from app.core.schemas import BaseSchema


class OnboardingStepOut(BaseSchema):
    key = fields.String(dump_only=True)
    label = fields.String(dump_only=True)
    state = fields.String(
        dump_only=True, metadata={"description": "pending, done, skipped, failed"}
    )
    note = fields.String(dump_only=True)
    detail = fields.Dict(dump_only=True)


class OnboardingRunOut(BaseSchema):
    id = fields.Integer(dump_only=True)
    engagement = fields.Integer(dump_only=True)
    started_at = fields.AwareDateTime(dump_only=True)
    ended_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    work_item_id = fields.Integer(dump_only=True, allow_none=True)
    has_packet = fields.Boolean(dump_only=True)
    packet_rendered_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    done = fields.Integer(dump_only=True)
    total = fields.Integer(dump_only=True)
    percent = fields.Integer(dump_only=True)
    steps = fields.List(fields.Nested(OnboardingStepOut), dump_only=True)


class ClientOnboardingOut(BaseSchema):
    client_id = fields.Integer(dump_only=True)
    run = fields.Nested(OnboardingRunOut, dump_only=True, allow_none=True)


class PacketQueuedOut(BaseSchema):
    run_id = fields.Integer(dump_only=True)
    queued = fields.Boolean(dump_only=True)
