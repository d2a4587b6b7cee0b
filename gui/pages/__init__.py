"""One blueprint per page: status (every page's bar and the e-stop), record, datasets, train, inference."""
