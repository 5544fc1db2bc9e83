"""Person names for the corpus: Russian (with their case forms), and Latin-script names of the
languages a gateway in Russia, Europe and the Gulf sees, plus the look-alikes that are not names.

Written for this corpus (common names of each language, combined at random); Russian case
forms are made with pymorphy3, so "Иван Петров" also appears as "Ивану Петрову", "Иваном
Петровым" and "Ивана Петрова".
"""

from __future__ import annotations

import random
from functools import cache
from typing import NamedTuple

import pymorphy3

__all__ = ["LATIN", "RuName", "latin_name", "ru_case", "ru_name"]


def _words(text: str) -> list[str]:
    return text.split()


RU_MALE = _words(
    "Александр Алексей Андрей Антон Артём Борис Вадим Валерий Виктор Виталий Владимир "
    "Вячеслав Геннадий Георгий Глеб Григорий Денис Дмитрий Евгений Егор Иван Игорь Илья "
    "Кирилл Константин Леонид Максим Матвей Михаил Никита Николай Олег Павел Пётр Руслан "
    "Семён Сергей Станислав Степан Тимофей Фёдор Юрий Ярослав"
)
RU_FEMALE = _words(
    "Алёна Алина Алла Анастасия Ангелина Анна Валентина Валерия Варвара Вероника Виктория "
    "Галина Дарья Диана Евгения Екатерина Елена Елизавета Жанна Зоя Инна Ирина Карина Кира "
    "Ксения Лариса Лидия Людмила Маргарита Марина Мария Наталья Нина Оксана Олеся Ольга "
    "Полина Светлана Софья Тамара Татьяна Ульяна Юлия Яна"
)
# Male surname → female form (Петров/Петрова, Лесной/Лесная; Шевченко/Шевченко).
RU_SURNAMES = [
    *_words(
        "Иванов Смирнов Кузнецов Попов Васильев Петров Соколов Михайлов Новиков Фёдоров Морозов "
        "Волков Алексеев Лебедев Семёнов Егоров Павлов Козлов Степанов Николаев Орлов Андреев "
        "Макаров Никитин Захаров Зайцев Соловьёв Борисов Яковлев Григорьев Романов Воробьёв "
        "Сергеев Кудрявцев Белоусов Медведев Антонов Тарасов Жуков Баранов Филиппов Комаров "
        "Давыдов Беляев Герасимов Богданов Осипов Сидоров Матвеев Титов Марков Миронов Крылов "
        "Куликов Карпов Власов Мельников Денисов Гаврилов Тихонов Казаков Афанасьев Данилов "
        "Пономарёв Калинин Ершов Щербаков Шубин Голубев Виноградов Гусев Ильин Зуев Рыбаков"
    ),
    "Покровский",
    "Вишневский",
    "Шевченко",
    "Бондаренко",
    "Ковальчук",
    "Мкртчян",
]
RU_PATRONYMIC = (
    ("Александрович", "Александровна"),
    ("Алексеевич", "Алексеевна"),
    ("Андреевич", "Андреевна"),
    ("Викторович", "Викторовна"),
    ("Владимирович", "Владимировна"),
    ("Дмитриевич", "Дмитриевна"),
    ("Евгеньевич", "Евгеньевна"),
    ("Иванович", "Ивановна"),
    ("Игоревич", "Игоревна"),
    ("Михайлович", "Михайловна"),
    ("Николаевич", "Николаевна"),
    ("Олегович", "Олеговна"),
    ("Павлович", "Павловна"),
    ("Петрович", "Петровна"),
    ("Сергеевич", "Сергеевна"),
    ("Юрьевич", "Юрьевна"),
    ("Ильич", "Ильинична"),
    ("Фомич", "Фоминична"),
)
# Names of Russia's other peoples and of Central Asia, written in Cyrillic.
RU_OTHER = (
    ("Айгерим", "Нурланова", "femn"),
    ("Рустам", "Хабибуллин", "masc"),
    ("Динара", "Сейткали", "femn"),
    ("Тимур", "Ахметов", "masc"),
    ("Зарина", "Алиева", "femn"),
    ("Гульнара", "Исмаилова", "femn"),
    ("Азамат", "Жумабеков", "masc"),
    ("Ильдар", "Гарипов", "masc"),
    ("Арман", "Сулейменов", "masc"),
    ("Лейла", "Мамедова", "femn"),
)


class RuName(NamedTuple):
    given: str
    surname: str
    patronymic: str
    gender: str  # "masc" or "femn"


def _female(surname: str) -> str:
    if surname.endswith(("ов", "ев", "ёв", "ин")):
        return surname + "а"
    if surname.endswith("ский"):
        return surname[:-2] + "ая"
    return surname


def ru_name(rng: random.Random) -> RuName:
    """A random Russian full name, nominative."""
    if rng.random() < 0.12:
        given, surname, gender = rng.choice(RU_OTHER)
        patronymic = ""
    else:
        gender = rng.choice(("masc", "femn"))
        given = rng.choice(RU_MALE if gender == "masc" else RU_FEMALE)
        male = rng.choice(RU_SURNAMES)
        surname = male if gender == "masc" else _female(male)
        patronymic = rng.choice(RU_PATRONYMIC)[gender == "femn"]
    return RuName(given, surname, patronymic, gender)


@cache
def _morph() -> pymorphy3.MorphAnalyzer:
    return pymorphy3.MorphAnalyzer()


@cache
def inflect(word: str, kind: str, gender: str, case: str) -> str:
    """``word`` (a ``kind`` of name: Name, Surn or Patr) in ``case``; itself if it cannot be."""
    if case == "nomn":
        return word
    for parse in _morph().parse(word):
        tag = parse.tag
        if kind in tag and tag.case == "nomn" and tag.number == "sing" and gender in tag:
            form = parse.inflect({case, "sing"})
            if form is not None:
                return form.word.capitalize()
    return word


def ru_case(name: RuName, case: str) -> RuName:
    """``name`` in a grammatical case: "datv" gives "Ивану Петрову Сергеевичу"."""
    return RuName(
        inflect(name.given, "Name", name.gender, case),
        inflect(name.surname, "Surn", name.gender, case),
        inflect(name.patronymic, "Patr", name.gender, case) if name.patronymic else "",
        name.gender,
    )


# Latin-script names: (given names, surnames) per language.
LATIN: dict[str, tuple[list[str], list[str]]] = {
    "en": (
        _words(
            "James Robert Michael David Richard Thomas Daniel Matthew Andrew Joshua Kevin Brian "
            "George Edward Ryan Jacob Mary Patricia Jennifer Linda Elizabeth Susan Jessica Sarah "
            "Karen Emily Michelle Amanda Melissa Rebecca Laura Hannah Olivia Chloe Megan"
        ),
        _words(
            "Smith Johnson Williams Brown Jones Miller Davis Wilson Anderson Taylor Thomas Moore "
            "Jackson White Harris Thompson Clarke Walker Robinson Wright Hughes Edwards Collins "
            "Stewart Morris Murphy Cook Bailey Cooper Richardson Cox Ward Peterson Gray Fletcher "
            "O'Brien McCarthy Fitzgerald"
        ),
    ),
    "it": (
        _words(
            "Giuseppe Giovanni Antonio Mario Luigi Francesco Alessandro Marco Andrea Stefano "
            "Luca Matteo Paolo Giulia Francesca Chiara Federica Sara Valentina Elena Alessia "
            "Martina Silvia"
        ),
        [
            *_words(
                "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno "
                "Gallo Conti Costa Giordano Mancini Rizzo Lombardi Moretti Barbieri Fontana "
                "D'Angelo"
            ),
            "De Luca",
            "Di Stefano",
            "Lo Bianco",
        ],
    ),
    "fr": (
        _words(
            "Jean Pierre Michel Philippe Nicolas François Laurent Julien Thomas Antoine Sébastien "
            "Jean-Pierre Jean-Luc Marie Nathalie Isabelle Sylvie Catherine Sophie Camille Juliette "
            "Céline Élodie Marie-Claire"
        ),
        _words(
            "Martin Bernard Dubois Durand Leroy Moreau Laurent Lefebvre Girard Bonnet Dupont "
            "Lambert Fontaine Rousseau Vincent Mercier Chevalier Lefèvre Gauthier Perrin"
        ),
    ),
    "de": (
        _words(
            "Thomas Michael Andreas Stefan Klaus Jürgen Wolfgang Uwe Markus Sebastian Matthias "
            "Hans-Peter Sabine Petra Claudia Ursula Monika Andrea Katrin Anja Susanne Birgit"
        ),
        [
            *_words(
                "Müller Schmidt Schneider Fischer Weber Meyer Wagner Becker Schulz Hoffmann "
                "Schäfer Koch Bauer Richter Klein Wolf Schröder Neumann Zimmermann Krüger"
            ),
            "von Bülow",
            "von Weizsäcker",
        ],
    ),
    "es": (
        _words(
            "José Antonio Manuel Francisco Juan Javier Carlos Miguel Alejandro Pablo Sergio "
            "Jorge María Carmen Ana Laura Lucía Cristina Marta Elena Paula Sofía"
        ),
        [
            *_words(
                "García Rodríguez González Fernández López Martínez Sánchez Pérez Gómez Martín "
                "Jiménez Ruiz Hernández Díaz Moreno Álvarez Romero Navarro Torres Domínguez"
            ),
            "de la Fuente",
            "del Río",
        ],
    ),
    "ar": (
        _words(
            "Mohammed Muhammad Mohamed Ahmed Ahmad Abdullah Abdulrahman Khalid Khaled Omar Ali "
            "Hassan Hussein Ibrahim Youssef Yousef Saeed Sultan Faisal Rashid Hamad Mansour Nasser "
            "Fatima Aisha Maryam Mariam Noura Reem Layla Hessa Latifa Amal Huda"
        ),
        [
            "Al-Rashid",
            "Al Maktoum",
            "Al-Nahyan",
            "Al Qasimi",
            "Al-Farsi",
            "Al-Mansouri",
            "Al Suwaidi",
            "Al-Harbi",
            "Al-Otaibi",
            "Al-Ghamdi",
            "Al-Zahrani",
            "Al-Shehhi",
            "Al Mazrouei",
            "Haddad",
            "Khoury",
            "Nasser",
            "El-Sayed",
            "Abdel-Aziz",
            "Al-Hashimi",
        ],
    ),
}


def latin_name(rng: random.Random, lang: str | None = None) -> tuple[str, str, str]:
    """(language, given name, surname); Arabic names sometimes carry "bin"/"ibn" + father."""
    lang = lang or rng.choice(list(LATIN))
    given_names, surnames = LATIN[lang]
    given, surname = rng.choice(given_names), rng.choice(surnames)
    if lang == "ar" and rng.random() < 0.35:
        father = rng.choice([g for g in given_names[:24] if g != given])
        surname = f"{rng.choice(['bin', 'ibn'])} {father} {surname}"
    return lang, given, surname
