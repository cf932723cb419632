"""`msobot chat --as staff` and `--as partner awo`: who the console user is on the other sides.

Staff: the first of MSOBOT_STAFF_IDS, or the console's own staff id for this process only.
A partner contact: the console's contact of that organisation, made (or made active again) in
the database as if they had opened an invitation, so /needs and /myworkshops show what the
organisation's people see."""

from __future__ import annotations

from bot.kernel.routes import Role
from bot.services import Services
from bot.storage.catalog import CatalogStore
from bot.storage.partners import PartnerStore

# Telegram's user ids are far larger: these are the console's own (the association is 1).
CONSOLE_STAFF_ID = 2
CONSOLE_PARTNER_ID = 3


async def role_for_console(services: Services, as_role: list[str], user_id: int) -> tuple[Role, int] | str:
    """(role, console user id), or the reason it cannot be."""
    if not as_role:
        return Role.ASSOCIATION, user_id
    if as_role[0] == "staff" and len(as_role) == 1:
        staff_id = services.settings.staff_ids[0] if services.settings.staff_ids else CONSOLE_STAFF_ID
        services.staff.staff_ids.add(staff_id)
        return Role.STAFF, staff_id
    if as_role[0] == "partner" and len(as_role) == 2:
        partner_id = as_role[1].lower()
        store = services.store
        if await CatalogStore(store).partner(partner_id) is None:
            known = ", ".join(p.id for p in await CatalogStore(store).partners()) or "none yet"
            return (f"no partner organisation '{partner_id}' in the catalog (there are: {known}); "
                    "msobot catalog import --sample brings the sample")
        async with store.transaction():
            await PartnerStore(store).add_contact(CONSOLE_PARTNER_ID, partner_id, "Console", "de")
        await services.partners.load()
        return Role.PARTNER, CONSOLE_PARTNER_ID
    return "--as takes 'staff' or 'partner ID', e.g. --as partner awo"
