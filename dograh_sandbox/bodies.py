"""Dograh's request bodies (docs/dograh-api.md §2.1, §2.9 and §6.1), so that FastAPI answers the
same 422s: lax types (``"5"`` is 5, ``5.5`` is not), unknown keys dropped, Dograh's
constraints and validator messages.
"""

from __future__ import annotations

from zoneinfo import ZoneInfo

from pydantic import BaseModel, Field, field_validator, model_validator


class RetryConfigRequest(BaseModel):
    enabled: bool = True
    max_retries: int = Field(default=2, ge=0, le=10)
    retry_delay_seconds: int = Field(default=120, ge=30, le=3600)
    retry_on_busy: bool = True
    retry_on_no_answer: bool = True
    retry_on_voicemail: bool = True


class TimeSlotRequest(BaseModel):
    day_of_week: int = Field(..., ge=0, le=6)
    start_time: str = Field(..., pattern=r"^\d{2}:\d{2}$")
    end_time: str = Field(..., pattern=r"^\d{2}:\d{2}$")

    @model_validator(mode="after")
    def validate_times(self) -> TimeSlotRequest:
        if self.start_time >= self.end_time:
            raise ValueError("start_time must be before end_time")
        return self


class ScheduleConfigRequest(BaseModel):
    enabled: bool = True
    timezone: str = "UTC"
    slots: list[TimeSlotRequest] = Field(..., min_length=1, max_length=50)

    @field_validator("timezone")
    @classmethod
    def validate_timezone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except Exception:
            raise ValueError(f"Invalid timezone: {value}") from None
        return value


class CircuitBreakerConfigRequest(BaseModel):
    enabled: bool = True
    failure_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    window_seconds: int = Field(default=120, ge=30, le=600)
    min_calls_in_window: int = Field(default=5, ge=1, le=100)


class CreateCampaignRequest(BaseModel):
    name: str = Field(..., min_length=1, max_length=255)
    workflow_id: int
    source_type: str = Field(..., pattern="^csv$")
    source_id: str
    telephony_configuration_id: int | None = None
    retry_config: RetryConfigRequest | None = None
    max_concurrency: int | None = Field(default=None, ge=1, le=100)
    schedule_config: ScheduleConfigRequest | None = None
    circuit_breaker: CircuitBreakerConfigRequest | None = None


class UpdateCampaignRequest(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=255)
    retry_config: RetryConfigRequest | None = None
    max_concurrency: int | None = Field(default=None, ge=1, le=100)
    schedule_config: ScheduleConfigRequest | None = None
    circuit_breaker: CircuitBreakerConfigRequest | None = None


class RedialCampaignRequest(BaseModel):
    name: str | None = Field(None, min_length=1, max_length=255)
    retry_on_voicemail: bool = True
    retry_on_no_answer: bool = True
    retry_on_busy: bool = True
    retry_config: RetryConfigRequest | None = None

    @model_validator(mode="after")
    def validate_at_least_one_reason(self) -> RedialCampaignRequest:
        if not (self.retry_on_voicemail or self.retry_on_no_answer or self.retry_on_busy):
            raise ValueError(
                "At least one of retry_on_voicemail, retry_on_no_answer, retry_on_busy must be true"
            )
        return self


class PresignedUploadUrlRequest(BaseModel):
    file_name: str = Field(..., pattern=r".*\.csv$", description="CSV filename")
    file_size: int = Field(..., gt=0, le=10_485_760, description="File size in bytes (max 10MB)")
    content_type: str = Field(default="text/csv", description="File content type")
