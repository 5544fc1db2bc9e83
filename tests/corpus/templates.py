"""The corpus sentences: realistic RU/EN texts with slots for generated values and their labels.

Three lists: ``POSITIVES`` (identifiers, contacts and names), ``SPECIAL`` (special categories
of personal data, with look-alike sentences that are not) and ``NEGATIVES`` (numbers and
words that look like personal data and are not); ``NAME_POSITIVES`` and ``NAME_NEGATIVES``
are person names in Russian and Latin script and their look-alikes. Each template returns
(text, labels).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from name_pools import RuName, latin_name, ru_case, ru_name

if TYPE_CHECKING:
    from generate import Kit, Label, Template

__all__ = ["NAME_NEGATIVES", "NAME_POSITIVES", "NEGATIVES", "POSITIVES", "SPECIAL"]

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


def _phone_spaced(k: Kit) -> Sample:
    value = k.spaced_phone()
    text = k.pick(
        [
            f"Контакт во Франции/ОАЭ: {value}, звонить после 10:00 по местному времени.",
            f"Mobile: {value} (WhatsApp too).",
            f"Please call our partner on {value} before 18:00 on 22.11.2024.",
            f"тел.: {value}; факс не работает",
            f'{{"contact": {{"phone": "{value}", "since": "2023-05-17"}}}}',
            f"Guest phone {value}, room 1204, arriving 2024-11-22.",
        ]
    )
    return text, [("phone", value)]


def _phone_pair(k: Kit) -> Sample:
    one, two = k.spaced_phone(), k.spaced_phone()
    return f"Основной {one}, резервный {two}.", [("phone", one), ("phone", two)]


def _phone_ru_national(k: Kit) -> Sample:
    value = k.ru_national_phone()
    text = k.pick(
        [
            f"Перезвоните клиенту по номеру {value} до пятницы.",
            f"Тел. {value}, доб. 204",
            f"Горячая линия: {value} (с 09:00 до 21:00).",
        ]
    )
    return text, [("phone", value)]


def _passport_forms(k: Kit) -> Sample:
    """Passports written as forms and clerks write them: "серия: … номер: …", number first,
    upper case, one field per line, a hyphen between series and number."""
    p = "".join(char for char in k.passport()[1] if char.isdigit())
    s, n = p[:4], p[4:]
    forms = [
        (f"Паспорт: серия: {s} номер: {n}", f"{s} номер: {n}"),
        (f"Серия паспорта: {s}, номер паспорта: {n}", f"{s}, номер паспорта: {n}"),
        (f"паспорт РФ {s} {n}, выдан 14.02.2016", f"{s} {n}"),
        (f"паспорт номер {n} серия {s}", f"{n} серия {s}"),
        (f"Паспорт\nСерия {s}\nНомер {n}\nКем выдан: ОУФМС", f"{s}\nНомер {n}"),
        (f"ПАСПОРТ СЕРИЯ {s[:2]} {s[2:]} НОМЕР {n}", f"{s[:2]} {s[2:]} НОМЕР {n}"),
        (f"данные паспорта {s}-{n} сверены", f"{s}-{n}"),
        (f"паспорт серия {s} №{n}", f"{s} №{n}"),
    ]
    text, value = forms[k.rng.randrange(len(forms))]
    return text, [("ru_passport", value)]


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
    return text, [("ogrn", o), ("person_name", f"{last} {first[0]}.")]


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
        labels += [("phone", ph), ("snils", s), ("person_name", f"{last} {first}")]
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
    _phone_spaced,
    _phone_spaced,
    _phone_spaced,
    _phone_spaced,
    _phone_pair,
    _phone_ru_national,
    _phone_ru_national,
    _passport_forms,
    _passport_forms,
    _passport_forms,
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
    _fixed("Thanks to Christian Heimes for the ssl patch.", ("person_name", "Christian Heimes")),
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


def _phone_decoys(k: Kit) -> Sample:
    """Numbers with a phone's digits or grouping that are dates, times, versions, amounts,
    zero-padded order numbers or bank details."""
    return k.pick(
        [
            f"Заказ {k.digits(4)}-{k.digits(3)}-{k.digits(4)} от 22.11.2024 14:30.",
            f"Order #00{k.digits(11)} shipped 2024-11-22T14:30:05Z.",
            f"Счёт № 00{k.digits(8)} от 01.02.2024 на сумму 1 234 567,89 руб.",
            "Версия 10.2.3.4512, сборка 2024.11.22.1",
            "Upgrade from v0.12.3 to v1.0.0-rc.2; build 20241122.3",
            "Смена с 09:00–18:00, перерыв 13:00–14:00.",
            f"Итого: +{k.digits(2)} {k.digits(3)} {k.digits(3)} ₽ за квартал (+2,5 %).",
            f"Трек-номер {k.digits(14)}, вес 1.250 кг",
            "БИК 044525225, к/с 30101810400000000225, ОКПО 00032537",
            "ISBN 978-5-389-01234-5, тираж 3 000 экз.",
            f"Тел. доверия: 0 {k.digits(3)} {k.digits(3)} (не работает)",
        ]
    ), []


def _passport_decoys(k: Kit) -> Sample:
    s, n = k.digits(4), k.digits(6)
    return k.pick(
        [
            f"Номер заказа {s} № {n}, паспорт не требуется.",
            f"Артикул {s}-{n}, остаток 12 шт.",
            f"Заказ {n}, серия {s} (партия товара).",
            f"Паспорт проверен; накладная {s} № {n} отгружена.",
            f"{s} номер {n}",
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
    _phone_decoys,
    _phone_decoys,
    _phone_decoys,
    _passport_decoys,
    _passport_decoys,
    _labelled_lookalikes,
    _labelled_lookalikes,
    _tech,
    _tech,
    _tech,
    _business,
    _business,
]


# --- person names and their look-alikes (tests/corpus/name_pools.py) -----------------------


def _fio(name: RuName, order: str) -> str:
    """A Russian name written in one of the usual orders, initials included."""
    g, s, p = name.given, name.surname, name.patronymic
    forms = {
        "ИФ": f"{g} {s}",
        "ФИ": f"{s} {g}",
        "ФИО": f"{s} {g} {p}" if p else f"{s} {g}",
        "ИОФ": f"{g} {p} {s}" if p else f"{g} {s}",
        "ИО": f"{g} {p}" if p else g,
        "Ф И.О.": f"{s} {g[0]}.{p[0]}." if p else f"{s} {g[0]}.",
        "Ф И. О.": f"{s} {g[0]}. {p[0]}." if p else f"{s} {g[0]}.",
        "И.О. Ф": f"{g[0]}.{p[0]}. {s}" if p else f"{g[0]}. {s}",
        "И. О. Ф": f"{g[0]}. {p[0]}. {s}" if p else f"{g[0]}. {s}",
    }
    return forms[order]


def _ru_name_in(k: Kit, case: str, orders: list[str]) -> str:
    return _fio(ru_case(ru_name(k.rng), case), k.pick(orders))


def _names_ru_nominative(k: Kit) -> Sample:
    name = _ru_name_in(k, "nomn", ["ФИО", "ИФ", "ФИ", "ИОФ", "Ф И.О.", "И. О. Ф"])
    text = k.pick(
        [
            f"клиент {name} просит вернуть деньги за отменённый заказ",
            f"{name} сегодня работает из дома, встречу проведёт по видеосвязи.",
            f"Ответственный исполнитель: {name}.",
            f"Заявку подал {name}, ждёт ответа до конца недели.",
            f"Прошу выдать пропуск на имя {name} на 12 марта.",
            f'{{"fio": "{name}", "status": "new", "source": "web"}}',
            f"Согласовано: {name}",
            f"Кто такой {name} и почему он в копии письма?",
        ]
    )
    return text, [("person_name", name)]


def _names_ru_cases(k: Kit) -> Sample:
    case, template = k.pick(
        [
            ("datv", "Передайте {}, что отчёт готов."),
            ("datv", "Выплату {} согласовали, перечислим в пятницу."),
            ("ablt", "Договор подписан {} в присутствии юриста."),
            ("ablt", "Встреча с {} перенесена на четверг."),
            ("gent", "Поступила жалоба от {} на работу курьера."),
            ("gent", "Нужна доверенность для {}?"),
            ("accs", "Пригласите {} на собеседование во вторник."),
            ("loct", "В анкете о {} не указан адрес."),
        ]
    )
    name = _ru_name_in(k, case, ["ИФ", "ФИО", "ИОФ", "ФИ"])
    return template.format(name), [("person_name", name)]


def _names_ru_short(k: Kit) -> Sample:
    person = ru_name(k.rng)
    given = ru_case(person, "datv").given
    greeting = _fio(person, "ИО")
    surname = person.surname
    text, value = k.pick(
        [
            (f"Добрый день, {greeting}! Счёт во вложении.", greeting),
            (f"Позвоните {given}, пожалуйста, она ждёт.", given),
            (f"Уважаемый {greeting}, благодарим за обращение.", greeting),
            (f"г-н {surname} подтвердил участие.", surname),
            (f"гражданка {surname} обратилась повторно.", surname),
            (f"Со стороны заказчика — {_fio(person, 'Ф И. О.')}", _fio(person, "Ф И. О.")),
            (f"Приказ подписал {_fio(person, 'И.О. Ф')}.", _fio(person, "И.О. Ф")),
            (f"ИП {_fio(person, 'Ф И.О.')}, ОГРНИП не указан.", _fio(person, "Ф И.О.")),
            (f"ФИО: {_fio(person, 'ФИО').upper()}", _fio(person, "ФИО").upper()),
        ]
    )
    return text, [("person_name", value)]


def _names_ru_two(k: Kit) -> Sample:
    a = _ru_name_in(k, "nomn", ["ИФ", "ФИ"])
    b = _ru_name_in(k, "datv", ["ИФ", "ИОФ"])
    text = f"{a} передал дела {b} с понедельника, доступы переоформлены."
    return text, [("person_name", a), ("person_name", b)]


def _names_latin(k: Kit) -> Sample:
    _, given, surname = latin_name(k.rng)
    name = f"{given} {surname}"
    text = k.pick(
        [
            f"Please send the signed contract to {name} by Friday.",
            f"{name} will join the call at 3 pm and present the budget.",
            f"Refund approved for {name}; the amount goes back to the original card.",
            f"Passenger: {name}, seat 14C, one checked bag.",
            f'{{"customer_name": "{name}", "tier": "gold"}}',
            f"Meeting notes taken by {name}.",
            f"Our driver met {name} at the airport, the guest is on the way to the hotel.",
            f"Le client {name} demande un remboursement.",
            f"Il signor {name} ha chiamato due volte.",
            f"Ansprechpartner: {name}, Einkauf.",
            f"Atención: {name} solicita una factura nueva.",
        ]
    )
    return text, [("person_name", name)]


def _names_latin_titles(k: Kit) -> Sample:
    lang, given, surname = latin_name(k.rng)
    title = {
        "en": ["Mr", "Ms.", "Dr.", "Mrs", "Prof."],
        "it": ["Sig.", "Signora", "Dott."],
        "fr": ["M.", "Mme", "Monsieur"],
        "de": ["Herr", "Frau", "Dr."],
        "es": ["Sr.", "Sra.", "Don"],
        "ar": ["Sheikh", "Mr", "Dr."],
    }[lang]
    name = k.pick([surname, f"{given} {surname}"])
    text = k.pick(
        [
            f"{k.pick(title)} {name} asked for a copy of the invoice.",
            f"Dear {k.pick(title)} {name}, thank you for your patience.",
            f"Appointment confirmed with {k.pick(title)} {name} for Tuesday.",
        ]
    )
    return text, [("person_name", name)]


def _names_latin_initials(k: Kit) -> Sample:
    _, given, surname = latin_name(k.rng, k.pick(["en", "it", "fr", "de", "es"]))
    translit = k.pick(["Ivanov", "Petrova", "Smirnov", "Kuznetsova", "Sokolov"])
    name = k.pick(
        [
            f"{given[0]}. {surname}",
            f"{surname} {given[0]}.",
            f"{translit} {k.pick('AIMOS')}.{k.pick('AIMOS')}.",
            f"{given[0]}. {k.pick('ABDJMR')}. {surname}",
        ]
    )
    text = k.pick(
        [
            f"Approved by {name} (finance).",
            f"Report prepared by {name}, reviewed by the audit team.",
            f"Signed: {name}",
        ]
    )
    return text, [("person_name", name)]


def _names_latin_short(k: Kit) -> Sample:
    _, given, _ = latin_name(k.rng, k.pick(["en", "it", "fr", "de", "es", "ar"]))
    text = k.pick(
        [
            f"Hi {given}, thanks for the quick reply.",
            f"Can you ask {given} to check the numbers?",
            f"Thanks {given}!",
        ]
    )
    return text, [("person_name", given)]


def _names_mixed(k: Kit) -> Sample:
    ru = _ru_name_in(k, "nomn", ["ИФ"])
    _, given, surname = latin_name(k.rng, "ar")
    latin = f"{given} {surname}"
    text = f"Переписка: {ru} отправил {latin} коммерческое предложение."
    return text, [("person_name", ru), ("person_name", latin)]


def _name_decoys_ru(k: Kit) -> Sample:
    return k.pick(
        [
            f"Трек-номер посылки RA{k.digits(9)}RU, отправление в пути.",
            f"Трек-номер {k.digits(14)}. Посылка прибыла в Казань.",
            "Почта России задерживает отправления в Нижний Новгород.",
            "Офис на улице Льва Толстого, 16, вход со двора.",
            "Адрес: ул. Гагарина, д. 5, кв. 12; проспект Мира, 21.",
            "Филиал в Санкт-Петербурге переезжает на Невский проспект.",
            "Станция метро Пушкинская закрыта на вход до 10:00.",
            "ООО «Иванов и партнёры» выставило счёт за март.",
            "АО «Вектор» и ПАО «Сбербанк» подписали соглашение.",
            "Лада Веста в наличии у дилера, тест-драйв по записи.",
            "Установите Яндекс Браузер и войдите через Госуслуги.",
            "Смартфон Samsung Galaxy и наушники Apple AirPods в одном заказе.",
            "Роман читается за один вечер, рекомендую.",
            "Вера в продукт у команды есть, бюджета нет.",
            "Надежда на скорый ответ поставщика невелика.",
            "Август выдался напряжённым: три релиза подряд.",
            "Слава богу, сервер поднялся после перезагрузки.",
            "Любовь к деталям — наш главный принцип.",
            "Премия имени Кандинского вручена в Москве.",
            "Спасибо за заказ! Курьер приедет завтра.",
            "Добрый день! Прошу выставить счёт на оплату.",
            "Московская область, Королёвский район, склад № 3.",
            "Главный офис находится в Екатеринбурге.",
            "Сроки: Май – Июнь, бюджет согласован.",
        ]
    ), []


def _name_decoys_en(k: Kit) -> Sample:
    return k.pick(
        [
            f"Tracking number 1Z999AA1{k.digits(10)}, parcel left the Memphis hub.",
            f"Your parcel RA{k.digits(9)}RU is out for delivery.",
            "Join via Microsoft Teams or Google Meet, whichever works.",
            "The Mercedes-Benz GLE and the Harley-Davidson are both in the showroom.",
            "Our offices: San Diego, Santa Monica and Abu Dhabi.",
            "The venue is near Victoria Station, two stops from St. Pancras.",
            "Safari trip to Lake Victoria booked for the sales team.",
            "The May report is late; the June release moves to July.",
            "Will you send the deck before the meeting?",
            "Grace period ends on Friday, after that late fees apply.",
            "Mark the ticket as resolved and notify support.",
            "Bill the customer monthly from April onwards.",
            "Rose gold finish, 256 GB, Apple Watch band included.",
            "Summer Sale starts Monday at New York and London stores.",
            "Thanks for the update. Best regards, the Support Team",
            "Terms and Conditions apply, see Section 4.2 of the Agreement.",
            "Deploy the Docker image to the Kubernetes cluster in Frankfurt.",
            'The "Blue Ocean" project kicks off in Dubai next week.',
            "Paris office closes early on Friday.",
            "Smith & Sons Ltd. sent the updated quote.",
        ]
    ), []


NAME_POSITIVES: list[Template] = [
    _names_ru_nominative,
    _names_ru_nominative,
    _names_ru_cases,
    _names_ru_cases,
    _names_ru_short,
    _names_ru_short,
    _names_ru_two,
    _names_latin,
    _names_latin,
    _names_latin,
    _names_latin_titles,
    _names_latin_initials,
    _names_latin_short,
    _names_mixed,
]
NAME_NEGATIVES: list[Template] = [
    _name_decoys_ru,
    _name_decoys_ru,
    _name_decoys_en,
    _name_decoys_en,
]
