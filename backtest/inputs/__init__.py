"""Inputs of a run as known at each determination date: signal, schedule, context, references."""
