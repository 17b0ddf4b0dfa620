"""CloudFormation intrinsic functions, resolved against what the local stack has created so far."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from typing import Any

_SUB_VAR = re.compile(r"\$\{([^}!]+)\}")


class IntrinsicError(RuntimeError):
    pass


class Resolver:
    def __init__(
        self,
        parameters: dict[str, Any],
        conditions: dict[str, Any],
        ref: Callable[[str], Any],
        get_att: Callable[[str, str], Any],
    ) -> None:
        self._parameters = parameters
        self._condition_defs = conditions
        self._conditions: dict[str, bool] = {}
        self._ref = ref
        self._get_att = get_att

    def condition(self, name: str) -> bool:
        if name not in self._conditions:
            if name not in self._condition_defs:
                raise IntrinsicError(f"unknown condition {name}")
            self._conditions[name] = bool(self.resolve(self._condition_defs[name]))
        return self._conditions[name]

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            resolved = (self.resolve(v) for v in value if not _is_no_value(v))
            return [v for v in resolved if v is not _NO_VALUE]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            ((key, arg),) = value.items()
            handler = _FUNCTIONS.get(key)
            if handler is not None:
                return handler(self, arg)
        properties = {k: self.resolve(v) for k, v in value.items() if not _is_no_value(v)}
        return {k: v for k, v in properties.items() if v is not _NO_VALUE}

    def ref(self, name: str) -> Any:
        if name in self._parameters:
            return self._parameters[name]
        return self._ref(name)

    def sub(self, template: str, variables: dict[str, Any]) -> str:
        def replace(match: re.Match[str]) -> str:
            name = match.group(1)
            if name in variables:
                return str(variables[name])
            if "." in name and not name.startswith("AWS::"):
                logical_id, attribute = name.split(".", 1)
                return str(self._get_att(logical_id, attribute))
            return str(self.ref(name))

        return _SUB_VAR.sub(replace, template).replace("${!", "${")


# What an Fn::If that chose AWS::NoValue resolves to: the list item or property it stands for is dropped,
# as CloudFormation does.
_NO_VALUE = object()


def _is_no_value(value: Any) -> bool:
    return isinstance(value, dict) and value == {"Ref": "AWS::NoValue"}


def _ref(r: Resolver, arg: str) -> Any:
    return r.ref(arg)


def _get_att(r: Resolver, arg: Any) -> Any:
    if isinstance(arg, str):
        arg = arg.split(".", 1)
    logical_id, attribute = r.resolve(arg)
    return r._get_att(logical_id, attribute)


def _sub(r: Resolver, arg: Any) -> str:
    if isinstance(arg, str):
        return r.sub(arg, {})
    template, variables = arg
    return r.sub(template, {k: r.resolve(v) for k, v in variables.items()})


def _join(r: Resolver, arg: list[Any]) -> str:
    delimiter, items = arg
    return str(delimiter).join(str(x) for x in r.resolve(items))


def _select(r: Resolver, arg: list[Any]) -> Any:
    index, items = r.resolve(arg)
    return items[int(index)]


def _split(r: Resolver, arg: list[Any]) -> list[str]:
    delimiter, text = r.resolve(arg)
    return str(text).split(delimiter)


def _if(r: Resolver, arg: list[Any]) -> Any:
    name, when_true, when_false = arg
    chosen = when_true if r.condition(name) else when_false
    return _NO_VALUE if _is_no_value(chosen) else r.resolve(chosen)


def _equals(r: Resolver, arg: list[Any]) -> bool:
    a, b = r.resolve(arg)
    return bool(a == b)


def _not(r: Resolver, arg: list[Any]) -> bool:
    return not r.resolve(arg[0])


def _and(r: Resolver, arg: Iterable[Any]) -> bool:
    return all(r.resolve(x) for x in arg)


def _or(r: Resolver, arg: Iterable[Any]) -> bool:
    return any(r.resolve(x) for x in arg)


def _condition(r: Resolver, arg: str) -> bool:
    return r.condition(arg)


_FUNCTIONS: dict[str, Callable[[Resolver, Any], Any]] = {
    "Ref": _ref,
    "Fn::GetAtt": _get_att,
    "Fn::Sub": _sub,
    "Fn::Join": _join,
    "Fn::Select": _select,
    "Fn::Split": _split,
    "Fn::If": _if,
    "Fn::Equals": _equals,
    "Fn::Not": _not,
    "Fn::And": _and,
    "Fn::Or": _or,
    "Condition": _condition,
}


def references(value: Any) -> set[str]:
    """Logical ids a template fragment depends on (Ref, GetAtt, ${X} and ${X.Attr} in Sub)."""
    found: set[str] = set()
    if isinstance(value, list):
        for v in value:
            found |= references(v)
    elif isinstance(value, dict):
        for key, arg in value.items():
            if key == "Ref" and isinstance(arg, str):
                found.add(arg)
            elif key == "Fn::GetAtt":
                found.add(arg.split(".", 1)[0] if isinstance(arg, str) else arg[0])
            elif key == "Fn::Sub":
                template = arg if isinstance(arg, str) else arg[0]
                for name in _SUB_VAR.findall(template):
                    found.add(name.split(".", 1)[0])
                if not isinstance(arg, str):
                    found |= references(arg[1])
            else:
                found |= references(arg)
    return {name for name in found if not name.startswith("AWS::")}
