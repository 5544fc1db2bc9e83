"""What a bundle revision's policies can do that matters to the decision memo (`memo.py`), read
from the module ASTs OPA serves (GET /v1/policies: compiled modules, every name resolved to its
`data` path, calls flattened into expressions whose last term is the output, and `input` used
whole bound to a local variable first, e.g. `__local3__ = input; is_object(__local3__)`).

- `nondeterministic`: built-ins the policies call that OPA itself marks non-deterministic
  (`opa capabilities`: time.now_ns, rand.intn, http.send, ...). Same input + same revision may
  then give another decision: the memo serves nothing for such a revision.
- `time_reads`: where a rule may read `input.context.time`: the ref itself, or `input` /
  `input.context` used whole or with a key that is not a constant (`walk(input)`, `input[k]`,
  `json.marshal(input)`, `object.get(input.context, k, d)` with `k` unknown). The memo then keeps
  the time in its key.
- `id_reads`: where a rule may read `input.request.id` (found the same way, through `input` /
  `input.request`). The memo's key leaves the request id out, so a decision that may depend on
  it is never memoized: the memo serves nothing for such a revision.

Conservative by construction: a use of `input`, `input.context` or `input.request` the walk does
not recognise counts as a read of what it may hold, and a call it cannot name counts as
non-deterministic. Recognised as not reading a watched field: constant keys that lead elsewhere,
type checks of the whole document (`is_object(input)`), and `object.get(input, path, d)` with a
constant path, also when the path is a function argument every analysed call passes as a
constant (each call of a function is analysed with its constant arguments). Every rule of every
module is walked, reached from the decision or not; functions are walked where they are called
(or named as a `with` value). The modules are the bundle's: `with` in tests (rego_tests) never
reaches OPA.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson

__all__ = ["Capabilities", "PolicyAnalysis", "analyse"]

_Json = Any
# A key the walk cannot know (a variable, a call's result, ...).
_UNKNOWN = object()
# Built-ins whose answer depends on a value's type only: the whole document may pass through them.
_TYPE_CHECKS = frozenset(
    {"is_object", "is_array", "is_string", "is_number", "is_boolean", "is_null", "is_set"}
)
_BINDINGS = frozenset({"eq", "assign"})
# The per-request fields of the input document a rule may read, and the parts of `input` whose
# whole uses the walk follows (a variable bound to one of them is followed too).
_TIME = ("context", "time")
_ID = ("request", "id")
_WATCHED = (_TIME, _ID)
_WHOLES = ((), ("context",), ("request",))
_SCALARS = frozenset({"string", "number", "boolean", "null"})


@dataclass(frozen=True, slots=True)
class Capabilities:
    """The built-ins of the OPA that evaluates the policies (`opa capabilities --current`)."""

    builtins: frozenset[str]
    nondeterministic: frozenset[str]

    @classmethod
    def from_json(cls, capabilities: Mapping[str, Any]) -> Capabilities:
        entries = capabilities.get("builtins")
        if not isinstance(entries, list) or not entries:
            raise ValueError("OPA capabilities list no built-ins")
        return cls(
            frozenset(str(b["name"]) for b in entries),
            frozenset(str(b["name"]) for b in entries if b.get("nondeterministic") is True),
        )


@dataclass(frozen=True, slots=True)
class PolicyAnalysis:
    nondeterministic: frozenset[str]
    time_reads: tuple[str, ...]
    id_reads: tuple[str, ...] = ()

    @property
    def memoizable(self) -> bool:
        """Same input document but its request id, same revision: same decision."""
        return not self.nondeterministic and not self.id_reads

    @property
    def reads_time(self) -> bool:
        return bool(self.time_reads)

    @property
    def summary(self) -> str:
        """What the decision memo does for this revision, and why (for the log)."""
        if self.nondeterministic:
            return f"off (non-deterministic: {', '.join(sorted(self.nondeterministic))})"
        if self.id_reads:
            return f"off (may read the request id: {'; '.join(self.id_reads[:3])})"
        if self.time_reads:
            return f"time in the key ({'; '.join(self.time_reads[:3])})"
        return "time out of the key"


def analyse(modules: Iterable[Mapping[str, Any]], capabilities: Capabilities) -> PolicyAnalysis:
    """Analyse the ASTs of every module OPA has loaded (GET /v1/policies' `ast`s)."""
    walk = _Walk(capabilities)
    for module in modules:
        walk.add_module(module)
    walk.run()
    return PolicyAnalysis(
        frozenset(walk.nondeterministic), tuple(walk.reads[_TIME]), tuple(walk.reads[_ID])
    )


@dataclass(slots=True)
class _Scope:
    """One rule under analysis: its path (for reports), the function arguments known as
    constants, and the local variables bound to `input` (path ()), `input.context` or
    `input.request`."""

    where: str
    constants: dict[str, _Json]
    aliases: dict[str, tuple[object, ...]] = field(default_factory=dict)


class _Walk:
    def __init__(self, capabilities: Capabilities) -> None:
        self._capabilities = capabilities
        self._rules: list[tuple[str, Mapping[str, Any]]] = []
        self._functions: dict[tuple[str, ...], list[Mapping[str, Any]]] = {}
        self._walked: set[tuple[tuple[str, ...], bytes]] = set()
        self.nondeterministic: set[str] = set()
        self.reads: dict[tuple[str, str], list[str]] = {watched: [] for watched in _WATCHED}

    def add_module(self, module: Mapping[str, Any]) -> None:
        path = _strings(module["package"]["path"])
        if path is None or path[0] != "data":
            raise ValueError("a module's package is not a constant path under data")
        package = path[1:]
        for rule in module.get("rules") or ():
            head = rule["head"]
            name = _strings(head["ref"])
            if head.get("args") and name is not None:
                self._functions.setdefault((*package, *name), []).append(rule)
            else:
                self._rules.append((".".join(("data", *package, *(name or ("?",)))), rule))

    def run(self) -> None:
        for where, rule in self._rules:
            self._rule(rule, _Scope(where, {}))

    # -- rules and functions

    def _rule(self, rule: Mapping[str, Any], scope: _Scope) -> None:
        scope.aliases = _aliases(rule)
        head = rule["head"]
        for part in ("key", "value"):
            self._visit(head.get(part), scope)
        self._visit(head.get("ref", [])[1:], scope)
        self._visit(rule.get("body"), scope)
        if rule.get("else"):
            self._rule(rule["else"], _Scope(scope.where, scope.constants))

    def _function(self, path: tuple[str, ...], arguments: Sequence[object]) -> None:
        """Walk every definition of the function at `path`, its parameters bound to the
        constant `arguments` (`_UNKNOWN` for the others); once per path and constants."""
        known = [a if a is not _UNKNOWN else {"?": "unknown"} for a in arguments]
        seen = (path, orjson.dumps(known, option=orjson.OPT_SORT_KEYS))
        if seen in self._walked:
            return
        self._walked.add(seen)
        for rule in self._functions[path]:
            constants = {
                parameter["value"]: argument
                for parameter, argument in zip(rule["head"]["args"], arguments, strict=False)
                if parameter.get("type") == "var" and argument is not _UNKNOWN
            }
            self._rule(rule, _Scope(".".join(("data", *path)), constants))

    # -- terms

    def _visit(self, node: _Json, scope: _Scope) -> None:
        if isinstance(node, list):
            for item in node:
                self._visit(item, scope)
            return
        if not isinstance(node, dict):
            return
        terms = node.get("terms")
        if isinstance(terms, list) and terms:  # an expression calling terms[0]
            self._call(terms[0], terms[1:], scope)
            self._visit(node.get("with"), scope)
            return
        kind = node.get("type")
        if kind == "call":
            self._call(node["value"][0], node["value"][1:], scope)
        elif kind == "ref":
            self._ref(node["value"], scope)
        elif kind == "var":
            if node["value"] in scope.aliases:
                base = scope.aliases[node["value"]]
                self._read(scope, base, f"uses {_show(node)} ({_input(base)})")
        elif kind not in _SCALARS:
            for key, value in node.items():
                if key != "location":
                    self._visit(value, scope)

    def _call(self, operator: _Json, arguments: list[_Json], scope: _Scope) -> None:
        name = _strings(operator["value"]) if operator.get("type") == "ref" else None
        if name is None:
            self.nondeterministic.add(f"unknown call {_show(operator)} in {scope.where}")
            self._visit([operator, *arguments], scope)
            return
        if name[0] == "data":
            self._call_function(name[1:], arguments, scope)
            return
        builtin = ".".join(name)
        if builtin in self._capabilities.nondeterministic:
            self.nondeterministic.add(builtin)
        elif builtin not in self._capabilities.builtins:
            self.nondeterministic.add(f"unknown built-in {builtin} in {scope.where}")
        if builtin in _BINDINGS and self._binds_alias(arguments, scope):
            return
        if builtin in _TYPE_CHECKS or builtin == "type_name":
            arguments = [a for a in arguments if _whole(a, scope.aliases, scope.constants) is None]
        elif builtin == "object.get" and len(arguments) >= 2:
            base = _whole(arguments[0], scope.aliases, scope.constants)
            if base is not None:
                path = _constant(arguments[1], scope.constants)
                keys = [path] if isinstance(path, str) else path
                if not isinstance(keys, list):
                    keys = [_UNKNOWN]
                self._read(
                    scope, [*base, *keys], f"object.get({_input(base)}, {_show(arguments[1])})"
                )
                arguments = arguments[1:]
        self._visit(arguments, scope)

    def _call_function(self, path: tuple[str, ...], arguments: list[_Json], scope: _Scope) -> None:
        if path not in self._functions:
            self.nondeterministic.add(f"unknown function data.{'.'.join(path)} in {scope.where}")
            self._visit(arguments, scope)
            return
        count = len(self._functions[path][0]["head"]["args"])
        self._function(path, [_constant(a, scope.constants) for a in arguments[:count]])
        self._visit(arguments, scope)

    def _ref(self, elements: list[_Json], scope: _Scope) -> None:
        head, rest = elements[0], elements[1:]
        if head.get("type") == "var":
            base = () if head["value"] == "input" else scope.aliases.get(head["value"])
            if base is not None:
                keys = [_constant(e, scope.constants) for e in rest]
                self._read(scope, [*base, *keys], _show({"type": "ref", "value": elements}))
            else:
                name = _strings(elements)
                if name and name[0] == "data" and name[1:] in self._functions:
                    # Named, not called (a `with` value): walked with unknown arguments.
                    arity = len(self._functions[name[1:]][0]["head"]["args"])
                    self._function(name[1:], [_UNKNOWN] * arity)
                elif name and ".".join(name) in self._capabilities.nondeterministic:
                    self.nondeterministic.add(".".join(name))
        else:
            self._visit(head, scope)
        self._visit(rest, scope)

    # -- input

    def _binds_alias(self, arguments: list[_Json], scope: _Scope) -> bool:
        """`x = input` / `x := input.context` as `_aliases` found it: not a use by itself."""
        if len(arguments) != 2:
            return False
        return any(
            var.get("type") == "var"
            and var["value"] in scope.aliases
            and _whole(value, scope.aliases, scope.constants) == scope.aliases[var["value"]]
            for var, value in (arguments, arguments[::-1])
        )

    def _read(self, scope: _Scope, keys: Sequence[object], what: str) -> None:
        """A lookup of `keys` under `input`: noted for each watched field it may reach."""
        for watched, reads in self.reads.items():
            if _reaches(keys, watched):
                reads.append(f"{scope.where}: {what}")


def _aliases(rule: Mapping[str, Any]) -> dict[str, tuple[object, ...]]:
    """Variables the rule binds to `input`, `input.context` or `input.request` (x = input;
    y = x; ...)."""
    bindings: list[tuple[_Json, _Json]] = []
    stack: list[_Json] = [rule.get("body"), rule["head"].get("value")]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(node)
        elif isinstance(node, dict):
            terms = node.get("terms")
            if (
                isinstance(terms, list)
                and len(terms) == 3
                and terms[0].get("type") == "ref"
                and _strings(terms[0]["value"]) in (("eq",), ("assign",))
            ):
                bindings.append((terms[1], terms[2]))
            stack.extend(v for k, v in node.items() if k not in ("location", "else"))
    aliases: dict[str, tuple[object, ...]] = {}
    changed = True
    while changed:
        changed = False
        for left, right in bindings:
            for var, value in ((left, right), (right, left)):
                if var.get("type") != "var" or var["value"] in aliases:
                    continue
                base = _whole(value, aliases, {})
                if base is not None:
                    aliases[var["value"]] = base
                    changed = True
    return aliases


def _whole(
    term: _Json, aliases: Mapping[str, tuple[object, ...]], constants: Mapping[str, _Json]
) -> tuple[object, ...] | None:
    """`input`, `input.context` or `input.request` (as a ref or a bound variable): its path,
    else None."""
    if term.get("type") == "var":
        return aliases.get(term["value"])
    if term.get("type") != "ref" or term["value"][0].get("type") != "var":
        return None
    head = term["value"][0]["value"]
    base = () if head == "input" else aliases.get(head)
    if base is None:
        return None
    path = (*base, *(_constant(e, constants) for e in term["value"][1:]))
    return path if path in _WHOLES else None


def _reaches(keys: Sequence[object], watched: tuple[str, str]) -> bool:
    """Whether a lookup of `keys` under `input` can yield the watched field (or a value
    holding it)."""
    for key, wanted in zip(keys, watched, strict=False):
        if key is _UNKNOWN:
            return True
        if key != wanted:
            return False
    return True


def _constant(term: _Json, constants: Mapping[str, _Json]) -> object:
    """The term's value when it is a constant (or an argument bound to one), else _UNKNOWN."""
    kind = term.get("type")
    if kind in _SCALARS:
        return None if kind == "null" else term["value"]
    if kind == "var":
        return constants.get(term["value"], _UNKNOWN)
    if kind == "array":
        items = [_constant(t, constants) for t in term["value"]]
        return _UNKNOWN if any(i is _UNKNOWN for i in items) else items
    return _UNKNOWN


def _strings(elements: Sequence[_Json]) -> tuple[str, ...] | None:
    """A ref's name (`data.kordon.deny._json`, `object.get`) when every part is constant."""
    if not elements or elements[0].get("type") != "var":
        return None
    tail = [e.get("value") for e in elements[1:] if e.get("type") == "string"]
    if len(tail) != len(elements) - 1:
        return None
    return (str(elements[0]["value"]), *tail)


def _input(path: tuple[object, ...]) -> str:
    return ".".join(("input", *(str(p) for p in path)))


def _show(term: _Json) -> str:
    if term.get("type") == "ref":
        return "".join(
            str(e["value"]) if i == 0 else f".{e['value']}" if e.get("type") == "string" else "[…]"
            for i, e in enumerate(term["value"])
        )
    return str(term.get("value"))
