"""The `msobot` command (`bot.cli.main`) and its subcommands."""

from bot.cli.main import main

__all__ = ["main"]
