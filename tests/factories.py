"""Builders for test conversations and test content."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import yaml
from aiohttp.test_utils import TestClient

REST_PATH = "/webhooks/rest/webhook"
BOT_DIR = Path(__file__).resolve().parents[1] / "bot"


def edited_content(tmp_path: Path, french: dict[str, str | None]) -> Path:
    """A copy of ``bot/`` whose messages have the given French texts (None removes the key
    from every language)."""
    directory = tmp_path / "bot"
    shutil.copytree(BOT_DIR, directory)
    for folder in (directory / "languages").iterdir():
        path = folder / "messages.yml"
        if not path.is_file():
            continue
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        for key, text in french.items():
            if text is None:
                data["texts"].pop(key, None)
            elif folder.name == "fr":
                data["texts"][key] = text
        path.write_text(
            yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8"
        )
    return directory


class RestChat:
    """A young person talking to the real server over the REST channel."""

    def __init__(self, client: TestClient, sender: str = "young-1") -> None:  # type: ignore[type-arg]
        self.client = client
        self.sender = sender
        self.last: list[dict[str, Any]] = []

    async def say(self, message: str) -> list[dict[str, Any]]:
        response = await self.client.post(
            REST_PATH, json={"sender": self.sender, "message": message}
        )
        assert response.status == 200, await response.text()
        self.last = await response.json()
        return self.last

    def text(self) -> str:
        return "\n".join(item["text"] for item in self.last)

    def payloads(self) -> list[str]:
        return [button["payload"] for item in self.last for button in item.get("buttons", [])]


EVERYDAY_NOT_STOP = (
    "j'ai pas reçu de message",
    "jai pas recu ton message",
    "tu peux m'envoyer un message ?",
    "stop je comprends rien",
    "je fais du stop pour aller à Verdun",
    "arrête de me demander ça",
    "j'ai arrêté l'école",
    "le bus s'arrête pas a mon village, comment je vais a bar le duc",
    "j'ai eu un message de la mission locale, c quoi ?",
    "j'ai pas eu de réponse à mon message",
    "envoie moi le message de confirmation stp",
    "mon pote m'a dit de t'envoyer un message",
    "j'ai arrêté mon contrat d'apprentissage",
    "stp arrête pas de m'aider",
    "c'est quoi l'arrêt de bus le plus proche de la mission locale",
    "j'ai reçu un sms bizarre de vous",
    "tu reçois mes messages ?",
    "j'ai supprimé ton message sans faire exprès, tu peux le renvoyer",
    "comment je supprime mon compte france travail",
    "je veux arrêter la fac",
    "le permis c trop cher j'arrête",
    "j'ai plus de crédit pour les sms",
    "stop a la galere je veux un taf",
    "mon téléphone a supprimé tous mes sms",
    "arret maladie ça compte pour le cej ?",
    "attends stop jai pas fini",
)
"""Everyday messages with "stop", "arrêt", "message" or "supprimer" in them: none of them may
unsubscribe anyone or erase anything (issue 11). Most are in ``nlu/data`` under their real
intent; those the opt-out rule of the classifier still reads as STOP only get a question."""

EXPLICIT_STOP = (
    "STOP",
    "stop",
    "Stop.",
    "ARRET",
    "arrêt",
    "DESABONNER",
    "/stop",
    "stop sms",
    "STOP!!",
    "stop 🙏",
    "Stop merci",
    "STOP SVP",
    "stop stop",
)
"""The STOP command alone or nearly alone: each must unsubscribe at once."""
