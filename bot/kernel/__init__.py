"""The shared kernel every capability stands on: settings, languages, logs, text helpers, the
button-data codec and the types of what the user sees. It imports no capability."""
