"""Operations: health and readiness, Prometheus metrics, structured logs, progress output for long
commands, and the record of each daily-cycle run (what the metrics report about the cycle)."""
