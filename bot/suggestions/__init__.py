"""Suggestions that fit an association: matching, cards, reactions to them, introductions
between associations, pushes of new offers, calendar files."""
