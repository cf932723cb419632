"""/myworkshops for an association: the workshops it said it is interested in, each with how to
register, the calendar file again, and a way to take the interest back ("Interested" is a note
for the association and the office, not a registration)."""

from __future__ import annotations

from bot.catalog.model import Partner, Workshop
from bot.kernel.actions import Kind, SuggestionTap
from bot.kernel.outcome import Button, Screen
from bot.storage.suggestions import SuggestionRow
from bot.suggestions.calendar import calendar_file, reminder_key
from bot.suggestions.context import SuggestionContext
from bot.suggestions.screens import SuggestionScreens
from bot.survey.turns import Turn

CALENDAR, TAKE_BACK = "c", "u"  # the values of the buttons under a workshop of /myworkshops


class MyWorkshopScreens:
    def __init__(self, screens: SuggestionScreens) -> None:
        self.s = screens
        self._ = screens._

    def listing(self, count: int) -> Screen:
        if not count:
            return Screen(text=self._("Your association has not marked any workshop as interesting yet. "
                                      "/suggestions shows what fits your answers."))
        return Screen(text="📌 " + self._("The workshops your association is interested in. This is not a "
                                          "registration: to take part, register with the contact given."))

    def workshop(self, suggestion_id: int, workshop: Workshop, provider: Partner | None) -> Screen:
        _ = self._
        text = self.s.workshop_text(workshop, provider) + "\n\n" + self.s.registration(workshop)
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        again = Button(label="📅 " + _("Calendar file"), role=Kind.SUGGESTION,
                       action=SuggestionTap(suggestion_id, CALENDAR).encode())
        # TRANSLATORS: a button: a few words, in the button form of the style sheet
        back = Button(label="↩ " + _("No longer interested"), role=Kind.SUGGESTION,
                      action=SuggestionTap(suggestion_id, TAKE_BACK).encode())
        return Screen(text=text, buttons=[[again], [back]])

    def taken_back(self, text: str) -> Screen:
        return Screen(text=text + "\n\n↩ " + self._("Taken back. /suggestions may show it again."))


class MyWorkshops:
    def __init__(self, context: SuggestionContext) -> None:
        self.context = context
        self.store = context.store

    async def show(self, turn: Turn, screens: SuggestionScreens) -> None:
        user = turn.user
        assert user is not None
        mine = MyWorkshopScreens(screens)
        cards = []
        for suggestion in await self.context.suggestions.interested(user.id, "workshop"):
            workshop = await self.context.catalog.workshop(suggestion.ref)
            if workshop is not None and workshop.start > self.store.now():
                provider = await self.context.catalog.partner(workshop.provider)
                cards.append(mine.workshop(suggestion.id, workshop, provider))
        turn.outcome.messages += [mine.listing(len(cards)), *cards]

    async def press(self, turn: Turn, screens: SuggestionScreens, suggestion_id: int, value: str) -> None:
        """The calendar file again, or the interest taken back; a button that is not this
        association's, or of a workshop no longer marked or ahead, changes nothing."""
        user = turn.user
        assert user is not None
        suggestion = await self.context.suggestions.get(suggestion_id)
        workshop = await self.context.catalog.workshop(suggestion.ref) \
            if suggestion is not None and suggestion.kind == "workshop" else None
        if suggestion is None or suggestion.user_id != user.id or suggestion.state != "interested" \
                or workshop is None or workshop.start <= self.store.now():
            turn.outcome.toast = turn.screens.no_longer_applies()
            turn.outcome.source_closed = True
            return
        provider = await self.context.catalog.partner(workshop.provider)
        if value == CALENDAR:
            turn.outcome.documents.append(calendar_file(screens, workshop, provider.name if provider else None,
                                                        self.store.now()))
            return
        await self._take_back(turn, suggestion, workshop)
        turn.outcome.source = MyWorkshopScreens(screens).taken_back(screens.workshop_text(workshop, provider))

    async def _take_back(self, turn: Turn, suggestion: SuggestionRow, workshop: Workshop) -> None:
        user_id = suggestion.user_id
        await self.context.suggestions.set_state(suggestion.id, "shown")
        await self.context.outbox.drop_pending(user_id, "taken back", dedupe_key=reminder_key(user_id, workshop.id))
        for hook in self.context.interest_changed:
            await hook(workshop.id, user_id)
        await self.store.log_event("suggestion_taken_back", user_id, offer="workshop", ref=workshop.id)
