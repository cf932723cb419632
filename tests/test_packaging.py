"""`pip install .` gives a working msobot with the compiled catalogs and the questionnaire."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def test_the_wheel_carries_catalogs_and_questionnaire_and_runs(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation",
                    "--wheel-dir", str(wheels), str(REPO)], check=True, timeout=300, capture_output=True)
    wheel = next(wheels.glob("msobot-*.whl"))
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "bot/questionnaire/mso_needs.yaml" in names
    assert "conversations/handlers.py" in names
    for language in ("de", "en", "tr", "ar"):
        assert f"bot/_locales/{language}/LC_MESSAGES/messages.mo" in names

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(wheel)], check=True, timeout=300, capture_output=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("MSOBOT_")}
    env["PYTHONPATH"] = str(target)
    result = subprocess.run(
        [sys.executable, "-c", "import bot, sys; print(bot.__file__); sys.argv=['msobot','check'];"
         "from bot.cli import main; raise SystemExit(main())"],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[0].startswith(str(target))
    assert "languages: de, tr, ar" in result.stdout
