"""The OpenAI routes read each request's headers once, with starlette's semantics."""

from __future__ import annotations

from pathlib import Path

import pytest
from starlette.requests import Request

from app.api.openai import authenticate, request_id_of
from app.errors import AuthenticationFailed
from app.keys import KeyStore


def _request(*headers: tuple[bytes, bytes]) -> Request:
    return Request({"type": "http", "method": "POST", "path": "/", "headers": list(headers)})


def test_the_bearer_key_authenticates_and_the_first_of_two_authorization_headers_wins(
    tmp_path: Path,
) -> None:
    keys = KeyStore(path=tmp_path / "keys.json")
    key, record = keys.create("acme-ru", "planner", persist=False)
    principal = authenticate(_request((b"authorization", f"Bearer {key}".encode())), keys)
    assert principal.tenant == record.tenant
    both = _request(
        (b"authorization", f"bearer  {key}".encode()), (b"authorization", b"Bearer kdn-other")
    )
    assert authenticate(both, keys).tenant == record.tenant
    swapped = _request(
        (b"authorization", b"Bearer kdn-other"), (b"authorization", f"Bearer {key}".encode())
    )
    with pytest.raises(AuthenticationFailed):
        authenticate(swapped, keys)


@pytest.mark.parametrize(
    "headers", [(), ((b"authorization", b"Basic abc"),), ((b"authorization", b"Bearer"),)]
)
def test_no_bearer_key_is_refused(tmp_path: Path, headers: tuple[tuple[bytes, bytes]]) -> None:
    with pytest.raises(AuthenticationFailed):
        authenticate(_request(*headers), KeyStore(path=tmp_path / "keys.json"))


def test_a_well_formed_request_id_is_kept_and_any_other_replaced() -> None:
    assert request_id_of(_request((b"x-request-id", b"trace:42.a_b-c"))) == "trace:42.a_b-c"
    for given in (b"", b"has space", b"x" * 65):
        minted = request_id_of(_request((b"x-request-id", given)))
        assert minted.startswith("req_")
        assert len(minted) == 28
    assert request_id_of(_request()) != request_id_of(_request())
