"""Data from standards, kept as data: industries, regions, size thresholds, holidays."""
