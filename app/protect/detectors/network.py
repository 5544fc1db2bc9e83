"""IP addresses, v4 and v6, confirmed by :mod:`ipaddress`.

Decisions, each to keep versions and clocks out:

* a dotted quad right after ``v``, ``version``, ``ver.``, ``версия``, ``release``, ``build``,
  a version operator (``==``, ``>=``, ``~=``…), ``section``, ``раздел``, ``пункт`` or ``§`` is
  a version or a section number ("v2.10.1.4", "__version__ = '3.5.0.1'", "§4.2.3.1"), not an
  address; three-part versions ("1.2.3") never look like IPv4 at all. A version after a bare
  product name ("Guile 3.0.5.130") is indistinguishable from an address and is reported;
* "12:30:45" and MAC addresses are IPv6 candidates that :mod:`ipaddress` rejects; an IPv6
  candidate also needs a group of three or more hex digits, so Python slices such as
  ``x[1::2]`` (a valid address, ``1::2``) are left alone;
* the unspecified address (``0.0.0.0``, ``::``) and loopback (``127.0.0.1``, ``::1``) point
  at no one and are skipped; every other valid address counts, private ranges included,
  because a private address still identifies a device on the tenant's network.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator

from app.protect.findings import Finding

__all__ = ["IpDetector"]

# Look-aheads first let the regex engine skip quickly to a possible first character.
_IPV4 = re.compile(r"(?=\d)(?<![\w:.])\d{1,3}(?:\.\d{1,3}){3}(?!\w|\.\d)")
_IPV6 = re.compile(
    r"(?=[\dA-Fa-f:])(?<![\w:.])"
    r"(?:[0-9A-Fa-f]{0,4}:){2,7}(?:\d{1,3}(?:\.\d{1,3}){3}|[0-9A-Fa-f]{1,4})?(?![\w:])"
)
# Every IPv6 address has "::" or a colon between hex digits; prose rarely does. Starting the
# hint with the literal ":" lets the engine jump from colon to colon.
_IPV6_HINT = re.compile(r":(?<=[0-9A-Fa-f:]:)[0-9A-Fa-f:]")
_HEX_RUN_BEFORE = re.compile(r"[0-9A-Fa-f:]*\Z")
_VERSION = re.compile(
    r"(?:\bv|\bver\b|version|верси[яи]|release|build|section|раздел|пункт|[=<>~!]=|§)[\W_]{0,6}$",
    re.IGNORECASE,
)
_LONG_HEX_GROUP = re.compile(r"[0-9A-Fa-f]{3}")


def _address(candidate: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return None
    return None if address.is_loopback or address.is_unspecified else address


class IpDetector:
    """Finds IPv4 and IPv6 addresses that are not versions, loopback or unspecified."""

    categories: frozenset[str] = frozenset({"ip"})
    # Prefilter (RE2): a dotted quad has ".digits." inside, an IPv6 candidate two colons
    # with at most four hex digits between them.
    hint = r"\.\p{Nd}{1,3}\.|:[0-9A-Fa-f]{0,4}:"

    def find(self, text: str) -> Iterator[Finding]:
        """Yield each address; IPv6 is only tried where a colon hints at one."""
        for match in _IPV4.finditer(text):
            start = match.start()
            if _address(match.group()) and not _VERSION.search(text, max(0, start - 20), start):
                yield Finding("ip", start, match.end())
        done = 0
        for hint in _IPV6_HINT.finditer(text):
            if hint.start() < done:
                continue
            # Back up over the hex digits and colons before the hint: the candidate's start.
            run = _HEX_RUN_BEFORE.search(text, max(done, hint.start() - 40), hint.start())
            v6 = _IPV6.match(text, run.start() if run else hint.start())
            if v6 is None:
                continue
            done = v6.end()
            if _LONG_HEX_GROUP.search(v6.group()) and _address(v6.group()):
                yield Finding("ip", *v6.span())
