from __future__ import annotations

from bot.kernel.text import split_text


def test_short_text_is_one_piece() -> None:
    assert split_text("hello", 4096) == ["hello"]


def test_long_text_splits_on_lines_within_the_limit() -> None:
    lines = [f"{i}. " + "Wort " * 30 for i in range(200)]
    text = "\n".join(lines)
    pieces = split_text(text, 4096)
    assert len(pieces) > 1
    assert all(len(p) <= 4096 for p in pieces)
    assert "\n".join(pieces).replace("\n", "") == text.replace("\n", "")
    assert all(p.split("\n")[0][0].isdigit() for p in pieces)  # every piece starts at a line


def test_a_single_overlong_line_is_cut_at_spaces() -> None:
    text = "abc " * 3000
    pieces = split_text(text, 4096)
    assert all(len(p) <= 4096 for p in pieces)
    assert "".join(pieces).replace(" ", "") == text.replace(" ", "")


def test_pieces_fit_telegram_counting_utf16_units() -> None:
    """Telegram counts UTF-16 code units: 3,000 emoji are 6,000 units, two messages, not one."""
    from tests.helpers.bot_api.limits import units
    text = "🙂" * 3000
    pieces = split_text(text, 4096)
    assert len(pieces) == 2
    assert all(units(p) <= 4096 for p in pieces)
    assert "".join(pieces) == text
    lines = "\n".join(["🙂 Ş" * 500] * 3)  # lines of 2,000 units, 1,500 characters each
    assert all(units(p) <= 4096 for p in split_text(lines, 4096))
