"""The Telegram adapter: updates in, domain calls, messages out. No survey logic lives here."""
