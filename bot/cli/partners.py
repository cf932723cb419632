"""`msobot partner invite <id>`: an invitation link for a partner organisation's contact."""

from __future__ import annotations

from bot.kernel.settings import Settings
from bot.services import open_services
from bot.storage.catalog import CatalogStore


async def invite(settings: Settings, partner_id: str) -> int:
    services = await open_services(settings)
    try:
        partners = services.partners
        screens = partners.screens["en" if settings.staff_language == "en" else "de"]
        async with services.store.transaction():
            text = await partners.invite(partner_id.strip().lower(), None, screens)
        known = {p.id for p in await CatalogStore(services.store).partners()}
    finally:
        await services.close()
    print(text)
    if partner_id.strip().lower() not in known:
        return 1
    if not settings.bot_username:
        print("(set MSOBOT_BOT_USERNAME to the bot's Telegram username to get the whole link; "
              "the running bot's /partner invite knows it)")
    return 0
