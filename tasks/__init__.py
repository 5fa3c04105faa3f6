"""Task plugins: LaMP_1…LaMP_7 and the bundled sample data (tasks/data/)."""
