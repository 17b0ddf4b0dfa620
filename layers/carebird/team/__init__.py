"""The supervisor's team view: queue health, agents' load and availability, the stack's alarms."""
