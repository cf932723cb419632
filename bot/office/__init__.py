"""The office and one association: messages both ways and the office's tasks (issue 28)."""
