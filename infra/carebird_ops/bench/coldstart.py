"""`make bench-coldstart`: how long each Lambda handler takes to import, as Lambda loads it from the build.

For every function in template.yaml it starts fresh interpreters that see only what a Lambda sandbox
sees: the function's built code (.aws-sam/build/<Function>), the built layer (.aws-sam/build/<Layer>/python)
and what the python3.12 runtime itself provides (boto3, botocore, s3transfer, jmespath, dateutil, six,
urllib3: taken precompiled from this virtualenv, as the runtime ships them). Nothing else is on sys.path
(`-I -S`), and no bytecode is written (`-B`: -I ignores PYTHONDONTWRITEBYTECODE; Lambda's /opt is
read-only), so
whatever the build did not precompile is compiled again at every cold start, as on Lambda.

The baseline, measured in the same run, is a fresh process importing boto3, tweepy, aws_lambda_powertools
and pynamodb naively (their top-level packages, nothing more) from a naive layer: a copy of the built
layer and of the SDK packages as sources only, no bytecode (what a plain `pip install -t` of the whole
dependency tree without compiling ships), so it stays the same yardstick whatever the build does. The
bench prints each handler's median import time and its ratio to the baseline's. Run `make build` first.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# What the Lambda python3.12 runtime provides outside the layer (the AWS SDK and what it needs).
RUNTIME_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "six", "urllib3")
BASELINE_IMPORTS = ("boto3", "tweepy", "aws_lambda_powertools", "pynamodb")

_PROBE = """
import importlib, sys, time
sys.path[:0] = {paths!r}
started = time.perf_counter()
for name in {modules!r}:
    importlib.import_module(name)
print(time.perf_counter() - started)
"""


class ColdStartError(RuntimeError):
    pass


def functions(template: Path) -> dict[str, dict[str, str]]:
    """logical id -> {"module": handler module, "layer": layer logical id} for every function."""
    from samtranslator.yaml_helper import yaml_parse

    sam = yaml_parse(template.read_text())
    defaults = sam.get("Globals", {}).get("Function", {})
    found = {}
    for logical_id, resource in sam.get("Resources", {}).items():
        if resource.get("Type") != "AWS::Serverless::Function":
            continue
        props = resource.get("Properties", {})
        handler = props.get("Handler", defaults.get("Handler", "app.handler"))
        layers = props.get("Layers", defaults.get("Layers", []))
        layer = next((x["Ref"] for x in layers if isinstance(x, dict) and "Ref" in x), "")
        found[logical_id] = {"module": handler.rpartition(".")[0], "layer": layer}
    return found


def runtime_standin(into: Path) -> Path:
    """A folder holding (links to) this virtualenv's copies of what the Lambda runtime provides."""
    site = Path(next(p for p in sys.path if p.endswith("site-packages") and Path(p, "botocore").is_dir()))
    into.mkdir(parents=True, exist_ok=True)
    for entry in site.iterdir():
        stem = entry.name.split("-")[0].split(".")[0].lower().replace("python_", "")
        if stem in RUNTIME_PROVIDED:
            (into / entry.name).symlink_to(entry)
    return into


def naive_layer(layer: Path, runtime: Path, into: Path) -> Path:
    """The built layer and the SDK as sources only, in one folder (the baseline's layer)."""
    no_bytecode = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(layer, into, ignore=no_bytecode, dirs_exist_ok=True)
    for entry in runtime.iterdir():
        source = entry.resolve()
        if source.is_dir():
            shutil.copytree(source, into / entry.name, ignore=no_bytecode, dirs_exist_ok=True)
        else:
            shutil.copy2(source, into / entry.name)
    return into


def measure(paths: list[str], modules: tuple[str, ...], env: dict[str, str], cwd: str) -> float:
    code = _PROBE.format(paths=paths, modules=list(modules))
    result = subprocess.run(
        [sys.executable, "-I", "-S", "-B", "-c", code],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    if result.returncode != 0:
        raise ColdStartError(f"importing {', '.join(modules)} failed:\n{result.stderr.strip()[-1500:]}")
    return float(result.stdout.strip().splitlines()[-1])


def layer_files(layer_dir: Path) -> dict[str, int]:
    py = sum(1 for _ in layer_dir.rglob("*.py"))
    pyc = sum(1 for _ in layer_dir.rglob("*.pyc"))
    shadowed = sorted(d.name for d in layer_dir.iterdir() if d.name in RUNTIME_PROVIDED)
    return {"py": py, "pyc": pyc, "shadowing_runtime": shadowed}  # type: ignore[dict-item]


def run(build: Path, template: Path, runs: int) -> dict[str, Any]:
    fns = functions(template)
    build = build.resolve()
    if not build.is_dir():
        raise ColdStartError(f"{build}: no sam build output; run `make build` first")
    standin = runtime_standin(Path(tempfile.mkdtemp(prefix="carebird-runtime-")) / "python")

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "TZ": "UTC",
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": "coldstart-bench",
    }
    try:
        layer_dirs = {fn["layer"]: build / fn["layer"] / "python" for fn in fns.values() if fn["layer"]}
        for layer, path in layer_dirs.items():
            if not path.is_dir():
                raise ColdStartError(f"{path}: the built layer {layer} is missing; run `make build` first")
        naive = naive_layer(next(iter(layer_dirs.values())), standin, standin.parent / "naive" / "python")
        baseline_layer = str(naive)
        samples: dict[str, list[float]] = {name: [] for name in ["baseline", *fns]}
        for _ in range(runs):  # interleaved, so a busy moment of the machine hits every row alike
            samples["baseline"].append(measure([baseline_layer], BASELINE_IMPORTS, env, baseline_layer))
            for name, fn in fns.items():
                code_dir = build / name
                if not code_dir.is_dir():
                    raise ColdStartError(
                        f"{code_dir}: the built function {name} is missing; run `make build`"
                    )
                paths = [str(code_dir), str(layer_dirs[fn["layer"]]), str(standin)]
                samples[name].append(
                    measure(paths, (fn["module"],), {**env, "LAMBDA_TASK_ROOT": str(code_dir)}, str(code_dir))
                )
        medians = {name: statistics.median(values) for name, values in samples.items()}
        return {
            "runs": runs,
            "baseline_imports": list(BASELINE_IMPORTS),
            "median_s": medians,
            "ratio": {name: medians[name] / medians["baseline"] for name in fns},
            "handlers": {name: f"{fn['module']}.py" for name, fn in fns.items()},
            "layers": {layer: layer_files(path) for layer, path in layer_dirs.items()},
        }
    finally:
        shutil.rmtree(standin.parent, ignore_errors=True)


def describe(result: dict[str, Any]) -> str:
    base = result["median_s"]["baseline"]
    lines = [
        f"import time, median of {result['runs']} fresh processes each (built layer, no .pyc written)",
        f"{'':<20}{'module':<12}{'median':>10}{'x baseline':>12}",
        f"{'baseline':<20}{'(naive)':<12}{base * 1000:>8.0f} ms{1:>12.2f}   import "
        + ", ".join(result["baseline_imports"])
        + " (sources only)",
    ]
    for name, ratio in result["ratio"].items():
        median = result["median_s"][name]
        lines.append(f"{name:<20}{result['handlers'][name]:<12}{median * 1000:>8.0f} ms{ratio:>12.2f}")
    for layer, files in result["layers"].items():
        shadow = ", ".join(files["shadowing_runtime"]) or "none"
        lines.append(
            f"layer {layer}: {files['py']} .py files, {files['pyc']} .pyc;"
            f" copies of runtime packages: {shadow}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="bench-coldstart")
    parser.add_argument("--build", type=Path, default=Path(".aws-sam/build"), help="sam build's output")
    parser.add_argument("--template", type=Path, default=Path("template.yaml"))
    parser.add_argument("--runs", type=int, default=7, help="fresh processes per handler")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    try:
        result = run(args.build, args.template, args.runs)
    except ColdStartError as exc:
        print(f"bench-coldstart: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(result, indent=2) if args.json else describe(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
