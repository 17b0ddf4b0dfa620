from __future__ import annotations

import json

from carebird_ops.local.logs import emf_metric_data


def test_powertools_emf_line_becomes_metric_data_per_dimension_set() -> None:
    line = json.dumps(
        {
            "_aws": {
                "Timestamp": 1_700_000_000_000,
                "CloudWatchMetrics": [
                    {
                        "Namespace": "carebird",
                        "Dimensions": [["service"], ["service", "brand"]],
                        "Metrics": [
                            {"Name": "MentionsIngested", "Unit": "Count"},
                            {"Name": "Absent", "Unit": "Count"},
                        ],
                    }
                ],
            },
            "service": "poll",
            "brand": "AcmeHelp",
            "MentionsIngested": [3.0, 2.0],
        }
    )
    [(namespace, data)] = emf_metric_data(line)
    assert namespace == "carebird"
    assert [d["Dimensions"] for d in data] == [
        [{"Name": "service", "Value": "poll"}],
        [{"Name": "service", "Value": "poll"}, {"Name": "brand", "Value": "AcmeHelp"}],
    ]
    assert all(d["MetricName"] == "MentionsIngested" and d["Values"] == [3.0, 2.0] for d in data)
    assert data[0]["Timestamp"] == 1_700_000_000


def test_other_lines_are_not_metrics() -> None:
    assert emf_metric_data("START RequestId: 1") == []
    assert emf_metric_data('{"level": "INFO", "message": "_aws is mentioned"}') == []
    assert emf_metric_data('{"_aws": "broken"') == []
