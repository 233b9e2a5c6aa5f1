"""Reports as files (Markdown, CSV, Word, Excel, PNG): pure renderers from domain objects to bytes.
They sit beside the Block Kit views; services gather the data and never import either."""
