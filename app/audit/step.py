"""The executor's last step, `audit.record`: one record per governed request.

The gateway opens a `Recording` when a request arrives, marks the decision, reserves the
record's place in the trail before anything leaves the gateway (a full queue refuses the
request when the decision says so), and finishes it with the outcome or the error. A
stream's record is finished when the stream ends, however it ends.
"""

from __future__ import annotations

import time
from collections.abc import AsyncGenerator, AsyncIterator

from app.audit.record import AuditEvent
from app.audit.trail import AuditTrail
from app.errors import KordonError
from app.executor import Outcome
from app.keys import Principal
from app.policy.opa import PolicyResult
from app.providers.routing import RoutesExhausted
from app.schemas.contract import InputDocument

__all__ = ["AuditStep", "Recording"]


class Recording:
    __slots__ = ("_reserved", "_trail", "event")

    def __init__(self, trail: AuditTrail | None, event: AuditEvent) -> None:
        self._trail = trail
        self._reserved = False
        self.event = event

    def asking(self, document: InputDocument) -> None:
        self.event.document = document

    def decided(self, policy: PolicyResult) -> None:
        self.event.policy = policy
        self.event.decided = time.perf_counter()

    def admit(self) -> None:
        """Reserve this record's place; raises AuditUnavailable when full and policy denies."""
        if self._trail is not None and self.event.policy is not None:
            self._reserved = self._trail.admit(self.event.policy.decision.audit)

    def failed(self, exc: Exception) -> None:
        event = self.event
        if isinstance(exc, KordonError):
            event.status, event.error = exc.status, exc.code
        else:
            event.status, event.error = 500, "internal_error"
        if isinstance(exc, RoutesExhausted):
            event.attempts = exc.attempts
        self._emit()

    def finished(self, outcome: Outcome) -> Outcome:
        event = self.event
        event.status, event.route, event.attempts = outcome.status, outcome.route, outcome.attempts
        event.first_byte, event.price = outcome.first_byte, outcome.price
        event.cache = outcome.cache
        if outcome.status != 200:
            event.error = f"upstream_http_{outcome.status}"
        if outcome.stream is None:
            event.usage = outcome.usage
            self._emit()
        else:
            outcome.stream = self._recorded(outcome.stream, outcome)
        return outcome

    async def _recorded(
        self, stream: AsyncIterator[bytes], outcome: Outcome
    ) -> AsyncIterator[bytes]:
        try:
            async for chunk in stream:
                yield chunk
        except BaseException:
            # The client went away or the upstream broke off: recorded, never swallowed.
            self.event.error = "stream_interrupted"
            raise
        finally:
            try:
                if isinstance(stream, AsyncGenerator):
                    await stream.aclose()  # its own cleanup reports the stream's usage
            finally:
                self.event.usage = outcome.usage
                self._emit()

    def _emit(self) -> None:
        self.event.finished = time.perf_counter()
        if self._trail is not None:
            self._trail.record(self._reserved, self.event)


class AuditStep:
    def __init__(self, trail: AuditTrail | None) -> None:
        self._trail = trail

    def begin(self, request_id: str, principal: Principal) -> Recording:
        return Recording(self._trail, AuditEvent(request_id, principal))
