"""CDS Hooks 2.0 JSON shapes as strict pydantic models, written from the specification's
tables (discovery, request, card, suggestion, action, feedback): unknown members are refused,
required members must be there, codes are the spec's. The tests validate what the service
sends and accepts against them."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

Strict = ConfigDict(extra="forbid", strict=True)


class DiscoveryService(BaseModel):
    model_config = Strict
    hook: str
    title: str | None = None
    description: str
    id: str
    prefetch: dict[str, str] | None = None
    usageRequirements: str | None = None


class Discovery(BaseModel):
    model_config = Strict
    services: list[DiscoveryService]


class FhirAuthorization(BaseModel):
    model_config = Strict
    access_token: str
    token_type: Literal["Bearer"]
    expires_in: int
    scope: str
    subject: str
    patient: str | None = None


class HookRequest(BaseModel):
    model_config = Strict
    hook: str
    hookInstance: str = Field(
        pattern=r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
    )
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: dict[str, Any]
    prefetch: dict[str, Any] | None = None


class Source(BaseModel):
    model_config = Strict
    label: str
    url: str | None = None
    icon: str | None = None
    topic: dict[str, Any] | None = None


class Coding(BaseModel):
    model_config = Strict
    system: str
    code: str
    display: str | None = None


class Action(BaseModel):
    model_config = Strict
    type: Literal["create", "update", "delete"]
    description: str
    resource: dict[str, Any] | None = None
    resourceId: str | None = None

    @model_validator(mode="after")
    def carries_its_target(self) -> Action:
        if self.type == "delete" and not self.resourceId:
            raise ValueError("a delete action names resourceId")
        if self.type in ("create", "update") and not self.resource:
            raise ValueError("a create/update action carries the resource")
        return self


class Suggestion(BaseModel):
    model_config = Strict
    label: str
    uuid: str | None = None
    isRecommended: bool | None = None
    actions: list[Action] | None = None


class Link(BaseModel):
    model_config = Strict
    label: str
    url: str
    type: Literal["absolute", "smart"]
    appContext: str | None = None


class Card(BaseModel):
    model_config = Strict
    uuid: str | None = None
    summary: str = Field(max_length=140)
    detail: str | None = None
    indicator: Literal["info", "warning", "critical"]
    source: Source
    suggestions: list[Suggestion] | None = None
    selectionBehavior: Literal["at-most-one", "any"] | None = None
    overrideReasons: list[Coding] | None = None
    links: list[Link] | None = None

    @model_validator(mode="after")
    def selection_with_suggestions(self) -> Card:
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("selectionBehavior is required with suggestions")
        return self


class CdsResponse(BaseModel):
    model_config = Strict
    cards: list[Card]
    systemActions: list[Action] | None = None


class OverrideReason(BaseModel):
    model_config = Strict
    reason: Coding | None = None
    userComment: str | None = None


class AcceptedSuggestion(BaseModel):
    model_config = Strict
    id: str


class FeedbackItem(BaseModel):
    model_config = Strict
    card: str
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] | None = None
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: str


class Feedback(BaseModel):
    model_config = Strict
    feedback: list[FeedbackItem]
