"""The governed path for one request: classify → input → decide → execute.

The API layer hands over an authenticated principal and a validated payload; this module
asks the policy and hands the decision to the executor. It never decides anything itself.
"""

from __future__ import annotations

from app.audit.step import AuditStep
from app.errors import KordonError
from app.executor import Call, Executor, Outcome
from app.keys import Principal
from app.policy.classify import Classifier
from app.policy.input import RequestFacts, build_input
from app.policy.opa import DecisionClient, PolicyResult
from app.protect.scan import NO_PAYLOAD, ScanResult
from app.protect.vault import session_scope
from app.quota.step import QuotaStep
from app.quota.tokens import count_prompt_tokens

__all__ = ["Gateway", "kordon_headers"]


def kordon_headers(request_id: str, policy: PolicyResult | None) -> dict[str, str]:
    headers = {"x-kordon-request-id": request_id}
    if policy is not None:
        headers["x-kordon-decision-id"] = policy.decision_id
        headers["x-kordon-policy-revision"] = policy.revision
    return headers


class Gateway:
    def __init__(
        self,
        classifier: Classifier,
        decisions: DecisionClient,
        executor: Executor,
        quota: QuotaStep,
        audit: AuditStep,
    ) -> None:
        self._classifier = classifier
        self._decisions = decisions
        self._executor = executor
        self._quota = quota
        self._audit = audit

    async def decide(
        self, principal: Principal, facts: RequestFacts, scan: ScanResult, prompt_tokens: int
    ) -> PolicyResult:
        document = build_input(facts, principal, scan, prompt_tokens)
        return await self._decisions.decide(document, facts.request_id)

    async def handle(
        self, principal: Principal, facts: RequestFacts, payload: dict[str, object]
    ) -> tuple[PolicyResult, Outcome]:
        recording = self._audit.begin(facts.request_id, principal)
        policy: PolicyResult | None = None
        try:
            scan = await self._classifier.classify(principal.tenant, facts.endpoint, payload)
            prompt_tokens = count_prompt_tokens(facts.endpoint, payload)
            document = build_input(facts, principal, scan, prompt_tokens)
            recording.asking(document)
            policy = await self._decisions.decide(document, facts.request_id)
            recording.decided(policy)
            recording.admit()
            call = _call(principal, facts, payload, scan, prompt_tokens, policy)
            outcome = await self._executor.run(call)
        except Exception as exc:
            recording.failed(exc)
            if isinstance(exc, KordonError) and policy is not None:
                exc.headers.update(kordon_headers(facts.request_id, policy))
            raise
        return policy, recording.finished(outcome)

    async def list_models(self, principal: Principal, request_id: str) -> PolicyResult:
        """The tenant's standing decision: the models it may use and the limits it is under."""
        facts = RequestFacts(request_id=request_id, endpoint="models", model="auto")
        return await self.decide(principal, facts, NO_PAYLOAD, 0)

    async def usage(
        self, principal: Principal, request_id: str
    ) -> tuple[PolicyResult, list[dict[str, object]]]:
        policy = await self.list_models(principal, request_id)
        return policy, await self._quota.usage(policy.decision.quota)


def _call(
    principal: Principal,
    facts: RequestFacts,
    payload: dict[str, object],
    scan: ScanResult,
    prompt_tokens: int,
    policy: PolicyResult,
) -> Call:
    session = (
        session_scope(principal.tenant, principal.key_id, facts.session) if facts.session else None
    )
    return Call(
        facts.request_id,
        facts.endpoint,
        payload,
        facts.stream,
        prompt_tokens,
        facts.max_output,
        scan,
        policy,
        session,
        principal.tenant,
    )
