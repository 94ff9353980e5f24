"""Text that looks the same is screened the same, as pure functions: the one normalisation of text at the edge
(rcbingo/text.py), the confusable skeleton the patient-information screen reads (privacy/skeleton.py), and the
language it can read (privacy/language.py)."""

import json
import re
import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rcbingo.cards.rules import shows
from rcbingo.privacy.language import READABLE, unreadable_language
from rcbingo.privacy.screen import screen, screen_name
from rcbingo.privacy.skeleton import as_numbers, skeleton
from rcbingo.text import IGNORABLE, normalise, strip_controls

ROOT = Path(__file__).parent.parent
DATA = Path(__file__).parent / "data"

# Each class of character that made "mr. smith in room 12" look the same to a person and different to the screen:
# the screen before this change found nothing in any of these (each word is broken, or spelt with letters of another
# script).
BASE = "mr. smith in room 12"


def _each_word(mark: str) -> str:
    """The words of BASE with `mark` after the first character of each."""
    return " ".join(word[0] + mark + word[1:] for word in BASE.split())


def _swap(table: dict[str, str]) -> str:
    return "".join(table.get(c, c) for c in BASE)


ATTACKS = {
    "zero-width space": _each_word("\u200b"),
    "word joiner": _each_word("\u2060"),
    "soft hyphen": _each_word("\u00ad"),
    "zero-width non-joiner": _each_word("\u200c"),
    "combining marks": _each_word("\u0301"),
    "tag characters": _each_word("\U000e0041"),
    "full-width letters": "".join(chr(ord(c) + 0xfee0) if c != " " else c for c in BASE),
    "Cyrillic look-alikes": _swap({"o": "\u043e", "s": "\u0455", "i": "\u0456", "h": "\u04bb", "r": "\u0433"}),
    "Greek look-alikes": "the lady \u03b9n r\u03bf\u03bfm 12",
    "mixed-script words": _swap({"o": "\u03bf", "s": "\u0455", "i": "\u0456", "r": "\u0433"}),
}


# --- the normalisation --------------------------------------------------------------------------------------

@pytest.mark.parametrize(("typed", "stored"), [
    ("ro\u200bom", "room"), ("ro\u2060om", "room"), ("ro\u00adom", "room"), ("ro\u200com", "room"),
    ("ro\ufeffom", "room"), ("ro\u034fom", "room"), ("room\U000e0041\U000e007f", "room"), ("ro\u180eom", "room"),
    ("\uff52\uff4f\uff4f\uff4d \uff11\uff12", "room 12"), ("\ufb01ne", "fine"), ("e\u0301", "\u00e9"),
    ("e\u200b\u0301", "\u00e9"), ("Jos\u00e9", "Jos\u00e9"), ("O\u2019Brien-Walsh", "O\u2019Brien-Walsh"),
    ("\u3164", ""), ("r\u043e\u043em", "r\u043e\u043em"),  # (look-alikes stay: the screen reads them as they look)
])
def test_text_is_stored_in_one_spelling_without_invisible_characters(typed, stored):
    assert normalise(typed) == stored


@pytest.mark.parametrize("emoji", [
    "\U0001f469\U0001f3fd\u200d\u2695\ufe0f",  # health worker, medium skin tone
    "\u2764\ufe0f", "1\ufe0f\u20e3", "\U0001f3f3\ufe0f\u200d\U0001f308",
    "\U0001f3f4\U000e0067\U000e0062\U000e0065\U000e006e\U000e0067\U000e007f",  # England's flag
    "\U0001f468\u200d\U0001f469\u200d\U0001f467",
])
def test_emoji_sequences_keep_the_invisible_characters_they_need(emoji):
    assert normalise(f"thanks {emoji}!") == f"thanks {emoji}!"


@pytest.mark.parametrize("typed", ["a\u200db", "1\ufe0f2", "x\U000e0067\U000e007f", "\u200d\U0001f600",
                                   "\U0001f3f4\U000e0072\U000e006f\U000e006f\U000e006d\U000e0020\U000e0031"
                                   "\U000e0032\U000e007f"])  # (text hidden in a flag's tags)
def test_invisible_characters_outside_an_emoji_sequence_go(typed):
    assert not IGNORABLE.search(normalise(typed))


def _tags(letters: str) -> str:
    return "".join(chr(0xE0000 + ord(c)) for c in letters)


# Characters drawn as nothing (or as a blank) that the normalisation once kept: each hid "Alvarez" and "room 14"
# from the screen while the wall showed them whole.
NEVER_DRAWN = {
    "interlinear annotation": "\ufff9", "annotation separator": "\ufffa", "annotation terminator": "\ufffb",
    "Egyptian format control": "\U00013430", "Kaithi number sign": "\U000110bd", "Arabic number sign": "\u0600",
    "private use": "\ue000", "private use, plane 15": "\U000f0000", "unassigned": "\U00050000",
    "unassigned, plane 0": "\u0378", "object replacement": "\ufffc",
}


@pytest.mark.parametrize("kind", NEVER_DRAWN)
def test_format_private_use_and_unassigned_characters_are_removed(kind):
    mark = NEVER_DRAWN[kind]
    typed = f"Stayed late with M{mark}r. Alva{mark}rez in ro{mark}om 14"
    assert normalise(typed) == "Stayed late with Mr. Alvarez in room 14"
    assert {f.kind for f in screen(normalise(typed))} == {"patient_name", "room"}


@pytest.mark.parametrize("blank", ["\u2800", "\U0001d159"])
def test_a_character_drawn_as_a_blank_is_stored_as_a_space(blank):
    assert normalise(f"room{blank}14") == "room 14"
    assert normalise(f"the{blank}lady{blank}in{blank}bed{blank}7") == "the lady in bed 7"


def test_only_the_recommended_subdivision_flags_keep_their_tags():
    england, scotland = "\U0001f3f4" + _tags("gbeng") + "\U000e007f", "\U0001f3f4" + _tags("gbsct") + "\U000e007f"
    assert normalise(f"go {england}{scotland}!") == f"go {england}{scotland}!"
    chained = "\U0001f3f4" + _tags("alvrez") + "\U0001f3f4" + _tags("room14") + "\U000e007f"
    assert normalise(chained) == "\U0001f3f4\U0001f3f4"
    assert normalise("\U0001f3f4" + _tags("usca") + "\U000e007f") == "\U0001f3f4"  # (not recommended: dropped)


def test_an_emoji_newer_than_this_pythons_unicode_is_kept():
    assert normalise("love \U0001fa77\u200d\U0001f525") == "love \U0001fa77\u200d\U0001f525"


@given(st.text())
def test_normalising_twice_changes_nothing(text):
    once = normalise(text)
    assert normalise(once) == once
    assert unicodedata.is_normalized("NFKC", once)


def test_a_password_is_kept_as_typed_but_for_control_characters():
    typed = "\uff50\uff41\uff53\uff53 w\u200bord\x00"
    assert strip_controls(typed) == "\uff50\uff41\uff53\uff53 w\u200bord"


@pytest.mark.parametrize("text", ["\u200b\u2060", "\u00ad", "\u3164", "\u0301\u0302", "\U000e0041", " \ufeff "])
def test_invisible_only_text_is_blank_before_and_after_normalisation(text):
    assert not shows(text) and not shows(normalise(text))


# --- the skeleton screen ------------------------------------------------------------------------------------

@pytest.mark.parametrize("attack", ATTACKS)
def test_look_alike_text_is_screened_as_the_text_it_imitates(attack):
    stored = normalise(f"Phil sat with {ATTACKS[attack]} all night.")
    found = screen(stored)
    assert {f.kind for f in found} <= {"patient_name", "room"} and found[-1].kind == "room", attack
    for finding in found:  # each finding is a span of the stored text, as coordinators see it highlighted
        assert finding.text == stored[finding.start:finding.end]
    assert skeleton(found[-1].text)[0] == "room 12"


def test_a_skeleton_maps_each_character_back_to_the_stored_text():
    text = "r\u043e\u043em \u0661\u0662 Jos\u00e9"
    read, origins = skeleton(text)
    assert read == "room 12 Jose"
    assert [text[at] for at in origins] == list(text)
    assert skeleton("plain ascii") == ("plain ascii", list(range(11)))


# Look-alikes outside Unicode's confusables, or whose prototype is not plain Latin: each was published on the wall.
LOOK_ALIKES = {
    "small capitals": ("Phil sat with the man in \u0280\u1d0f\u1d0f\u1d0d 14.", "room"),
    "small capital bed": ("Phil sat with the man in \u0299\u1d07\u1d05 7.", "bed"),
    "negative squared letters": ("Phil sat with the man in \U0001f181\U0001f17e\U0001f17e\U0001f17c 14.", "room"),
    "stroked letter": ("Phil sat with the man in \u024doom 14.", "room"),
    "dingbat negative circled digits": ("Phil sat with the man in room \u2776\u2779.", "room"),
    "dingbat circled digits": ("Phil sat with the man in room \u2780\u2783.", "room"),
    "double circled digits": ("Phil sat with the man in room \u24f5\u24f8.", "room"),
    "keycap ten": ("Phil sat with the man in room \U0001f51f.", "room"),
    "fraction slash": ("Phil checked the DOB 03\u204414\u20441952 twice.", "dob"),
    "division slash": ("Phil checked the DOB 03\u221514\u22151952 twice.", "dob"),
    "big solidus": ("Phil checked the DOB 03\u29f814\u29f81952 twice.", "dob"),
    "middle dot": ("Phil called the son at 617\u00b7555\u00b70142.", "phone"),
    "em dash": ("Phil called the son at 617\u2014555\u20140142.", "phone"),
    "Hebrew maqaf": ("Phil called the son at 617\u05be555\u05be0142.", "phone"),
    "minus sign": ("Phil called the son at 617\u2212555\u22120142.", "phone"),
}


@pytest.mark.parametrize("attack", LOOK_ALIKES)
def test_look_alike_letters_digits_and_separators_are_read_as_what_they_look_like(attack):
    text, kind = LOOK_ALIKES[attack]
    stored = normalise(text)
    assert kind in {f.kind for f in screen(stored)}, attack


def test_each_character_with_a_digit_value_is_read_as_that_digit():
    assert skeleton("\u2776\u2779 \u2780\u2783 \u24f5\u24f8 \u0967\u096a \U0001f51f \u277f")[0] == "14 14 14 14 10 10"


def test_ascii_look_alikes_are_left_to_the_detectors():
    assert skeleton("b0x 1l")[0] == "b0x 1l"
    assert not screen("Rita gave 10 minutes of her break")


@pytest.mark.parametrize("name", ["Delgado (patient in room 12, MRN 4455667)", "Lee (bed 4)",
                                  "Jane Doe, patient Mr. Alvarez", "Delgado, r\u043e\u043em 12", "John Smith Room 12",
                                  "Ana Bed 4"])
def test_a_name_field_holding_patient_information_is_found(name):
    assert screen_name(name)


@pytest.mark.parametrize("name", ["Maria Lopez", "Dr. Maria Lopez-Garcia RN", "maria lopez", "Nguy\u1ec5n Th\u1ecb Lan",
                                  "O\u2019Brien-Walsh", "Ana", "Dr. Julia Ferreira", "Ferreira, Julia", "J. Ferreira",
                                  "Julia M. Ferreira", "Julia (night shift)", "Julia Ferreira, RN, CCRN", "Rita - RT",
                                  "Sam from pharmacy", "Maria de la Cruz", "RITA SHAH", "Rita Shah PT",
                                  "John Smith Jr.", "Father Tom", "Sister Grace", "Mr. Alvarez", "Son Heung-min",
                                  "Nana Mensah", "Rita Shah \U0001f31f", "Rita \u2764\ufe0f!"])
def test_a_plain_name_in_a_name_field_is_not_a_finding(name):
    assert screen_name(normalise(name)) == []


# Published as nominee names before a name field had to read as one colleague's name: its first capitalised words
# were taken for the colleague and never screened.
NOT_ONLY_A_NAME = ["Rita Shah (patient: Alvarez)", "Rita Shah For Mr Alvarez", "Patient John Smith",
                   "Jane Doe's daughter", "Rita Shah's mom", "Rita and Sam", "Julia (Alvarez)", "Rita Shah re Alvarez",
                   "rita shah for alvarez", "Rita Shah Sr Alvarez", "Rita in bed four", "Rita 4B", "pt john smith",
                   "Rita Shah (resident)", "Rita Shah (family)", "Mrs. Rita Shah and Mr. Alvarez",
                   "\u738b\u5148\u751f",  # "Mr. Wang": the screen cannot read Chinese, so a name in it is held
                   "\u0418\u0432\u0430\u043d\u043e\u0432"]


@pytest.mark.parametrize("name", NOT_ONLY_A_NAME)
def test_a_name_field_that_is_not_only_a_colleagues_name_is_found(name):
    assert screen_name(normalise(name))


def test_a_name_field_holding_a_roster_person_and_somebody_else_is_found():
    staff = ["Mateo Ruiz", "Son Tran"]
    assert screen_name("Mateo Ruiz John Smith", staff)
    assert screen_name("Mateo Ruiz", staff) == [] and screen_name("Son Tran", staff) == []


def test_a_name_field_is_marked_from_where_it_stops_being_a_name():
    assert [(f.kind, f.text) for f in screen_name("Rita Shah For Mr Alvarez")] == [("not_a_name", "Mr Alvarez")]
    assert [f.text for f in screen_name("Patient John Smith")] == ["Patient John Smith"]


# --- the languages the screen reads ---------------------------------------------------------------------------

FOREIGN = {
    "French": ["Marie est rest\u00e9e tard pour aider l'\u00e9quipe de nuit avec les transferts.",
               "Merci \u00e0 Paul pour son aide pr\u00e9cieuse pendant la garde."],
    "Portuguese": ["Ana ficou at\u00e9 tarde para ajudar a equipe da noite com as transfer\u00eancias.",
                   "Obrigado pela ajuda com a medica\u00e7\u00e3o hoje de manh\u00e3."],
    "German": ["Anna ist lange geblieben, um dem Nachtteam bei den Verlegungen zu helfen.",
               "Vielen Dank f\u00fcr die schnelle Hilfe bei der Visite."],
    "Italian": ["Anna \u00e8 rimasta fino a tardi per aiutare il turno di notte con i trasferimenti.",
                "Grazie mille per l'aiuto con i farmaci stamattina."],
    "Haitian Creole": ["M\u00e8si anpil pou travay ou f\u00e8 jodi a ak tout ekip la.",
                       "Li te rete ta pou ede enfimy\u00e8 yo ak pasyan an."],
    "Vietnamese": ["Ch\u1ecb Lan \u1edf l\u1ea1i mu\u1ed9n \u0111\u1ec3 gi\u00fap ca \u0111\u00eam chuy\u1ec3n "
                   "b\u1ec7nh nh\u00e2n.", "C\u1ea3m \u01a1n anh Minh \u0111\u00e3 gi\u00fap \u0111\u1ee1 r\u1ea5t "
                   "nhi\u1ec1u trong ca tr\u1ef1c."],
    "Chinese": ["\u62a4\u58eb\u957f\u7559\u4e0b\u6765\u5e2e\u52a9\u591c\u73ed\u8f6c\u8fd0\u75c5\u4eba\u3002",
                "\u8c22\u8c22\u836f\u5242\u5e08\u7684\u53ca\u65f6\u5e2e\u52a9\u3002"],
    "Spanish": ["Mar\u00eda se qued\u00f3 tarde para ayudar al equipo de noche con los traslados.",
                "Gracias por la ayuda con los medicamentos esta ma\u00f1ana."],
    "Tagalog": ["Salamat sa tulong mo kagabi sa mga pasyente."],
    "Korean": ["\uac04\ud638\uc0ac\uac00 \uc57c\uac04 \uadfc\ubb34 \ud300\uc744 \ub9ce\uc774 \ub3c4\uc640\uc8fc"
               "\uc5c8\uc2b5\ub2c8\ub2e4."],
    "Russian": ["\u0410\u043d\u043d\u0430 \u043e\u0441\u0442\u0430\u043b\u0430\u0441\u044c \u0434\u043e\u043f"
                "\u043e\u0437\u0434\u043d\u0430, \u0447\u0442\u043e\u0431\u044b \u043f\u043e\u043c\u043e\u0447"
                "\u044c \u043d\u043e\u0447\u043d\u043e\u0439 \u0441\u043c\u0435\u043d\u0435."],
    "Arabic": ["\u0645\u0631\u064a\u0645 \u0628\u0642\u064a\u062a \u0645\u062a\u0623\u062e\u0631\u0629 \u0644\u0645"
               "\u0633\u0627\u0639\u062f\u0629 \u0641\u0631\u064a\u0642 \u0627\u0644\u0644\u064a\u0644."],
}

SHORT_ENGLISH = [
    "Thanks Rita!", "Great teamwork", "Thank you Sam", "Jen covered my break", "Huge help tonight",
    "Kofi ran the code like a pro", "Always there when we need her", "Best RT ever", "Saved my shift",
    "You rock, Dana!", "Quick thinking on the transfer", "Thanks for the heads up", "Great catch on the order",
    "Stayed late to help",
    "So calm during the rapid response", "Called me back right away", "Shared the plan with everyone",
    "Above and beyond", "Kind and patient with the new grads", "Fixed the pump in five minutes", "Great handoff",
    "Clear notes, easy morning", "Brought coffee for nights", "Asked the right question", "Thanks pharmacy!",
    "Rounds went smoothly thanks to Lee", "Explained the new protocol", "Always answers the phone", "Lifesaver",
    "Problem solved fast", "Awesome job team", "Good call on the consult", "On time, every time", "Nice work Ahmed",
    "Dr. Nguy\u1ec5n Th\u1ecb Lan stayed late", "Thanks to Jean-Baptiste Lef\u00e8vre and Fran\u00e7oise",
    "Our Unit Practice Council met on Zoom", "ZIP 59715", "\U0001f44d\U0001f44d",
    # held as Italian or Portuguese while lingua decided on a handful of letters
    "bravo team", "bravo, well done", "super duper", "bingo bingo", "kudos amigo",
    # Title Case and capitals with names in them
    "Thanks Jean-Baptiste Lef\u00e8vre!", "Great Work Nguy\u1ec5n Th\u1ecb Lan", "Kudos Fran\u00e7oise Dubois",
    "Huge Thanks To The Night Shift For Covering", "THANK YOU SO MUCH FOR STAYING LATE TONIGHT", "Rita gave 5 \u03bcg",
]

# Published before: capitalised words were all left out as names, so a story in Title Case or capitals was read
# as nothing; and only a text mostly in another script was held.
IN_CAPITALS = {
    "French": "LE PATIENT DE LA CHAMBRE DOUZE \u00c9TAIT INQUIET, SA FILLE AUSSI.",
    "Portuguese": "Ela Ficou Com A Paciente Do Quarto Doze At\u00e9 Tarde.",
    "Spanish": "EL PACIENTE DEL CUARTO DOCE ESTABA MUY ASUSTADO TODA LA NOCHE.",
    "German": "DER PATIENT IN ZIMMER ZW\u00d6LF HATTE GROSSE ANGST, SEINE TOCHTER AUCH.",
    "Vietnamese": "B\u1ec7nh Nh\u00e2n Ph\u00f2ng M\u01b0\u1eddi Hai R\u1ea5t Lo L\u1eafng Su\u1ed1t \u0110\u00eam.",
}
A_PHRASE_IN_ANOTHER_SCRIPT = {
    "Cyrillic script": "Rita stayed late and was so good with the \u043f\u0430\u0446\u0438\u0435\u043d\u0442 "
                       "\u0418\u0432\u0430\u043d\u043e\u0432, \u043f\u0430\u043b\u0430\u0442\u0430 12.",
    "Chinese": "Great work tonight: Rita stayed late with the patient \u738b\u5148\u751f in \u5341\u4e8c"
               "\u53f7\u623f\u95f4",
    "Korean": "Rita stayed with \uae40 all night, great work",  # one letter of a script without spaces is a word
    "Greek script": "Rita stayed with the \u03b1\u03c3\u03b8\u03b5\u03bd\u03ae\u03c2 all night",
}


def english_stories() -> list[str]:
    """Every story and practice line of the demo data, and every labelled example (all written in English)."""
    texts = []
    for path in (ROOT / "rcbingo" / "demo.json", DATA / "icu_demo.json"):
        texts += [json.loads(f'"{m}"') for m in re.findall(r'"(?:story|practice)": "((?:[^"\\]|\\.)*)"',
                                                             path.read_text(encoding="utf-8"))]
    for path in sorted(DATA.glob("phi_examples*.jsonl")):
        texts += [json.loads(line)["text"] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    return texts


@pytest.mark.parametrize(("language", "text"), [(lang, text) for lang, texts in FOREIGN.items() for text in texts])
def test_a_story_in_a_language_the_screen_cannot_read_is_held(language, text):
    held = unreadable_language(text)
    assert held is not None, language
    if language not in ("Haitian Creole", "Russian", "Arabic"):  # (not in lingua: named by a neighbour or script)
        assert held == language


@pytest.mark.parametrize(("language", "text"), [*IN_CAPITALS.items(), *A_PHRASE_IN_ANOTHER_SCRIPT.items()])
def test_a_story_in_capitals_or_with_a_phrase_in_another_script_is_held(language, text):
    assert unreadable_language(normalise(text)) == language


def test_look_alike_letters_and_units_are_read_not_held_for_their_script():
    assert unreadable_language(ATTACKS["mixed-script words"]) is None
    assert unreadable_language(normalise("Rita drew up 50 \u00b5g of fentanyl and 2 \u03bcL")) is None


def test_short_english_thanks_are_not_held_for_being_short():
    assert [text for text in SHORT_ENGLISH if unreadable_language(text)] == []


def test_english_stories_are_almost_never_held_for_their_language():
    stories = english_stories()
    held = [text for text in stories if unreadable_language(text)]
    # Measured: 1 of 380 (a story half in Spanish, which the screen does not read yet).
    assert len(stories) >= 300 and len(held) / len(stories) <= 0.01, held


def test_the_readable_languages_are_one_setting():
    assert {language.name for language in READABLE} == {"ENGLISH"}


def test_the_language_detector_is_built_once_per_process_before_a_worker_takes_requests():
    import runpy

    from rcbingo.privacy import language

    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    settings["post_worker_init"](None)
    assert language._detector is not None and language.detector() is language.detector()


# Stories mostly in English with a clause in another language: lingua calls each of them English as a whole.
A_CLAUSE_IN_ANOTHER_LANGUAGE = {
    "French": "Ben was amazing all night and kept everyone calm, la patiente de la chambre douze \u00e9tait ravie.",
    "Portuguese": "Rita was amazing all night and kept the whole team calm and organised, o paciente do quarto catorze "
                  "ficou feliz.",
    "Italian": "Rita was amazing all night and kept the whole team calm and organised, il paziente della camera "
               "dodici era felice.",
    "Spanish": "Rita was amazing all night and kept the whole team calm, el paciente del cuarto doce estaba feliz.",
    "Haitian Creole": "Rita was great tonight, pasyan nan chanm douz la te kontan anpil.",
}
# Held too: Haitian Creole (lingua reads it as English or Tagalog), a French clause of under 20 letters, a German
# clause whose nouns start with a capital.
SHORT_OR_UNKNOWN_TO_LINGUA = {
    "Ben, mesi paske ou te ede granmoun Jozef la.": "Haitian Creole",
    "Ben, mesi anpil paske ou te ede madanm nan ak pitit fi li.": "Haitian Creole",
    "Ben helped so much; la patiente avait peur.": "French",
    "Ben was kind, die Frau hatte Angst.": "German",
}


@pytest.mark.parametrize(("text", "language"), SHORT_OR_UNKNOWN_TO_LINGUA.items())
def test_creole_short_clauses_and_german_nouns_are_held(text, language):
    assert unreadable_language(normalise(text)) == language
# English stories with a word or a name of another language in them stay readable.
ENGLISH_WITH_A_FOREIGN_WORD = [
    "Ben helped us so much tonight, and the lady said gracias for everything Ben did.",
    "Thanks \u00c9lodie and Ngoc, the family said merci beaucoup at the door.",
    "Kudos amigo, the night went smoothly, muchas gracias!",
    "Rita stayed late, and the daughter said obrigada, which made our night.",
]


@pytest.mark.parametrize(("language", "text"), A_CLAUSE_IN_ANOTHER_LANGUAGE.items())
def test_a_clause_in_another_language_inside_an_english_story_is_held(language, text):
    assert unreadable_language(normalise(text)) == language


@pytest.mark.parametrize("text", ENGLISH_WITH_A_FOREIGN_WORD)
def test_an_english_story_with_a_foreign_word_or_name_is_not_held(text):
    assert unreadable_language(normalise(text)) is None


def test_the_look_alike_reading_leaves_short_codes_and_numbers_with_units_as_they_are():
    assert as_numbers("O2 D3 1st 10pm q4h 2L 0.5 1:1") == ("O2 D3 1st 10pm q4h 2L 0.5 1:1", [])
    assert as_numbers("call 6l7-555-0l42 in r00m 12") == ("call 617-555-0142 in room 12", [(5, 17), (21, 25)])
