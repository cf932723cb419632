"""What an association reads outside the conversation: its chat's command menu, the bot's profile
texts (read before `/start`), and the apology after an error the bot could not handle. The
Telegram adapter sends them (`conversations/menus.py`, `conversations/handlers.py`); the review
gallery shows them, so they live here, in the domain."""

from __future__ import annotations

from bot.kernel.i18n import N_

USER_MENU = [
    ("start", N_("Start or continue the questionnaire")),
    ("answers", N_("See and change your answers")),
    ("suggestions", N_("Workshops, partners and associations that fit")),
    ("myworkshops", N_("Workshops you are interested in")),
    ("settings", N_("Messages about new offers")),
    ("language", N_("Change the language")),
    ("members", N_("Board members and invitations")),
    ("help", N_("Help")),
    ("privacy", N_("Privacy notice and your choices")),
    ("mydata", N_("Download your data")),
    ("delete", N_("Delete your data")),
]
# TRANSLATORS: the bot's profile text, shown in Telegram before someone taps Start (at most 512 characters).
DESCRIPTION = N_(
    "What does your association need to do its work well: public relations, project development, bookkeeping, "
    "organising association work or something else? The City of Wuppertal's integration office (Ressort "
    "Zuwanderung und Integration) asks migrant self-organisations step by step, in your language. With your "
    "answers it plans support together with its partners, suggests workshops and puts you in touch with "
    "professionals and with other associations. Tap Start to begin.")
# TRANSLATORS: the bot's short profile text, shown on its page and when it is shared (at most 120 characters).
SHORT_DESCRIPTION = N_("The City of Wuppertal asks migrant self-organisations what support they need.")
APOLOGY = N_("Sorry, something went wrong. Your answers are safe; please try again.")
