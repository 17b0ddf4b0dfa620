"""Read template.yaml the way `sam deploy` does: package local paths, then apply the SAM transform.

The local stack never describes a resource itself; it only reads what this module returns.
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from samtranslator.translator.transform import transform
from samtranslator.yaml_helper import yaml_parse

LOCAL_CODE_BUCKET = "carebird-local-code"


class TemplateError(RuntimeError):
    pass


@dataclass
class LocalTemplate:
    """The CloudFormation template SAM would deploy, plus where each function's code lives locally."""

    root: Path
    resources: dict[str, dict[str, Any]]
    parameters: dict[str, dict[str, Any]]
    conditions: dict[str, Any]
    outputs: dict[str, Any]
    code_dirs: dict[str, Path] = field(default_factory=dict)  # function logical id -> CodeUri dir
    layer_dirs: dict[str, Path] = field(default_factory=dict)  # layer logical id -> ContentUri dir


def find_template(start: Path | None = None) -> Path:
    """template.yaml in the current directory or the nearest parent (the repository root)."""
    here = (start or Path.cwd()).resolve()
    for candidate in (here, *here.parents):
        path = candidate / "template.yaml"
        if path.is_file():
            return path
    raise TemplateError(
        f"no template.yaml in {here} or any parent directory; run from the carebird repository"
    )


def load(path: Path, region: str = "us-east-1") -> LocalTemplate:
    root = path.parent
    try:
        sam = yaml_parse(path.read_text())
    except Exception as exc:  # yaml errors carry line numbers; keep them
        raise TemplateError(f"{path}: cannot parse: {exc}") from exc

    code_dirs: dict[str, Path] = {}
    layer_dirs: dict[str, Path] = {}
    packaged = copy.deepcopy(sam)
    for logical_id, resource in packaged.get("Resources", {}).items():
        props = resource.setdefault("Properties", {})
        kind = resource.get("Type")
        if kind == "AWS::Serverless::Function":
            code_dirs[logical_id] = _local_dir(root, props.get("CodeUri"), logical_id, "CodeUri")
            props["CodeUri"] = f"s3://{LOCAL_CODE_BUCKET}/{logical_id}.zip"
        elif kind == "AWS::Serverless::LayerVersion":
            layer_dirs[logical_id] = _local_dir(root, props.get("ContentUri"), logical_id, "ContentUri")
            props["ContentUri"] = f"s3://{LOCAL_CODE_BUCKET}/{logical_id}.zip"
        elif kind == "AWS::Serverless::StateMachine" and "DefinitionUri" in props:
            definition_path = root / props.pop("DefinitionUri")
            try:
                props["Definition"] = json.loads(definition_path.read_text())
            except (OSError, ValueError) as exc:
                raise TemplateError(f"{logical_id}: DefinitionUri {definition_path}: {exc}") from exc

    # samtranslator reads the region for pseudo parameters from the environment.
    os.environ.setdefault("AWS_DEFAULT_REGION", region)
    try:
        cfn = transform(packaged, {}, _NoManagedPolicies())
    except Exception as exc:
        raise TemplateError(f"SAM transform of {path} failed: {exc}") from exc
    return LocalTemplate(
        root=root,
        resources=cfn.get("Resources", {}),
        parameters=cfn.get("Parameters", {}),
        conditions=cfn.get("Conditions", {}),
        outputs=cfn.get("Outputs", {}),
        code_dirs=code_dirs,
        layer_dirs=layer_dirs,
    )


def _local_dir(root: Path, uri: Any, logical_id: str, prop: str) -> Path:
    if not isinstance(uri, str) or uri.startswith("s3://"):
        raise TemplateError(f"{logical_id}.{prop} must be a local directory for the local stack, got {uri!r}")
    path = (root / uri).resolve()
    if not path.is_dir():
        raise TemplateError(f"{logical_id}.{prop}: {path} is not a directory")
    return path


class _NoManagedPolicies:
    """The template names no AWS managed policies by name, so nothing needs looking up in IAM."""

    def load(self) -> dict[str, str]:
        return {}
