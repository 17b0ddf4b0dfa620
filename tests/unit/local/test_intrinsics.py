from __future__ import annotations

import pytest

from carebird_ops.local.intrinsics import IntrinsicError, Resolver, references


def resolver(conditions: dict[str, object] | None = None) -> Resolver:
    physical = {"Table": "carebird-Table", "Fn": "carebird-Fn"}
    attrs = {("Fn", "Arn"): "arn:aws:lambda:us-east-1:123:function:carebird-Fn"}
    return Resolver(
        {"AWS::Region": "us-east-1", "Stage": "v1", "Email": ""},
        conditions or {},
        lambda name: physical[name],
        lambda lid, att: attrs[(lid, att)],
    )


def test_ref_prefers_parameters_then_resources() -> None:
    r = resolver()
    assert r.resolve({"Ref": "Stage"}) == "v1"
    assert r.resolve({"Ref": "Table"}) == "carebird-Table"


def test_sub_resolves_refs_attributes_variables_and_escapes() -> None:
    r = resolver()
    assert r.resolve({"Fn::Sub": "${AWS::Region}/${Table}/${Fn.Arn}/${!Literal}"}) == (
        "us-east-1/carebird-Table/arn:aws:lambda:us-east-1:123:function:carebird-Fn/${Literal}"
    )
    assert r.resolve({"Fn::Sub": ["${x}-${Stage}", {"x": {"Ref": "Table"}}]}) == "carebird-Table-v1"


def test_getatt_in_both_spellings() -> None:
    r = resolver()
    assert r.resolve({"Fn::GetAtt": ["Fn", "Arn"]}) == r.resolve({"Fn::GetAtt": "Fn.Arn"})


def test_conditions_if_and_novalue() -> None:
    r = resolver({"HasEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "Email"}, ""]}]}})
    assert r.condition("HasEmail") is False
    assert r.resolve({"Fn::If": ["HasEmail", "yes", "no"]}) == "no"
    assert r.resolve({"a": 1, "b": {"Ref": "AWS::NoValue"}}) == {"a": 1}
    assert r.resolve(["x", {"Ref": "AWS::NoValue"}]) == ["x"]
    # An If that picks NoValue drops the list item or property it stands for (a conditional policy).
    no_policy = {"Fn::If": ["HasEmail", {"Statement": []}, {"Ref": "AWS::NoValue"}]}
    assert r.resolve([{"PolicyName": "p0"}, no_policy]) == [{"PolicyName": "p0"}]
    assert r.resolve({"a": 1, "b": no_policy}) == {"a": 1}
    with pytest.raises(IntrinsicError):
        r.condition("Nope")


def test_join_select_split() -> None:
    r = resolver()
    assert r.resolve({"Fn::Join": ["-", ["a", {"Ref": "Stage"}]]}) == "a-v1"
    assert r.resolve({"Fn::Select": [1, {"Fn::Split": [",", "a,b,c"]}]}) == "b"


def test_references_finds_every_dependency_form() -> None:
    fragment = {
        "A": {"Ref": "Table"},
        "B": {"Fn::GetAtt": ["Fn", "Arn"]},
        "C": {"Fn::Sub": ["${Queue.Arn}/${AWS::Region}/${v}", {"v": {"Ref": "Topic"}}]},
    }
    # "v" is a Sub variable, not a resource; the provisioner intersects with the template's resources.
    assert {"Table", "Fn", "Queue", "Topic"} <= references(fragment)
    assert "AWS::Region" not in references(fragment)
