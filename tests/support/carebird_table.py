"""Create the product's table in a test engine exactly as template.yaml declares it (never by hand)."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from samtranslator.yaml_helper import yaml_parse

REPO = Path(__file__).resolve().parents[2]


@cache
def table_properties() -> dict[str, Any]:
    """The table's properties, a `Ref` to a parameter read as its default (the indexes' projection)."""
    template = yaml_parse((REPO / "template.yaml").read_text())
    props: dict[str, Any] = template["Resources"]["CarebirdTable"]["Properties"]
    defaults = {name: p.get("Default") for name, p in template.get("Parameters", {}).items()}

    def resolved(value: Any) -> Any:
        if isinstance(value, dict):
            if set(value) == {"Ref"} and value["Ref"] in defaults:
                return defaults[value["Ref"]]
            return {k: resolved(v) for k, v in value.items()}
        if isinstance(value, list):
            return [resolved(v) for v in value]
        return value

    return dict(resolved(props))


def create_carebird_table(client: Any, name: str) -> None:
    """`client` is a boto3 DynamoDB client for the engine under test (moto or DynamoDB Local)."""
    props = table_properties()
    client.create_table(
        TableName=name,
        AttributeDefinitions=props["AttributeDefinitions"],
        KeySchema=props["KeySchema"],
        GlobalSecondaryIndexes=props["GlobalSecondaryIndexes"],
        BillingMode=props["BillingMode"],
    )
    client.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 0.1, "MaxAttempts": 100})
    ttl = props.get("TimeToLiveSpecification")
    if ttl:
        client.update_time_to_live(TableName=name, TimeToLiveSpecification=ttl)
