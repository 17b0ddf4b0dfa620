"""What Lambda does with a function's output: CloudWatch Logs, and EMF lines turned into metrics.

Powertools Metrics writes the Embedded Metric Format to stdout; on AWS, CloudWatch extracts the metrics
from the log group. Here the shipper does that extraction against the emulated CloudWatch, so alarms in
template.yaml see the same metric data they would see on AWS.
"""

from __future__ import annotations

import json
import queue
import threading
import time
from typing import Any

import boto3

_FLUSH_SECONDS = 0.3
_MAX_BATCH = 500


def emf_metric_data(line: str) -> list[tuple[str, list[dict[str, Any]]]]:
    """(namespace, MetricData) pairs for one EMF log line; [] for any other line."""
    if not line.startswith("{") or '"_aws"' not in line:
        return []
    try:
        doc = json.loads(line)
        meta = doc["_aws"]
        directives = meta["CloudWatchMetrics"]
    except (ValueError, KeyError, TypeError):
        return []
    timestamp = meta.get("Timestamp", int(time.time() * 1000)) / 1000
    out: list[tuple[str, list[dict[str, Any]]]] = []
    for directive in directives:
        data: list[dict[str, Any]] = []
        dimension_sets = directive.get("Dimensions") or [[]]
        for metric in directive.get("Metrics", []):
            name = metric["Name"]
            if name not in doc:
                continue
            values = doc[name] if isinstance(doc[name], list) else [doc[name]]
            for dimension_keys in dimension_sets:
                dimensions = [{"Name": k, "Value": str(doc[k])} for k in dimension_keys if k in doc]
                data.append(
                    {
                        "MetricName": name,
                        "Dimensions": dimensions,
                        "Timestamp": timestamp,
                        "Values": [float(v) for v in values],
                        "Unit": metric.get("Unit", "None"),
                    }
                )
        if data:
            out.append((directive["Namespace"], data))
    return out


class LogShipper:
    def __init__(self, endpoint_url: str, region: str) -> None:
        session = boto3.session.Session(
            aws_access_key_id="local", aws_secret_access_key="local", region_name=region
        )
        self._logs: Any = session.client("logs", endpoint_url=endpoint_url)
        self._cloudwatch: Any = session.client("cloudwatch", endpoint_url=endpoint_url)
        self._queue: queue.Queue[tuple[str, str, int]] = queue.Queue()
        self._streams: set[str] = set()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="log-shipper", daemon=True)
        self.metrics_published = 0

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def __call__(self, function_name: str, line: str) -> None:
        self._queue.put((function_name, line, int(time.time() * 1000)))

    def _run(self) -> None:
        while not self._stop.is_set():
            self._stop.wait(_FLUSH_SECONDS)
            self.flush()
        self.flush()

    def flush(self) -> None:
        batches: dict[str, list[dict[str, Any]]] = {}
        while len(batches) < 64:
            try:
                function_name, line, ts = self._queue.get_nowait()
            except queue.Empty:
                break
            batches.setdefault(function_name, []).append({"timestamp": ts, "message": line})
            for namespace, data in emf_metric_data(line):
                try:
                    self._cloudwatch.put_metric_data(Namespace=namespace, MetricData=data)
                    self.metrics_published += len(data)
                except Exception as exc:  # a bad EMF line must not stop log shipping
                    print(f"local stack: EMF from {function_name} not published: {exc}", flush=True)
        for function_name, events in batches.items():
            group = f"/aws/lambda/{function_name}"
            try:
                if group not in self._streams:
                    self._logs.create_log_group(logGroupName=group)
                    self._logs.create_log_stream(logGroupName=group, logStreamName="local")
                    self._streams.add(group)
                for start in range(0, len(events), _MAX_BATCH):
                    self._logs.put_log_events(
                        logGroupName=group,
                        logStreamName="local",
                        logEvents=events[start : start + _MAX_BATCH],
                    )
            except Exception as exc:
                print(f"local stack: logs of {function_name} not shipped: {exc}", flush=True)
