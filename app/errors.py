"""One exception tree, converted to the OpenAI error format at the API edge.

    KordonError                    500 api_error
    ├── InvalidRequest             400 invalid_request_error
    │   ├── MalformedJSON          400
    │   ├── BodyTooLarge           413
    │   └── ScanBudgetExceeded     413 (content too costly to scan within the budget)
    ├── AuthenticationFailed       401 authentication_error
    ├── PolicyDenied               403 permission_error     (the policy's reasons)
    ├── NotFound                   404 invalid_request_error
    ├── DataBlocked                422 invalid_request_error (categories, never values)
    ├── RateLimited                429 rate_limit_error
    ├── UpstreamUnavailable        502 api_error            (every route failed)
    ├── PolicyUnavailable          503 api_error            (fail closed: no decision, no call)
    ├── QuotaUnavailable           503 api_error            (quota store down, policy says deny)
    ├── ShuttingDown               503 api_error            (draining: retry on another instance)
    └── AuditUnavailable           503 api_error            (audit queue full, policy says deny)

Messages never carry secrets, keys or personal data: callers build them from names and counts.
"""

from __future__ import annotations

from collections.abc import Mapping

__all__ = [
    "AuditUnavailable",
    "AuthenticationFailed",
    "BodyTooLarge",
    "DataBlocked",
    "InvalidRequest",
    "KordonError",
    "MalformedJSON",
    "NotFound",
    "PolicyDenied",
    "PolicyUnavailable",
    "QuotaUnavailable",
    "RateLimited",
    "ScanBudgetExceeded",
    "ShuttingDown",
    "UpstreamUnavailable",
]


class KordonError(Exception):
    status = 500
    type = "api_error"
    code = "internal_error"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.param = param
        self.headers: dict[str, str] = dict(headers or {})

    def body(self) -> dict[str, object]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


class InvalidRequest(KordonError):
    status = 400
    type = "invalid_request_error"
    code = "invalid_request"


class MalformedJSON(InvalidRequest):
    code = "invalid_json"


class BodyTooLarge(InvalidRequest):
    status = 413
    code = "request_too_large"


class ScanBudgetExceeded(InvalidRequest):
    # 413, not 503: the content is what takes too long to examine (the budget is far above
    # what a normal request needs), so a retry of the same body fails again, and SDKs do not
    # retry a 413; smaller requests pass.
    status = 413
    code = "scan_budget_exceeded"


class AuthenticationFailed(KordonError):
    status = 401
    type = "authentication_error"
    code = "invalid_api_key"


class PolicyDenied(KordonError):
    status = 403
    type = "permission_error"
    code = "policy_denied"


class NotFound(KordonError):
    status = 404
    type = "invalid_request_error"
    code = "not_found"


class DataBlocked(KordonError):
    status = 422
    type = "invalid_request_error"
    code = "personal_data_blocked"


class RateLimited(KordonError):
    status = 429
    type = "rate_limit_error"
    code = "rate_limit_exceeded"


class UpstreamUnavailable(KordonError):
    status = 502
    type = "api_error"
    code = "upstream_unavailable"


class PolicyUnavailable(KordonError):
    status = 503
    type = "api_error"
    code = "policy_unavailable"


class QuotaUnavailable(KordonError):
    status = 503
    type = "api_error"
    code = "quota_unavailable"


class ShuttingDown(KordonError):
    status = 503
    type = "api_error"
    code = "shutting_down"


class AuditUnavailable(KordonError):
    status = 503
    type = "api_error"
    code = "audit_unavailable"
