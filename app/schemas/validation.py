"""Where and why a document failed its msgspec schema, in the shape the gateway reports it."""

from __future__ import annotations

import re

import msgspec

__all__ = ["failure"]

# msgspec ends a message with the location of what failed: " - at `$.messages[0].role`".
_AT = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_STEP = re.compile(r"\.([^.\[]+)|\[(\d+)\]")
# A missing field is reported at the object that lacks it, named in the message.
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`")
# The messages that quote the input ("Invalid enum value 'x'", "Invalid value 'x'"): the value
# may be personal data, so it is cut.
_ECHO = re.compile(r"^(?P<kept>Invalid (?:enum )?value) .*", re.DOTALL)


def failure(exc: msgspec.ValidationError) -> tuple[str | None, str]:
    """The failing field as a dotted path, as OpenAI errors name a `param` ("messages.0.role";
    None for the whole document), and the message without its location or the input's value."""
    text = str(exc)
    at = _AT.search(text)
    message = _ECHO.sub(r"\g<kept>", text[: at.start()] if at else text)
    steps = [key or index for key, index in _STEP.findall(at["path"] if at else "")]
    missing = _MISSING.match(message)
    if missing:
        steps.append(missing["field"])
    return ".".join(steps) or None, message
