"""Building blocks of the bundled synthetic LaMP-format sample (see tools/make_sample.py)."""
