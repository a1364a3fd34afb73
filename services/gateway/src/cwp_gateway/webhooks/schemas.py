from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from cwp_gateway.webhooks.models import WebhookDelivery, WebhookSubscription


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    url: str = Field(min_length=1, max_length=2000)
    events: list[str] = Field(min_length=1, max_length=20)
    description: str = Field(default="", max_length=200)


class WebhookOut(BaseModel):
    id: uuid.UUID
    url: str
    events: list[str]
    description: str
    created_at: datetime
    created_by: str

    @classmethod
    def from_model(cls, row: WebhookSubscription) -> WebhookOut:
        return cls.model_validate(row, from_attributes=True)


class WebhookCreated(WebhookOut):
    secret: str  # shown here once: verify each delivery's webhook-signature with it

    @classmethod
    def with_secret(cls, row: WebhookSubscription) -> WebhookCreated:
        return cls.model_validate(row, from_attributes=True)


class DeliveryOut(BaseModel):
    id: uuid.UUID
    event_id: str
    event_type: str
    event_time: datetime
    status: str
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
    delivered_at: datetime | None
    replay: bool
    created_at: datetime

    @classmethod
    def from_model(cls, row: WebhookDelivery) -> DeliveryOut:
        return cls.model_validate(row, from_attributes=True)


class ReplayOut(BaseModel):
    queued: int
