"""After sending: the suggestion cards, the answers to them, an introduction between two
associations from both sides, /settings, and a new offer."""

from __future__ import annotations

from bot.kernel.actions import IntroTap, Kind, SuggestionTap, parse
from bot.kernel.outcome import Screen
from bot.outbox import Parcel
from bot.review.drawn_scenes import files
from bot.review.plan import CONTACT
from bot.review.stage import Stage, buttons
from bot.storage.catalog import CatalogStore
from bot.storage.suggestions import SuggestionRow, SuggestionStore
from bot.suggestions.screens import as_reasons

CARD_TITLES = {"workshop": "a workshop that fits, with why it fits",
               "partner": "a partner organisation that fits",
               "peer": "another association that fits (without its name until both agree)"}


class Offers:
    def __init__(self, s: Stage, user: int, peer: int) -> None:
        self.s = s
        self.user = user
        self.peer = peer
        self.store = SuggestionStore(s.services.store)
        self.catalog = CatalogStore(s.services.store)
        self.cards: dict[str, list[tuple[SuggestionRow, Screen]]] = {}
        self.noted: str | None = None  # the workshop the user is interested in (its reminder comes later)

    async def play(self) -> None:
        await self._cards(await self.s.delivered(self.user))
        await self._workshops()
        await self._mine()
        await self._partner()
        await self._peer()
        await self._settings()
        await self._direct()

    async def _cards(self, parcels: list[Parcel]) -> None:
        for parcel in parcels:
            if parcel.screen is None:
                continue
            row = await self._row(parcel.screen)
            if row is None:
                self.s.keep("suggestions", "after sending: the heading above the suggestion cards", parcel.screen)
                continue
            self.cards.setdefault(row.kind, []).append((row, parcel.screen))
            self.s.keep(f"{row.kind}_card", CARD_TITLES.get(row.kind, row.kind), parcel.screen)

    async def _row(self, screen: Screen) -> SuggestionRow | None:
        found = buttons(screen, Kind.SUGGESTION)
        tap = parse(found[0].action) if found else None
        return await self.store.get(tap.suggestion_id) if isinstance(tap, SuggestionTap) else None

    async def _react(self, row: SuggestionRow, interested: bool) -> Screen | None:
        data = SuggestionTap(row.id, "i" if interested else "n").encode()
        return (await self.s.press(self.user, data)).source

    async def _workshops(self) -> None:
        s, workshops = self.s, self.cards.get("workshop", [])
        if workshops:
            row = workshops[0][0]
            noted = await self._react(row, True)
            if noted is not None:
                s.keep("suggestion_reply", "after “Interested” on a workshop: the card becomes", noted)
                self.noted = row.ref
            for parcel in await s.delivered(self.user):
                if parcel.document is not None and parcel.document.caption:
                    s.keep("suggestion_reply", f"the calendar file that follows ({parcel.document.filename})",
                           parcel.document.caption)
                    files(s, f"inside the calendar file ({parcel.document.filename})", parcel.document.content)
            offer = await self._new_offer(row)
            if offer is not None:
                s.keep("workshop_card", "a new offer that fits (sent when staff add a workshop)", offer, drawn=True)
        if len(workshops) > 1:
            dismissed = await self._react(workshops[1][0], False)
            if dismissed is not None:
                s.keep("suggestion_reply", "after “Not for us”: the card becomes", dismissed)

    async def _mine(self) -> None:
        """/myworkshops: the marked workshop, taken back, the empty list; then marked again (its
        reminder comes the evening before)."""
        s, noted = self.s, next((r for r, _card in self.cards.get("workshop", []) if r.ref == self.noted), None)
        if noted is None:
            return
        out = await s.services.association_command("myworkshops", s.visitor(self.user))
        if len(out.messages) < 2:
            return
        s.keep("suggestions", "/myworkshops: the workshops the association marked", out.messages[0])
        s.keep("suggestions", "/myworkshops: a marked workshop, with its calendar file again and taking it back",
               out.messages[1])
        back = await s.tap(self.user, out.messages[1], Kind.SUGGESTION, index=1)
        if back.source is not None:
            s.keep("suggestion_reply", "after “No longer interested”: the workshop becomes", back.source)
        empty = await s.services.association_command("myworkshops", s.visitor(self.user))
        s.keep("suggestions", "/myworkshops when nothing is marked", empty.messages[0])
        await self._react(noted, True)  # marked again
        await s.delivered(self.user)

    async def _new_offer(self, row: SuggestionRow) -> Screen | None:
        workshop = await self.catalog.workshop(row.ref)
        if workshop is None:
            return None
        provider = await self.catalog.partner(workshop.provider)
        cards = self.s.cards
        return cards.workshop_card(row.id, workshop, provider, as_reasons(row.reasons), cards.new_offer_heading())

    async def _partner(self) -> None:
        partners = self.cards.get("partner", [])
        if partners:
            contact = await self._react(partners[0][0], True)
            if contact is not None:
                self.s.keep("suggestion_reply", "after “Interested” on a partner organisation: the card becomes",
                            contact)

    async def _peer(self) -> None:
        """“Get in touch”: the contact asked for, the other association asked, it agrees."""
        s, peers = self.s, self.cards.get("peer", [])
        if not peers:
            return
        row = peers[0][0]
        out = await s.press(self.user, SuggestionTap(row.id, "i").encode())
        if out.messages:
            s.keep("introduction", "after “Get in touch”, when the association gave no contact yet", out.messages[0])
            out = await s.type(self.user, "x")
            s.keep("introduction", "a contact that is too short", out.messages[0])
            out = await s.type(self.user, CONTACT)
        sent = out.messages[0] if out.messages else out.source
        if sent is not None:
            s.keep("introduction", "the request is sent", sent)
        asked = [p.screen for p in await s.delivered(self.peer) if p.screen is not None]
        requests = [screen for screen in asked if buttons(screen, Kind.INTRO)]
        if not requests:
            return
        s.keep("introduction", "the other association is asked (in its own language)", requests[0])
        accept = next(b for b in buttons(requests[0], Kind.INTRO) if b.action.endswith(":a"))
        out = await s.press(self.peer, accept.action)
        if out.messages:
            s.keep("introduction", "it agrees: it receives the contact of the association that asked", out.messages[0])
        for parcel in await s.delivered(self.user):
            if parcel.screen is not None:
                s.keep("introduction", "the association that asked receives the other's contact", parcel.screen)

    async def _settings(self) -> None:
        s = self.s
        out = await s.services.association_command("settings", s.visitor(self.user))
        if out.messages:
            s.keep("settings", "/settings: messages about new offers", out.messages[0])
            off = await s.tap(self.user, out.messages[0], Kind.PUSHES)
            if off.source is not None:
                s.keep("settings", "after “Turn off”", off.source)

    async def _direct(self) -> None:
        """What needs a second association saying no, or an association without answers."""
        s, cards = self.s, self.s.cards
        s.keep("introduction", "when the other association does not agree (the one that asked reads)",
               cards.introduction_declined())
        s.keep("introduction", "after “No, thanks” on a request to get in touch", cards.declined_by_you())
        s.keep("suggestions", "when nothing fits yet", cards.nothing_yet())
        s.keep("suggestions", "/suggestions before the questionnaire is sent", cards.complete_first())
        out = await s.press(self.user, IntroTap(999_999, True).encode())
        if out.toast:
            s.keep("toast", "a button of a message that no longer applies", out.toast)
