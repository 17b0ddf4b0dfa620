"""Metric math: an alarm's expressions evaluated over the time series of its metric queries, since moto's
`get_metric_data` passes through only an expression that names another query."""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping, Sequence

from carebird_ops.local.alarms.decision import UnsupportedAlarm

Series = dict[int, float]  # period start (epoch seconds) -> value
Value = float | Series | list[Series]


class MetricMath:
    """Evaluates an alarm's metric math expressions over the time series of its metric queries."""

    def __init__(self, metrics: Mapping[str, Series], expressions: Mapping[str, str], slots: Sequence[int]):
        self._metrics = metrics
        self._expressions = expressions
        self._slots = slots
        self._done: dict[str, Value] = {}
        self._visiting: set[str] = set()

    def series(self, query_id: str) -> Series:
        value = self._value(query_id)
        if not isinstance(value, dict):
            kind = "a number" if isinstance(value, float) else "an array of time series"
            raise UnsupportedAlarm(f"{query_id!r} gives {kind}; an alarm needs one time series")
        return value

    def _value(self, query_id: str) -> Value:
        if query_id in self._metrics:
            return dict(self._metrics[query_id])
        if query_id not in self._expressions:
            raise UnsupportedAlarm(f"unknown query id {query_id!r} in metric math")
        if query_id in self._done:
            return self._done[query_id]
        if query_id in self._visiting:
            raise UnsupportedAlarm(f"metric math refers to itself through {query_id!r}")
        self._visiting.add(query_id)
        text = self._expressions[query_id]
        try:
            tree = ast.parse(text.replace("^", "**"), mode="eval")
        except SyntaxError:
            raise UnsupportedAlarm(f"metric math {text!r} does not parse") from None
        self._done[query_id] = value = self._node(tree.body, text)
        self._visiting.discard(query_id)
        return value

    def _node(self, node: ast.AST, text: str) -> Value:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name):
            return self._value(node.id)
        if isinstance(node, ast.List):
            items = [self._node(e, text) for e in node.elts]
            if not all(isinstance(i, dict) for i in items):
                raise UnsupportedAlarm(f"metric math {text!r}: an array holds time series only")
            return [i for i in items if isinstance(i, dict)]
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            sign = -1.0 if isinstance(node.op, ast.USub) else 1.0
            return _apply(operator.mul, sign, self._node(node.operand, text))
        if isinstance(node, ast.BinOp) and type(node.op) in _OPERATORS:
            return _apply(
                _OPERATORS[type(node.op)], self._node(node.left, text), self._node(node.right, text)
            )
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords:
            return self._call(node.func.id, node.args, text)
        raise UnsupportedAlarm(f"metric math {text!r}: {ast.unparse(node)!r} is not supported locally")

    def _call(self, name: str, args: list[ast.expr], text: str) -> Value:
        if name == "METRICS":
            wanted = ""
            if args:
                first = args[0]
                if not (isinstance(first, ast.Constant) and isinstance(first.value, str)):
                    raise UnsupportedAlarm(f"metric math {text!r}: METRICS takes a string")
                wanted = first.value
            return [dict(s) for qid, s in self._metrics.items() if wanted in qid]
        values = [self._node(a, text) for a in args]
        if name in _AGGREGATES and len(values) == 1:
            return _aggregate(name, values[0])
        if name in _ELEMENTWISE and len(values) == 1:
            return _map(_ELEMENTWISE[name], values[0])
        if name == "FILL" and len(values) == 2:
            return self._fill(values[0], values[1], text)
        raise UnsupportedAlarm(
            f"metric math {text!r}: {name} with {len(values)} argument(s) is not supported"
        )

    def _fill(self, target: Value, filler: Value, text: str) -> Value:
        if isinstance(filler, list):
            raise UnsupportedAlarm(f"metric math {text!r}: FILL with an array as the value")

        def fill(series: Series) -> Series:
            out = dict(series)
            for slot in self._slots:
                if slot not in out:
                    value = filler if isinstance(filler, float) else filler.get(slot)
                    if value is not None:
                        out[slot] = value
            return out

        if isinstance(target, float):
            raise UnsupportedAlarm(f"metric math {text!r}: FILL of a number")
        return fill(target) if isinstance(target, dict) else [fill(s) for s in target]


def _pow(a: float, b: float) -> float:
    result = a**b
    if isinstance(result, complex):
        raise ZeroDivisionError  # not a real number: dropped like a division by zero
    return float(result)


_OPERATORS: dict[type[ast.operator], Callable[[float, float], float]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: _pow,
}
_ELEMENTWISE: dict[str, Callable[[float], float]] = {"ABS": abs, "CEIL": math.ceil, "FLOOR": math.floor}
_REDUCERS: dict[str, Callable[[list[float]], float]] = {
    "SUM": sum,
    "AVG": lambda values: sum(values) / len(values),
    "MIN": min,
    "MAX": max,
}
_AGGREGATES = tuple(_REDUCERS)


def _apply(op: Callable[[float, float], float], left: Value, right: Value) -> Value:
    """A binary operation, element by element; missing values count as 0, a failed one is dropped."""
    if isinstance(left, list):
        return [s for s in (_apply(op, item, right) for item in left) if isinstance(s, dict)]
    if isinstance(right, list):
        return [s for s in (_apply(op, left, item) for item in right) if isinstance(s, dict)]
    if isinstance(left, float) and isinstance(right, float):
        return op(left, right)
    keys = sorted(set(left if isinstance(left, dict) else ()) | set(right if isinstance(right, dict) else ()))
    out: Series = {}
    for key in keys:
        a = left.get(key, 0.0) if isinstance(left, dict) else left
        b = right.get(key, 0.0) if isinstance(right, dict) else right
        try:
            out[key] = op(a, b)
        except (ZeroDivisionError, OverflowError):
            continue
    return out


def _map(fn: Callable[[float], float], value: Value) -> Value:
    if isinstance(value, float):
        return float(fn(value))
    if isinstance(value, dict):
        return {k: float(fn(v)) for k, v in value.items()}
    return [{k: float(fn(v)) for k, v in s.items()} for s in value]


def _aggregate(name: str, value: Value) -> Value:
    if isinstance(value, float):
        return value
    if isinstance(value, dict):
        # One time series: a number over the whole range.
        values = list(value.values())
        if not values:
            return 0.0
        return _REDUCERS[name](values)
    # An array: a time series, timestamp by timestamp. SUM and AVG count a missing value as 0.
    out: Series = {}
    for key in sorted({k for s in value for k in s}):
        present = [s[key] for s in value if key in s]
        if name == "SUM":
            out[key] = sum(present)
        elif name == "AVG":
            out[key] = sum(present) / len(value)
        else:
            out[key] = min(present) if name == "MIN" else max(present)
    return out
