"""What a city's reviewers read: every screen the bot can show an association, in every language,
as one HTML page per language (`msobot screens`), and each catalog's review status (`msobot
translations`). Nothing here runs in the bot; it drives the real services on a throw-away database."""
