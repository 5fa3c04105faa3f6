"""reaper: a benchmark harness for reasoning models on personalization (LaMP and plugins)."""

__version__ = "0.1.0"
