"""The decision memo: what its key keeps apart, its bound, that a drop is never undone by a
decision asked before it, and that only an analysed, deterministic revision is served
(tests/integration/test_decision_memo*.py run it with a real OPA)."""

from __future__ import annotations

import copy

import pytest

from app.policy.memo import DecisionMemo, memo_key
from app.policy.policy_analysis import PolicyAnalysis
from app.schemas.contract import InputDocument
from tests.support.recorded import make_input

TIMELESS = PolicyAnalysis(frozenset(), ())
TIMED = PolicyAnalysis(frozenset(), ("data.t.stamp: input.context.time",))
RANDOM = PolicyAnalysis(frozenset({"rand.intn"}), ())
READS_ID = PolicyAnalysis(frozenset(), (), ("data.t.sampled: input.request.id",))


def _doc(**changes: object) -> InputDocument:
    document = make_input(1, tenant="acme-ru", sensitivity="personal", categories={"email": 1})
    for path, value in changes.items():
        part, field = path.split("__")
        document[part][field] = value  # type: ignore[literal-required]
    return document


def test_documents_that_differ_only_in_the_request_id_share_a_key() -> None:
    assert memo_key(_doc(request__id="req_a")) == memo_key(_doc(request__id="req_b"))


def test_the_key_does_not_change_the_document() -> None:
    document = _doc()
    before = copy.deepcopy(document)
    memo_key(document)
    assert document == before


@pytest.mark.parametrize(
    "change",
    [
        {"principal__tenant": "eu-bank"},
        {"principal__key_id": "key_other"},
        {"principal__agent": "writer"},
        {"principal__roles": ["admin"]},
        {"context__time": "2026-12-01T10:00:01Z"},
        {"context__session": "s_1"},
        {"context__client_region": "eu"},
        {"request__model": "gpt-4o-mini"},
        {"request__tokens": {"prompt": 201, "max_output": None}},
        {"data__categories": {"email": 2}},
        {"data__subjects": ["EU"]},
    ],
)
def test_every_other_field_is_in_the_key(change: dict[str, object]) -> None:
    assert memo_key(_doc(**change)) != memo_key(_doc())


def test_the_key_does_not_depend_on_the_order_of_keys() -> None:
    one = _doc(data__categories={"email": 1, "phone": 2})
    other = _doc(data__categories={"phone": 2, "email": 1})
    assert memo_key(one) == memo_key(other)


def _stored(memo: DecisionMemo[str], key: bytes, revision: str, decision: str) -> None:
    memo.store(key, memo.generation, revision, decision)


def _active(memo: DecisionMemo[str], revision: str, analysis: PolicyAnalysis = TIMELESS) -> None:
    """OPA reports `revision` and its analysis lands."""
    memo.activated(revision)
    memo.analysed(memo.generation, revision, analysis)


def test_an_entry_is_served_under_the_revision_that_decided_it() -> None:
    memo: DecisionMemo[str] = DecisionMemo(8)
    _active(memo, "r1")
    _stored(memo, b"k", "r1", "allow")
    assert memo.get(b"k") == "allow"
    assert (memo.hits, memo.misses) == (1, 0)


def test_the_memo_is_bounded_and_evicts_the_least_recently_used() -> None:
    memo: DecisionMemo[str] = DecisionMemo(2)
    _active(memo, "r1")
    _stored(memo, b"a", "r1", "A")
    _stored(memo, b"b", "r1", "B")
    assert memo.get(b"a") == "A"  # a is now the most recently used
    _stored(memo, b"c", "r1", "C")
    assert len(memo) == 2
    assert memo.get(b"b") is None
    assert (memo.get(b"a"), memo.get(b"c")) == ("A", "C")


def test_an_activation_drops_every_entry() -> None:
    memo: DecisionMemo[str] = DecisionMemo(8)
    _active(memo, "r1")
    _stored(memo, b"k", "r1", "allow")
    _active(memo, "r2")
    assert memo.get(b"k") is None
    assert memo.revision == "r2"


def test_a_decision_asked_before_a_drop_is_not_stored_after_it() -> None:
    memo: DecisionMemo[str] = DecisionMemo(8)
    _active(memo, "r1")
    asked = memo.generation  # a miss goes to OPA, which evaluates under r1 ...
    memo.activated("r2")  # ... r2 is reported while the answer is on its way
    memo.store(b"k", asked, "r1", "old")
    assert memo.get(b"k") is None
    # The same holds for an answer that names the new revision but was asked before the drop.
    memo.store(b"k", asked, "r2", "new")
    assert memo.get(b"k") is None
    assert len(memo) == 0


def test_a_decision_under_an_unreported_revision_drops_the_memo() -> None:
    memo: DecisionMemo[str] = DecisionMemo(8)
    _active(memo, "r1")
    _stored(memo, b"a", "r1", "A")
    # OPA answered under r2 before its status report came: nothing of r1 is served again.
    _stored(memo, b"b", "r2", "B")
    assert (memo.get(b"a"), memo.get(b"b")) == (None, None)
    assert memo.revision is None
    # The next answer asked after that drop names the active revision, to be analysed.
    _stored(memo, b"b", "r2", "B")
    assert memo.revision == "r2"
    assert memo.get(b"b") is None
    memo.analysed(memo.generation, "r2", TIMELESS)
    _stored(memo, b"b", "r2", "B")
    assert memo.get(b"b") == "B"


def test_after_opa_exits_nothing_is_served_and_the_next_answer_names_the_revision() -> None:
    memo: DecisionMemo[str] = DecisionMemo(8)
    _active(memo, "r1")
    _stored(memo, b"k", "r1", "allow")
    asked = memo.generation
    memo.forget()
    assert memo.get(b"k") is None
    memo.store(b"k", asked, "r1", "from the old process")
    assert memo.revision is None
    assert len(memo) == 0
    _stored(memo, b"k", "r1", "allow")
    assert memo.revision == "r1"


def test_an_unknown_revision_is_never_stored() -> None:
    memo: DecisionMemo[str] = DecisionMemo(8)
    _stored(memo, b"k", "unknown", "allow")
    assert memo.get(b"k") is None
    assert memo.revision is None


def test_a_memo_needs_room() -> None:
    with pytest.raises(ValueError, match="at least one"):
        DecisionMemo(0)


def test_entries_of_an_earlier_second_are_cleared_by_the_next_one() -> None:
    memo: DecisionMemo[str] = DecisionMemo(8)
    _active(memo, "r1", TIMED)
    assert memo.get(b"a", epoch="10:00:00") is None
    memo.store(b"a", memo.generation, "r1", "A", epoch="10:00:00")
    assert memo.get(b"a", epoch="10:00:00") == "A"
    assert memo.get(b"b", epoch="10:00:01") is None
    assert len(memo) == 0  # time is in the key: "a" could never be hit again
    # An answer asked in the earlier second, returning now, is not kept either.
    memo.store(b"a", memo.generation, "r1", "A", epoch="10:00:00")
    assert len(memo) == 0
    assert memo.revision == "r1"  # a new second is not a new revision


def test_with_time_out_of_the_key_documents_of_different_seconds_share_an_entry() -> None:
    earlier, later = (
        _doc(context__time="2026-12-01T10:00:00Z"),
        _doc(context__time="2026-12-01T11:00:00Z"),
    )
    assert memo_key(earlier, with_time=False) == memo_key(later, with_time=False)
    assert memo_key(earlier) != memo_key(later)
    assert memo_key(_doc(context__session="s_1"), with_time=False) != memo_key(
        _doc(), with_time=False
    )
    assert "time" in earlier["context"]  # the document is not changed


def test_nothing_is_served_or_stored_until_the_revision_is_analysed() -> None:
    memo: DecisionMemo[str] = DecisionMemo(8)
    asked: list[tuple[int, str]] = []
    memo.on_revision = lambda generation, revision: asked.append((generation, revision))
    memo.activated("r1")
    assert asked == [(memo.generation, "r1")]
    assert memo.keying is None
    _stored(memo, b"k", "r1", "allow")
    assert (memo.get(b"k"), len(memo)) == (None, 0)
    memo.analysed(memo.generation, "r1", TIMELESS)
    assert memo.keying is False
    _stored(memo, b"k", "r1", "allow")
    assert memo.get(b"k") == "allow"


def test_a_revision_learnt_from_a_decision_is_analysed_too() -> None:
    memo: DecisionMemo[str] = DecisionMemo(8)
    asked: list[tuple[int, str]] = []
    memo.on_revision = lambda generation, revision: asked.append((generation, revision))
    memo.activated(None)  # a report naming no bundle (`--bundle` file)
    assert asked == []
    assert memo.learn(memo.generation, "r1")
    assert asked == [(memo.generation, "r1")]


@pytest.mark.parametrize("analysis", [RANDOM, READS_ID], ids=["random", "reads-request-id"])
def test_a_revision_whose_decision_may_differ_for_one_key_is_never_memoized(
    analysis: PolicyAnalysis,
) -> None:
    memo: DecisionMemo[str] = DecisionMemo(8)
    _active(memo, "r1", analysis)
    assert memo.keying is None
    _stored(memo, b"k", "r1", "allow")
    assert (memo.get(b"k"), len(memo), memo.hits) == (None, 0, 0)


def test_an_analysis_of_an_earlier_activation_is_ignored() -> None:
    memo: DecisionMemo[str] = DecisionMemo(8)
    memo.activated("r1")
    asked = memo.generation
    memo.activated("r1")  # re-published under the same revision while it was analysed
    memo.analysed(asked, "r1", TIMELESS)
    assert memo.keying is None
    memo.analysed(memo.generation, "r2", TIMELESS)  # not the active revision
    assert memo.keying is None
    memo.analysed(memo.generation, "r1", TIMED)
    assert memo.keying is True
