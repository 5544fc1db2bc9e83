"""The corpus sentences: realistic RU/EN texts with slots for generated values and their labels.

Three lists: ``POSITIVES`` (identifiers, contacts and names), ``SPECIAL`` (special categories
of personal data, with look-alike sentences that are not) and ``NEGATIVES`` (numbers and
words that look like personal data and are not). Each template returns (text, labels).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from generate import Kit, Label, Template

__all__ = ["NEGATIVES", "POSITIVES", "SPECIAL"]

Sample = tuple[str, list["Label"]]


def _crm_note(k: Kit) -> Sample:
    first, last, login = k.name("ru")
    ph, em = k.phone(), k.email(login)
    text = f"Клиент {first} {last}: просьба перезвонить на {ph} и выслать договор на {em}."
    return text, [("person_name", f"{first} {last}"), ("phone", ph), ("email", em)]


def _signature_ru(k: Kit) -> Sample:
    first, last, login = k.name("ru")
    work, mobile, em = k.phone(), k.phone(), k.email(login)
    text = (
        f"Спасибо, жду ответа.\n\nС уважением,\n{first} {last}\n"
        f"менеджер по работе с ключевыми клиентами\nтел.: {work}, моб.: {mobile}\n{em}"
    )
    return text, [
        ("person_name", f"{first} {last}"),
        ("phone", work),
        ("phone", mobile),
        ("email", em),
    ]


def _signature_en(k: Kit) -> Sample:
    first, last, login = k.name("en")
    ph, em = k.intl_phone(), k.email(login)
    text = f"Best regards,\n{first} {last}\nHead of Procurement | Mobile: {ph} | {em}"
    return text, [("person_name", f"{first} {last}"), ("phone", ph), ("email", em)]


def _ticket_en(k: Kit) -> Sample:
    first, last, _ = k.name("en")
    ph = k.intl_phone()
    text = (
        f"Ticket #{k.digits(6)}: {first} {last} says the courier never called. "
        f"Please ring her back on {ph} before 5 pm and apologise."
    )
    return text, [("person_name", f"{first} {last}"), ("phone", ph)]


def _callback_ru(k: Kit) -> Sample:
    ph = k.phone()
    text = k.pick(
        [
            f"Перезвоните мне, пожалуйста, по номеру {ph} после обеда.",
            f"мой телефон {ph}, звонить лучше в будни",
            f"Курьер не дозвонился: в заказе указан {ph}. Проверьте номер.",
            f"WhatsApp: {ph} (пишите, звонки не принимаю)",
            f"тел.{ph}",
            f"Контактный тел: {ph}; доб. 1234",
            f"Номер для связи — {ph}.",
        ]
    )
    return text, [("phone", ph)]


def _kz_partner(k: Kit) -> Sample:
    ph = k.phone("KZ")
    return f"Партнёр в Алматы, контактный номер {ph}, говорит по-русски.", [("phone", ph)]


def _us_contact(k: Kit) -> Sample:
    ph = k.phone("US")
    return f"Our New York office can be reached at {ph}; ask for the billing team.", [("phone", ph)]


def _two_phones_en(k: Kit) -> Sample:
    a, b = k.intl_phone(), k.intl_phone()
    return f"Primary contact {a}, backup {b}. Don't share these outside the team.", [
        ("phone", a),
        ("phone", b),
    ]


def _email_only(k: Kit) -> Sample:
    _, _, login = k.name(k.pick(["ru", "en"]))
    em = k.email(login)
    if k.rng.random() < 0.15:
        em = em.title()  # Ivan.Petrov@Mail.Ru, as some clients write it
    text = k.pick(
        [
            f"Пришлите счёт на {em}, пожалуйста.",
            f"Can you add {em} to the distribution list?",
            f"Ответ отправьте на адрес <{em}>.",
            f"User {em} reports a failed login since Monday.",
            f'{{"to": "{em}", "subject": "Invoice overdue"}}',
            f"mailto:{em}",
            f"Почта клиента: {em}",
            f"(see thread with {em})",
        ]
    )
    return text, [("email", em)]


def _email_plus(k: Kit) -> Sample:
    _, _, login = k.name("en")
    em = f"{login}+newsletter@{k.pick(['gmail.com', 'example.org', 'mail.ru'])}"
    return f"Unsubscribe {em} from all marketing mail.", [("email", em)]


def _passport_ru(k: Kit) -> Sample:
    first, last, _ = k.name("ru")
    written, value = k.passport()
    text = k.pick(
        [
            f"Паспорт {written}, выдан ОВД района Хамовники.",
            f"Паспортные данные: {written}. Прописка: Москва.",
            f"{first} {last}, паспорт гражданина РФ {written}, дата рождения 12.04.1988",
            f"Для оформления пропуска нужны серия и номер паспорта: {written}",
            f"паспорт серии {value.replace(' номер ', ', № ')} выдан 2015 г.",
        ]
    )
    labels: list[Label] = [
        ("ru_passport", value if value in text else value.replace(" номер ", ", № "))
    ]
    if first in text:
        labels.append(("person_name", f"{first} {last}"))
    return text, labels


def _passport_en(k: Kit) -> Sample:
    p = k.passport()[1].replace(" номер ", " number ")
    text = k.pick(
        [
            f"Guest's Russian passport: {p}, please keep a copy for the hotel register.",
            f"Passport series and number {p}; expires in 2031.",
        ]
    )
    return text, [("ru_passport", p)]


def _snils(k: Kit) -> Sample:
    s = k.snils()
    text = k.pick(
        [
            f"СНИЛС сотрудника {s}, приложите к заявлению.",
            f"Страховой номер: {s}",
            f"Employee SNILS: {s}",
            f"Проверь, совпадает ли {s} с тем, что в кадровой системе.",
        ]
    )
    return text, [("snils", s)]


def _snils_bare(k: Kit) -> Sample:
    s = k.snils_bare()
    return f"СНИЛС {s} (без пробелов, как в выгрузке)", [("snils", s)]


def _inn(k: Kit) -> Sample:
    inn = k.pick([k.inn10(), k.inn12()])
    text = k.pick(
        [
            f"ИНН {inn}",
            f"Проверь контрагента: ИНН {inn}, есть ли долги.",
            f"Company INN: {inn}; KPP 770101001",
            f"Реквизиты ИП: ИНН: {inn}, р/с в Сбербанке.",
            f"ИНН:{inn}",
            f"TIN (ИНН) of the Russian supplier is {inn}.",
            f'{{"inn": "{inn}", "status": "active"}}',
        ]
    )
    return text, [("inn", inn)]


def _inn_kpp(k: Kit) -> Sample:
    inn = k.inn10()
    return f"ООО «Ромашка», ИНН/КПП {inn}/{k.digits(9)}, юр. адрес: Москва.", [("inn", inn)]


def _inn_person(k: Kit) -> Sample:
    first, last, _ = k.name("ru")
    inn = k.inn12()
    text = f"Физлицо {first} {last}, {inn} — его налоговый номер, нужен для справки 2-НДФЛ."
    return text, [("person_name", f"{first} {last}"), ("inn", inn)]


def _inn_list(k: Kit) -> Sample:
    a, b = k.inn10(), k.inn10()
    return f"Сверь ИНН поставщиков: {a}, {b}.", [("inn", a), ("inn", b)]


def _ogrn(k: Kit) -> Sample:
    o = k.ogrn()
    text = k.pick(
        [
            f"ОГРН {o}",
            f"Выписка ЕГРЮЛ по ОГРН {o} нужна к пятнице.",
            f"Registration number (OGRN): {o}",
        ]
    )
    return text, [("ogrn", o)]


def _ogrnip(k: Kit) -> Sample:
    first, last, _ = k.name("ru")
    o = k.ogrnip()
    text = f"ИП {last} {first[0]}., ОГРНИП {o}, работает по УСН."
    return text, [("ogrn", o)]


def _requisites(k: Kit) -> Sample:
    inn, o, acct = k.inn10(), k.ogrn(), "40702810" + k.digits(12)
    text = (
        f"Реквизиты: ООО «Вектор»\nИНН {inn}\nОГРН {o}\nр/с {acct}\n"
        f"БИК 044525225\nк/с 30101810400000000225"
    )
    return text, [("inn", inn), ("ogrn", o)]


def _card(k: Kit) -> Sample:
    c = k.card()
    text = k.pick(
        [
            f"Оплата не прошла по карте {c}, клиент просит разобраться.",
            f"Card number {c}, exp 09/27 — please refund the duplicate charge.",
            f"Переведите на карту {c} (Сбер), получатель тот же.",
            f"customer pasted their card: {c} cvv in a separate message",
        ]
    )
    return text, [("card", c)]


def _iban(k: Kit) -> Sample:
    value = k.iban()
    text = k.pick(
        [
            f"Please wire the deposit to IBAN {value}, reference INV-{k.digits(5)}.",
            f"Beneficiary account: {value}",
            f"Банк получателя в Европе, IBAN {value}, SWIFT COBADEFFXXX.",
            f"Pay to {value}. Thanks!",
        ]
    )
    return text, [("iban", value)]


def _iban_gulf(k: Kit) -> Sample:
    value = k.iban(k.pick(["AE", "SA", "KZ"]))
    return f"Supplier bank details — IBAN: {value}; currency USD.", [("iban", value)]


def _ip(k: Kit) -> Sample:
    address = k.ip()
    text = k.pick(
        [
            f"Логин с подозрительного IP {address}, заблокируй сессию.",
            f"Failed SSH attempts from {address} every few seconds since 03:00.",
            f"Сервер базы данных: {address}, порт 5432.",
            f"Proxy at [{address}]:3128 drops requests.",
            f'{{"client_ip": "{address}", "status": 403}}',
        ]
    )
    return text, [("ip", address)]


def _customer_json(k: Kit) -> Sample:
    first, last, login = k.name("ru")
    ph, em, inn = k.phone(), k.email(login), k.inn12()
    text = (
        f'{{"customer": {{"name": "{first} {last}", "phone": "{ph}", "email": "{em}", '
        f'"inn": "{inn}"}}, "order_id": "{k.digits(8)}"}}'
    )
    return text, [("person_name", f"{first} {last}"), ("phone", ph), ("email", em), ("inn", inn)]


def _csv_rows(k: Kit) -> Sample:
    rows, labels = ["id;ФИО;телефон;СНИЛС"], []
    for index in range(1, 4):
        first, last, _ = k.name("ru")
        ph, s = k.phone(), k.snils()
        rows.append(f"{index};{last} {first};{ph};{s}")
        labels += [("phone", ph), ("snils", s)]
    return "\n".join(rows), labels


def _hr_request(k: Kit) -> Sample:
    first, last, _ = k.name("ru")
    written, value = k.passport()
    s, inn = k.snils(), k.inn12()
    text = (
        f"Оформляем нового сотрудника: {first} {last}. Паспорт {written}, СНИЛС {s}, "
        f"ИНН {inn}. Зарплатная карта будет выпущена позже."
    )
    return text, [
        ("person_name", f"{first} {last}"),
        ("ru_passport", value),
        ("snils", s),
        ("inn", inn),
    ]


def _refund_en(k: Kit) -> Sample:
    first, last, login = k.name("en")
    c, em = k.card(), k.email(login)
    text = f"Refund request from {first} {last} ({em}): charged twice on card {c} on 14 March."
    return text, [("person_name", f"{first} {last}"), ("email", em), ("card", c)]


def _access_log(k: Kit) -> Sample:
    a, b = k.ip(), k.ip()
    _, _, login = k.name("en")
    em = k.email(login)
    text = (
        f"2024-11-02T10:15:03Z login ok user={em} ip={a}\n2024-11-02T10:16:44Z login failed ip={b}"
    )
    return text, [("email", em), ("ip", a), ("ip", b)]


POSITIVES: list[Template] = [
    _crm_note,
    _signature_ru,
    _signature_en,
    _ticket_en,
    _callback_ru,
    _callback_ru,
    _kz_partner,
    _us_contact,
    _two_phones_en,
    _email_only,
    _email_only,
    _email_plus,
    _passport_ru,
    _passport_ru,
    _passport_en,
    _snils,
    _snils,
    _snils_bare,
    _inn,
    _inn,
    _inn_kpp,
    _inn_person,
    _inn_list,
    _ogrn,
    _ogrnip,
    _ogrnip,
    _requisites,
    _card,
    _card,
    _iban,
    _iban,
    _iban_gulf,
    _ip,
    _ip,
    _customer_json,
    _csv_rows,
    _hr_request,
    _refund_en,
    _access_log,
]


def _fixed(text: str, *labels: Label) -> Template:
    return lambda _k: (text, list(labels))


SPECIAL: list[Template] = [
    _fixed(
        "У пациентки диагностирован сахарный диабет 2 типа, назначен инсулин.", ("health", "диабет")
    ),
    _fixed(
        "Сотрудник на больничном с понедельника, диагноз пока не сообщил.", ("health", "диагноз")
    ),
    _fixed(
        "Она беременна, срок 20 недель, просит перевести на лёгкий труд.", ("health", "беременна")
    ),
    _fixed("Инвалидность II группы, нужна справка для бухгалтерии.", ("health", "Инвалидность")),
    _fixed(
        "Клиент сообщил, что проходит химиотерапию и не сможет приехать.",
        ("health", "химиотерапию"),
    ),
    _fixed("ВИЧ-положительный статус подтверждён анализом крови.", ("health", "ВИЧ")),
    _fixed("Жалуется на депрессию, психиатр выписал антидепрессанты.", ("health", "депрессию")),
    _fixed(
        "The employee was diagnosed with type 2 diabetes last year.", ("health", "diagnosed with")
    ),
    _fixed("She is pregnant and asked to work from home until June.", ("health", "pregnant")),
    _fixed(
        "Attached are his medical records and the blood test results.",
        ("health", "medical records"),
    ),
    _fixed("Patient history: hypertension, asthma since childhood.", ("health", "hypertension")),
    _fixed("He has been on antidepressants since the divorce.", ("health", "antidepressants")),
    _fixed(
        "Для доступа в здание используется отпечаток пальца сотрудника.",
        ("biometric", "отпечаток пальца"),
    ),
    _fixed(
        "Банк собирает биометрические данные: фото и образец голоса.",
        ("biometric", "биометрические"),
    ),
    _fixed(
        "The app stores a face scan and fingerprint data for unlocking.", ("biometric", "face scan")
    ),
    _fixed(
        "Police matched the DNA sample to the suspect.",
        ("biometric", "DNA"),
        ("criminal", "suspect"),
    ),
    _fixed(
        "Кандидат указал, что он православный и не работает по воскресеньям.",
        ("beliefs", "православный"),
    ),
    _fixed("Она мусульманка, просит учесть время молитвы в графике.", ("beliefs", "мусульманка")),
    _fixed("Член партии КПРФ с 2010 года, участвовал в выборах.", ("beliefs", "КПРФ")),
    _fixed("He is a practising Catholic and an active party member.", ("beliefs", "Catholic")),
    _fixed("Her political views are well known in the office.", ("beliefs", "political views")),
    _fixed(
        "Работник является членом профсоюза, увольнение согласовать с профкомом.",
        ("trade_union", "профсоюза"),
    ),
    _fixed("Удержание профсоюзных взносов из зарплаты — 1%.", ("trade_union", "профсоюзных")),
    _fixed(
        "She joined the trade union in 2019 and pays union dues monthly.",
        ("trade_union", "trade union"),
    ),
    _fixed(
        "Сотрудник сообщил о своей сексуальной ориентации в анкете.",
        ("sex_life", "сексуальной ориентации"),
    ),
    _fixed("He came out as gay to his manager last week.", ("sex_life", "gay")),
    _fixed(
        "Анкета содержит вопросы о половой жизни пациента.",
        ("sex_life", "половой жизни"),
        ("health", "пациента"),
    ),
    _fixed(
        "The survey asks about sexual orientation and gender identity.",
        ("sex_life", "sexual orientation"),
    ),
    _fixed("В анкете указана национальность: татарин.", ("race_nationality", "национальность")),
    _fixed("Кандидатка — армянка, переехала из Еревана.", ("race_nationality", "армянка")),
    _fixed(
        "The form asks for ethnicity and nationality of each applicant.",
        ("race_nationality", "ethnicity"),
    ),
    _fixed(
        "У кандидата есть непогашенная судимость по статье 158 УК РФ.", ("criminal", "судимость")
    ),
    _fixed(
        "Против него возбуждено уголовное дело, он подозреваемый.", ("criminal", "уголовное дело")
    ),
    _fixed(
        "Background check: prior conviction for fraud, served time until 2018.",
        ("criminal", "prior conviction"),
    ),
    _fixed("He was arrested in 2015 and has a criminal record.", ("criminal", "arrested")),
    _fixed("Справка о состоянии здоровья приложена к заявлению.", ("health", "состоянии здоровья")),
    _fixed("Работница в отпуске по беременности и родам до сентября.", ("health", "беременности")),
    _fixed("У ребёнка аллергия на орехи, учтите в меню лагеря.", ("health", "аллергия")),
    _fixed("Employee requested two days off for IVF treatment.", ("health", "IVF")),
    _fixed(
        "He uses a wheelchair since the accident; make sure the venue is accessible.",
        ("health", "wheelchair"),
    ),
    _fixed("Сотрудник состоит на учёте у нарколога.", ("health", "нарколога")),
    _fixed(
        "Кандидат — цыган по происхождению, об этом написано в резюме.",
        ("race_nationality", "цыган"),
    ),
    _fixed(
        "Голосовал за оппозицию на последних выборах, в компании это знают.",
        ("beliefs", "оппозицию"),
    ),
    _fixed("Находился под следствием в 2019 году, дело закрыто.", ("criminal", "под следствием")),
    _fixed("Her mother is Jewish and her father is a Buddhist.", ("beliefs", "Jewish")),
    _fixed("Сотрудница открыто говорит, что она лесбиянка.", ("sex_life", "лесбиянка")),
    _fixed(
        "The applicant's facial recognition enrolment failed twice.",
        ("biometric", "facial recognition"),
    ),
    _fixed(
        "Шизофрению в анамнезе он не указал, но принимает нейролептики.", ("health", "Шизофрению")
    ),
    _fixed("Проведите диагностику сервера и пришлите логи."),
    _fixed("Партия товара отгружена со склада в Подольске."),
    _fixed("Измени ориентацию страницы на альбомную."),
    _fixed("There is a race condition in the cache refresh code."),
    _fixed("Compute the union of the two sets and sort it."),
    _fixed("The European Union adopted the AI Act in 2024."),
    _fixed("Verify the SSH host key fingerprint before connecting."),
    _fixed("We are planning a birthday party for the team on Friday."),
    _fixed("Подозреваю, что ошибка в конфигурации балансировщика."),
    _fixed("Договор заключён на год, арест счёта снят банком."),
    _fixed("Диабетическое меню доступно в столовой на втором этаже."),
    _fixed("Статья о религиоведении выйдет в следующем номере журнала."),
    _fixed("Explain Gay-Lussac's law with a worked example."),
    _fixed("What caused the Great Depression in 1929?"),
    _fixed("The union contract negotiations resume on Monday."),
    _fixed("Ethnic food festival this Friday in the atrium."),
    _fixed("Record the demo video and upload it to the wiki."),
    _fixed("The validator picks the tagged union member by its discriminator."),
    _fixed("A timeout here is usually a symptom of a slow DNS resolver."),
    _fixed("Thanks to Christian Heimes for the ssl patch."),
    _fixed("Симптомы проблемы: сервис отвечает 502, очередь растёт."),
]


def _order(k: Kit) -> Sample:
    return k.pick(
        [
            f"Заказ № {k.digits(10)} передан в доставку.",
            f"Order {k.digits(12)} shipped on 2024-11-03.",
            f"Номер заявки {k.digits(9)}, срок исполнения 3 дня.",
            f"Invoice {k.digits(10)} is overdue by 14 days.",
        ]
    ), []


def _passport_lookalike(k: Kit) -> Sample:
    p = k.digits(10)
    return k.pick(
        [f"Номер заказа {p[:4]} {p[4:]}", f"Артикул {p[:2]} {p[2:4]} {p[4:]}, остаток 12 шт."]
    ), []


def _bare_numbers(k: Kit) -> Sample:
    return k.pick(
        [
            f"Штрихкод товара 46{k.digits(11)}",
            f"timestamp={k.digits(13)} level=info msg=started",
            f"Отправление {k.digits(14)} прибыло в сортировочный центр.",
            f"Tracking: RA{k.digits(9)}RU, 1Z999AA1{k.digits(10)}",
            f"р/с 40817810{k.digits(12)}, БИК 044525225, к/с 30101810400000000225",
        ]
    ), []


def _invalid_ids(k: Kit) -> Sample:
    kind = k.pick(["inn10", "inn12", "ogrn", "snils", "card", "iban"])
    value = k.invalid(kind)
    label = {
        "inn10": "ИНН",
        "inn12": "ИНН",
        "ogrn": "ОГРН",
        "snils": "СНИЛС",
        "card": "Карта",
        "iban": "IBAN",
    }
    return f"{label[kind]} {value} — проверьте, кажется, с опечаткой.", []


def _dates_prices(k: Kit) -> Sample:
    return k.pick(
        [
            "Встреча перенесена на 12.03.2025 в 14:30.",
            f"Итого к оплате: {k.digits(1)} {k.digits(3)} {k.digits(3)},00 руб.",
            "Budget approved: $4,299.00 for Q3, €12 500 for Q4.",
            "Срок действия с 01.01.2024 по 31.12.2026.",
            "Координаты склада: 55.7558, 37.6173.",
        ]
    ), []


def _versions(k: Kit) -> Sample:
    return k.pick(
        [
            "Обновите клиент до версии 2.10.1.4, в 2.9 баг с кэшем.",
            "Upgrade to v3.12.0.1 before the migration.",
            "Python 3.11.7, numpy 1.26.4, build 10.0.19045.3693",
            "Release 1.2.3 fixes the memory leak; version 4.0.0.12 is in beta.",
        ]
    ), []


def _phone_lookalikes(k: Kit) -> Sample:
    return k.pick(
        [
            "Тестовый номер +7 000 000-00-00 не принимается формой.",
            "Внутренний номер 123-45-67, доб. 204.",
            f"Серийный номер прибора 8 {k.digits(3)} {k.digits(3)} {k.digits(3)}.",
            "Resolution 1920x1080, ratio 16:9, 60 Hz.",
            "Шаблон телефона: +7 (XXX) XXX-XX-XX",
        ]
    ), []


def _labelled_lookalikes(k: Kit) -> Sample:
    return k.pick(
        [
            f"Паспорт клиента проверен, номер заказа {k.digits(4)} {k.digits(6)}.",
            "ИНН 0000000000 (заглушка, заполнить позже)",
            f"ИНН уточню позже; номер счёта {k.digits(10)}.",
            f"Passport checked. Ticket {k.digits(10)} closed.",
            f"СНИЛС не нужен, только табельный номер {k.digits(6)}.",
        ]
    ), []


def _tech(k: Kit) -> Sample:
    return k.pick(
        [
            "Request id 3f2504e0-4f89-11d3-9a0c-0305e82c3301 failed at 12:30:45.",
            "Use std::vector and std::map here; avoid raw pointers.",
            "MAC 00:1A:2B:3C:4D:5E connected to port 7.",
            "sha256: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "Bind to 0.0.0.0:8080 locally and 127.0.0.1 for tests.",
            "decorators like @pytest.fixture and @app.get('/items') are fine",
            "retina assets: logo@2x.png, icon@3x.png",
            "evens, odds = values[::2], values[1::2]  # then sum(values[-16::])",
            '__version__ = "3.5.0.1"  # bump before release',
            "Per RFC 9110 section 8.4.1.3 the proxy must not cache it.",
            "Install it with pip install foo==1.0.0.0 and restart.",
            "Guile 3.0.5.130 ships the new compiler.",
            "cnpj = '16.727.230.0001-98'",
        ]
    ), []


def _business(k: Kit) -> Sample:
    return k.pick(
        [
            "Подготовь краткое резюме встречи и список задач для команды.",
            "Summarise the Q3 sales report in three bullet points.",
            "ISBN 978-5-17-118366-1, тираж 5000 экземпляров.",
            f"ОКПО {k.digits(8)}, ОКТМО {k.digits(8)}, КПП {k.digits(9)}",
            f"Номер лицензии {k.digits(6)} от 2019 года.",
        ]
    ), []


NEGATIVES: list[Template] = [
    _order,
    _order,
    _order,
    _passport_lookalike,
    _passport_lookalike,
    _bare_numbers,
    _bare_numbers,
    _bare_numbers,
    _invalid_ids,
    _invalid_ids,
    _invalid_ids,
    _invalid_ids,
    _dates_prices,
    _dates_prices,
    _versions,
    _versions,
    _phone_lookalikes,
    _phone_lookalikes,
    _labelled_lookalikes,
    _labelled_lookalikes,
    _tech,
    _tech,
    _tech,
    _business,
    _business,
]
