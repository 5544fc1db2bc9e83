"""E-mail addresses, found from their "@" outwards, with a cheap sanity check of the domain."""

from __future__ import annotations

import re
from collections.abc import Iterator

from app.protect.budget import checkpoint
from app.protect.findings import Finding

__all__ = ["EmailDetector"]

_LOCAL_MAX = 64  # RFC 5321 limit on the part before "@"
# Anchoring on "@" costs nothing on text without one and keeps the scan linear: a regex that
# starts at the local part would be tried at the start of every word of the text.
_LOCAL = re.compile(r"[\w.%+-]+\Z")
_LOCAL_CHAR = re.compile(r"[\w.%+-]")
_DOMAIN = re.compile(r"[\w-]++(?:\.[\w-]++)++")

# "icon@2x.png" is a retina image name, not an address; these are extensions, never TLDs.
_FILE_EXTENSIONS = frozenset({"png", "jpg", "jpeg", "gif", "svg", "webp", "bmp", "ico", "pdf"})


class EmailDetector:
    """Finds e-mail addresses, including internationalised ones (``иван@почта.рф``)."""

    categories: frozenset[str] = frozenset({"email"})

    def find(self, text: str) -> Iterator[Finding]:
        """Yield each address with a plausible local part and a dotted, alphabetic-TLD domain."""
        at = text.find("@")
        while at >= 0:
            checkpoint()  # "@"-dense text is the costly case: the scan budget bounds it
            floor = max(0, at - _LOCAL_MAX)
            local = _LOCAL.search(text, floor, at)
            domain = _DOMAIN.match(text, at + 1)
            # A local part still running at the 64-character floor is not an address.
            if (
                local
                and domain
                and not (local.start() == floor > 0 and _LOCAL_CHAR.match(text, floor - 1))
            ):
                # "see..john@x.io": keep what follows the last "..", without leading dots.
                name = local.group().rpartition("..")[2].lstrip(".")
                tld = domain.group().rpartition(".")[2]
                if name and tld.isalpha() and tld.lower() not in _FILE_EXTENSIONS:
                    yield Finding("email", at - len(name), domain.end())
            at = text.find("@", at + 1)
