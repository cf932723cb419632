"""Typed access to the services from handlers (`context.survey`), instead of bare bot_data."""

from __future__ import annotations

from typing import Any

from telegram.ext import Application, CallbackContext, ExtBot

from bot.services import Services
from bot.survey.service import SurveyService


class BotContext(CallbackContext[ExtBot[None], dict[Any, Any], dict[Any, Any], dict[Any, Any]]):
    @property
    def services(self) -> Services:
        services = self.application.bot_data.get("services")
        if services is None:
            raise RuntimeError("services are opened in post_init")
        return services  # type: ignore[no-any-return]

    @property
    def survey(self) -> SurveyService:
        return self.services.survey


BotApplication = Application[ExtBot[None], BotContext, dict[Any, Any], dict[Any, Any], dict[Any, Any], Any]
