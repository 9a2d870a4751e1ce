"""The safety net in the scripts the classifier does not read: Arabic, Dari, Pashto.

The words come from ``bot/languages/<code>/crisis_words.yml``; the messages here are written
as they would be typed, on an Arabic, a Persian or a Pashto keyboard, with or without vowel
marks, hamza or the half-space.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach_bot.content import ContentError, load_content
from outreach_bot.content.languages import CrisisWords, ReviewState
from outreach_bot.nlu import safety
from outreach_bot.nlu.safety import CrisisKind, crisis_signal, fold_script

BOT = Path(__file__).resolve().parents[2] / "bot"


@pytest.fixture(autouse=True)
def _words_of_the_bot() -> Iterator[None]:
    safety.use_crisis_words(load_content(BOT).crisis_words)
    yield
    safety.use_crisis_words({})


CRISIS = [
    # Arabic: standard, Gulf, Levantine, Maghrebi; with and without hamza and marks.
    ("أريد أن أموت", CrisisKind.SUICIDE),
    ("اريد ان اموت خلاص", CrisisKind.SUICIDE),
    ("أُرِيدُ أَنْ أَمُوتَ", CrisisKind.SUICIDE),
    ("والله ابي اموت", CrisisKind.SUICIDE),
    ("بغيت نموت", CrisisKind.SUICIDE),
    ("فكرت في الانتحار", CrisisKind.SUICIDE),
    ("انتحـــار", CrisisKind.SUICIDE),
    ("أبي يضربني كل يوم", CrisisKind.VIOLENCE),
    ("زوج امي يضربني", CrisisKind.VIOLENCE),
    ("ليس لدي مكان للنوم الليلة", CrisisKind.SHELTER),
    ("طردوني من البيت اليوم", CrisisKind.SHELTER),
    ("بلعت كل الحبوب", CrisisKind.MEDICAL),
    ("انا في خطر", CrisisKind.DANGER),
    ("تعبت من الحياة ما بقى عندي سبب للعيش", CrisisKind.SUICIDE),
    ("والله مليت من حياتي", CrisisKind.SUICIDE),
    ("لم أعد أريد أن أعيش", CrisisKind.SUICIDE),
    ("أحس أني عبء على عائلتي", CrisisKind.SUICIDE),
    ("بابا طردني من الدار", CrisisKind.SHELTER),
    # Dari, on a Persian keyboard and on an Arabic one (ي and ك), joined or with a half-space.
    ("میخواهم بمیرم", CrisisKind.SUICIDE),
    ("می‌خواهم بمیرم", CrisisKind.SUICIDE),
    ("می خواهم بمیرم", CrisisKind.SUICIDE),
    ("ميخواهم بميرم", CrisisKind.SUICIDE),
    ("دیگه میخوام خودمو بکشم", CrisisKind.SUICIDE),
    ("به خودکشی فکر میکنم", CrisisKind.SUICIDE),
    ("خودكشي", CrisisKind.SUICIDE),
    ("پدرم مرا میزند", CrisisKind.VIOLENCE),
    ("کاکایم مره میزنه", CrisisKind.VIOLENCE),
    ("امشب جای خواب ندارم", CrisisKind.SHELTER),
    ("دیگه نمیخواهم زنده باشم", CrisisKind.SUICIDE),
    ("دیگه نمی‌خوام زندگی کنم", CrisisKind.SUICIDE),
    ("دیگر طاقت ندارم، بهتر است که نباشم", CrisisKind.SUICIDE),
    # Pashto, with the negation joined or apart, and Pashto ye.
    ("غواړم ځان ووژنم", CrisisKind.SUICIDE),
    ("پلار مې ما وهي", CrisisKind.VIOLENCE),
    ("د شپې د خوب ځای نلرم", CrisisKind.SHELTER),
    ("د خوب ځای نه لرم", CrisisKind.SHELTER),
    ("زه په خطر کې یم", CrisisKind.DANGER),
]

EVERYDAY = [
    # Dari: work, a car ("موتر" starts like "موت", death), papers, French classes, a joke.
    "سلام، من دنبال کار هستم",
    "کار در رستوران میخواهم",
    "موتر ندارم، چطور به وردن بروم؟",
    "کاغذ ندارم",
    "میخواهم فرانسوی یاد بگیرم",
    "من ۱۷ ساله هستم",
    "خسته شدم از کار امروز",
    # Arabic: work, papers, an OQTF, a pregnancy, French classes.
    "ابحث عن عمل في فردان",
    "ليس لدي أوراق",
    "وصلني قرار مغادرة فرنسا",
    "انا حامل",
    "اريد تعلم الفرنسية",
    "عندي موعد غدا",
    "ابحث عن مكان للعيش في فردان",
    # Pashto: work, papers, age, French.
    "زه د کار په لټه کې یم",
    "زما کاغذونه نشته",
    "زه ۱۷ کلن یم",
    "فرانسوي ژبه زده کول غواړم",
]


@pytest.mark.parametrize(("text", "kind"), CRISIS)
def test_crisis_words_are_heard_however_they_are_typed(text: str, kind: CrisisKind) -> None:
    assert crisis_signal(text) == safety.CrisisSignal(kind)


@pytest.mark.parametrize("text", EVERYDAY)
def test_everyday_messages_in_other_scripts_raise_nothing(text: str) -> None:
    assert crisis_signal(text) is None


def test_keyboard_variants_fold_to_one_form() -> None:
    assert fold_script("ميخواهم بميرم") == fold_script("می‌خواهم بمیرم")
    assert fold_script("أريد أن أموت") == fold_script("اريد ان اموت")
    assert fold_script("۱۷") == fold_script("١٧") == "17"
    assert fold_script("پلار مې") == "پلار می"  # Pashto "my" is not the Persian verb prefix


def test_without_the_words_of_the_files_nothing_in_another_script_is_heard() -> None:
    safety.use_crisis_words({})
    assert crisis_signal("میخواهم بمیرم") is None


def test_a_kind_the_net_does_not_know_is_refused() -> None:
    words = CrisisWords(written_by="test", state=ReviewState.DRAFT, kinds={"sadness": ["غمگین"]})
    with pytest.raises(ContentError, match="unknown kind 'sadness'"):
        safety.use_crisis_words({"prs": words})
