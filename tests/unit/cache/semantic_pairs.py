"""A labelled set for the semantic cache, written for these tests (Russian and English).

Each row is a prompt, a paraphrase that deserves the same answer, and a look-alike that does
not: a different number, date, name, negation, language, or simply a different question in
the same words. The set yields the pairs (prompt, paraphrase) labelled a hit and (prompt,
look-alike) and (paraphrase, look-alike) labelled a miss.
"""

from __future__ import annotations

__all__ = ["HELD_OUT", "ROWS", "pairs"]

ROWS: list[tuple[str, str, str]] = [
    # English: numbers
    (
        "Summarise ticket 4521 for the weekly report",
        "Summarize ticket 4521 for the weekly report",
        "Summarise ticket 4522 for the weekly report",
    ),
    (
        "What is 15% of 240?",
        "How much is 15 percent of 240?",
        "What is 15% of 250?",
    ),
    (
        "Convert 100 US dollars to euros",
        "How many euros is 100 US dollars?",
        "Convert 1000 US dollars to euros",
    ),
    (
        "Give me three ideas for a team offsite",
        "Suggest three ideas for a team offsite",
        "Give me five ideas for a team offsite",
    ),
    (
        "Is 97 a prime number?",
        "Is the number 97 prime?",
        "Is 91 a prime number?",
    ),
    (
        "Write a haiku about autumn in 3 lines",
        "Compose a 3-line haiku about autumn",
        "Write a poem about autumn in 4 lines",
    ),
    (
        "How long does it take to boil an egg for 7 minutes at altitude?",
        "How long should an egg boil for 7 minutes at altitude?",
        "How long does it take to boil an egg for 9 minutes at altitude?",
    ),
    (
        "Refund order 88213 to the original card",
        "Please refund order 88213 to the original card",
        "Refund order 88231 to the original card",
    ),
    # English: dates
    (
        "What meetings do I have on Monday?",
        "Which meetings are on my calendar on Monday?",
        "What meetings do I have on Tuesday?",
    ),
    (
        "Summarise the sales figures for March",
        "Give me a summary of the sales figures for March",
        "Summarise the sales figures for April",
    ),
    (
        "What is the weather forecast for tomorrow?",
        "What's the weather forecast for tomorrow?",
        "What is the weather forecast for today?",
    ),
    (
        "Schedule the release review for Friday",
        "Please schedule the release review for Friday",
        "Schedule the release review for Thursday",
    ),
    # English: names and placeholders
    (
        "Write a short bio of Ada Lovelace",
        "Write a brief biography of Ada Lovelace",
        "Write a short bio of Alan Turing",
    ),
    (
        "What is the capital of France?",
        "What's the capital city of France?",
        "What is the capital of Germany?",
    ),
    (
        "Draft a reply to [EMAIL_1] confirming the meeting",
        "Write a reply to [EMAIL_1] that confirms the meeting",
        "Draft a reply to [EMAIL_2] confirming the meeting",
    ),
    (
        "Explain how to install Docker on Ubuntu",
        "How do I install Docker on Ubuntu?",
        "Explain how to install Docker on Windows",
    ),
    (
        "Translate the contract summary for [PERSON_1]",
        "Translate the summary of the contract for [PERSON_1]",
        "Translate the contract summary for [PERSON_2]",
    ),
    (
        "How do I sort a list in Python?",
        "How can I sort a list in Python?",
        "How do I sort a list in Java?",
    ),
    (
        "Compare PostgreSQL and MySQL for analytics",
        "Compare MySQL and PostgreSQL for analytics workloads",
        "Compare PostgreSQL and MongoDB for analytics",
    ),
    # English: negation
    (
        "Which foods are safe for dogs?",
        "What foods are safe to give dogs?",
        "Which foods are not safe for dogs?",
    ),
    (
        "List the reasons to use microservices",
        "Give me the reasons for using microservices",
        "List the reasons not to use microservices",
    ),
    (
        "Should I restart the server after the update?",
        "Do I need to restart the server after the update?",
        "Should I never restart the server after the update?",
    ),
    (
        "Why does my code compile?",
        "Why is my code compiling?",
        "Why doesn't my code compile?",
    ),
    (
        "Suggest a recipe with meat",
        "Recommend a recipe that has meat",
        "Suggest a recipe without meat",
    ),
    (
        "How do I reset my password?",
        "What is the way to reset my password?",
        "How do I not reset my password?",
    ),
    # English: different question, same words (no guard signal: the threshold decides)
    (
        "How do I cancel my subscription?",
        "How can I cancel my subscription?",
        "How do I renew my subscription?",
    ),
    (
        "What are the symptoms of the flu?",
        "What symptoms does the flu have?",
        "What are the treatments for the flu?",
    ),
    (
        "How do I increase the font size in the editor?",
        "How can I make the font size bigger in the editor?",
        "How do I decrease the font size in the editor?",
    ),
    (
        "Write an email asking for a deadline extension",
        "Compose an email requesting a deadline extension",
        "Write an email refusing a deadline extension",
    ),
    (
        "What is the difference between a list and a tuple?",
        "Explain the difference between a list and a tuple",
        "What is the difference between a list and a set?",
    ),
    (
        "How do I export my contacts to a file?",
        "How can I export my contacts into a file?",
        "How do I import my contacts from a file?",
    ),
    (
        "Explain the advantages of remote work",
        "What are the advantages of remote work?",
        "Explain the disadvantages of remote work",
    ),
    (
        "Translate this sentence into German",
        "Please translate this sentence into German",
        "Translate this sentence into Spanish",
    ),
    # Russian: numbers
    (
        "Сколько будет 17 умножить на 23?",
        "Чему равно 17 умножить на 23?",
        "Сколько будет 17 умножить на 32?",
    ),
    (
        "Составь отчёт по заявке 7731 для руководства",
        "Подготовь отчёт по заявке 7731 для руководства",
        "Составь отчёт по заявке 7713 для руководства",
    ),
    (
        "Предложи три названия для кофейни",
        "Придумай три названия для кофейни",
        "Предложи пять названий для кофейни",
    ),
    (
        "Переведи 500 рублей в доллары",
        "Сколько долларов в 500 рублях?",
        "Переведи 5000 рублей в доллары",
    ),
    (
        "Верни деньги за заказ 55120 на карту",
        "Оформи возврат денег за заказ 55120 на карту",
        "Верни деньги за заказ 55121 на карту",
    ),
    (
        "Напиши план тренировок на 4 недели",
        "Составь план тренировок на 4 недели",
        "Напиши план тренировок на 6 недель",
    ),
    (
        "Какой налог с зарплаты 100000 рублей?",
        "Какой налог платится с зарплаты 100000 рублей?",
        "Какой налог с зарплаты 150000 рублей?",
    ),
    # Russian: dates
    (
        "Какие встречи у меня в понедельник?",
        "Какие у меня встречи в понедельник?",
        "Какие встречи у меня в среду?",
    ),
    (
        "Подведи итоги продаж за март",
        "Сделай сводку продаж за март",
        "Подведи итоги продаж за апрель",
    ),
    (
        "Какая погода будет завтра?",
        "Какая завтра будет погода?",
        "Какая погода будет сегодня?",
    ),
    (
        "Перенеси созвон с командой на пятницу",
        "Перенеси звонок с командой на пятницу",
        "Перенеси созвон с командой на четверг",
    ),
    # Russian: names and placeholders
    (
        "Сколько стоит доставка в Москву?",
        "Какова цена доставки в Москву?",
        "Сколько стоит доставка в Казань?",
    ),
    (
        "Напиши краткую биографию Пушкина",
        "Расскажи кратко биографию Пушкина",
        "Напиши краткую биографию Лермонтова",
    ),
    (
        "Ответь [EMAIL_1], что встреча подтверждена",
        "Напиши [EMAIL_1], что встреча подтверждена",
        "Ответь [EMAIL_2], что встреча подтверждена",
    ),
    (
        "Как установить Docker на Ubuntu?",
        "Как поставить Docker на Ubuntu?",
        "Как установить Docker на Windows?",
    ),
    (
        "Какая столица у Франции?",
        "Какой город столица Франции?",
        "Какая столица у Германии?",
    ),
    (
        "Подготовь договор для [PERSON_1] на оказание услуг",
        "Составь договор на оказание услуг для [PERSON_1]",
        "Подготовь договор для [PERSON_2] на оказание услуг",
    ),
    (
        "Как отсортировать список в Python?",
        "Как в Python отсортировать список?",
        "Как отсортировать список в Java?",
    ),
    # Russian: negation
    (
        "Какие продукты можно давать собакам?",
        "Какие продукты разрешено давать собакам?",
        "Какие продукты нельзя давать собакам?",
    ),
    (
        "Перечисли причины использовать микросервисы",
        "Назови причины использовать микросервисы",
        "Перечисли причины не использовать микросервисы",
    ),
    (
        "Предложи рецепт с мясом",
        "Посоветуй рецепт с мясом",
        "Предложи рецепт без мяса",
    ),
    (
        "Почему мой код компилируется?",
        "По какой причине мой код компилируется?",
        "Почему мой код не компилируется?",
    ),
    (
        "Нужно ли перезагружать сервер после обновления?",
        "Надо ли перезагружать сервер после обновления?",
        "Нужно ли никогда не перезагружать сервер после обновления?",
    ),
    (
        "Есть ли у меня доступ к отчёту?",
        "У меня есть доступ к отчёту?",
        "Нет ли у меня доступа к отчёту?",
    ),
    # Russian: different question, same words
    (
        "Как отменить подписку?",
        "Как мне отменить подписку?",
        "Как продлить подписку?",
    ),
    (
        "Какие симптомы у гриппа?",
        "Какие бывают симптомы гриппа?",
        "Как лечить грипп?",
    ),
    (
        "Как увеличить размер шрифта в редакторе?",
        "Как сделать шрифт в редакторе крупнее?",
        "Как уменьшить размер шрифта в редакторе?",
    ),
    (
        "Напиши письмо с просьбой продлить срок сдачи",
        "Составь письмо с просьбой о продлении срока сдачи",
        "Напиши письмо с отказом продлить срок сдачи",
    ),
    (
        "Объясни преимущества удалённой работы",
        "Расскажи о преимуществах удалённой работы",
        "Объясни недостатки удалённой работы",
    ),
    (
        "Как экспортировать контакты в файл?",
        "Как выгрузить контакты в файл?",
        "Как импортировать контакты из файла?",
    ),
    (
        "Переведи это предложение на немецкий",
        "Переведи, пожалуйста, это предложение на немецкий",
        "Переведи это предложение на испанский",
    ),
    # Different language: the same question asked in the other language is a miss (the
    # answer would come back in the wrong language).
    (
        "Как сбросить пароль от личного кабинета?",
        "Как восстановить пароль от личного кабинета?",
        "How do I reset the password of my personal account?",
    ),
    (
        "Explain what an API gateway does",
        "Explain the role of an API gateway",
        "Объясни, что делает API-шлюз",
    ),
    (
        "Напиши письмо клиенту об отмене заказа",
        "Составь письмо клиенту про отмену заказа",
        "Write a letter to the customer about the order cancellation",
    ),
    (
        "What is machine learning?",
        "What does machine learning mean?",
        "Что такое машинное обучение?",
    ),
]

# Written after the guards were frozen and never used to tune them: how they do on prompts
# their word lists were not written against.
HELD_OUT: list[tuple[str, str, str]] = [
    (
        "How many vacation days do I have left in 2026?",
        "How many vacation days remain for me in 2026?",
        "How many vacation days do I have left in 2025?",
    ),
    ("Book a table for 2 at 7 pm", "Reserve a table for 2 at 7 pm", "Book a table for 4 at 7 pm"),
    (
        "What time does the office open on Saturday?",
        "When does the office open on Saturday?",
        "What time does the office open on Sunday?",
    ),
    (
        "Write a thank-you note to Maria",
        "Compose a thank-you note to Maria",
        "Write a thank-you note to Elena",
    ),
    (
        "Is it safe to drink tap water in Berlin?",
        "Can I safely drink tap water in Berlin?",
        "Is it safe to drink tap water in Cairo?",
    ),
    (
        "How do I connect my printer to wifi?",
        "How can I connect my printer to wifi?",
        "How do I disconnect my printer from wifi?",
    ),
    (
        "Show the invoices that were paid",
        "List the invoices that were paid",
        "Show the invoices that were not paid",
    ),
    (
        "How do I lock the screen on a Mac?",
        "How can I lock my screen on a Mac?",
        "How do I unlock the screen on a Mac?",
    ),
    (
        "Give me a packing list for a beach holiday",
        "Make a packing list for a beach holiday",
        "Give me a packing list for a ski holiday",
    ),
    (
        "Explain the rules of chess for beginners",
        "Explain chess rules to a beginner",
        "Explain the rules of poker for beginners",
    ),
    (
        "What should I pack for a 3-day trip?",
        "What do I need to pack for a 3-day trip?",
        "What should I pack for a 10-day trip?",
    ),
    (
        "Which documents do I need to open a bank account?",
        "What documents are needed to open a bank account?",
        "Which documents do I need to close a bank account?",
    ),
    (
        "How do I merge two branches in git?",
        "How can I merge two git branches?",
        "How do I delete two branches in git?",
    ),
    ("Why is the sky blue?", "Why does the sky look blue?", "Why is the sky red at sunset?"),
    (
        "Как оформить отпуск на 14 дней?",
        "Как взять отпуск на 14 дней?",
        "Как оформить отпуск на 28 дней?",
    ),
    (
        "Забронируй столик на двоих на 19:00",
        "Зарезервируй столик на двоих на 19:00",
        "Забронируй столик на двоих на 20:00",
    ),
    (
        "Во сколько открывается офис в субботу?",
        "Когда открывается офис в субботу?",
        "Во сколько открывается офис в воскресенье?",
    ),
    (
        "Напиши благодарственное письмо Марии",
        "Составь благодарственное письмо Марии",
        "Напиши благодарственное письмо Елене",
    ),
    (
        "Можно ли пить воду из-под крана в Берлине?",
        "Безопасно ли пить воду из-под крана в Берлине?",
        "Можно ли пить воду из-под крана в Каире?",
    ),
    (
        "Как подключить принтер к wifi?",
        "Как мне подключить принтер к wifi?",
        "Как отключить принтер от wifi?",
    ),
    ("Покажи оплаченные счета", "Выведи оплаченные счета", "Покажи неоплаченные счета"),
    (
        "Как заблокировать экран на Mac?",
        "Как мне заблокировать экран на Mac?",
        "Как разблокировать экран на Mac?",
    ),
    (
        "Составь список вещей для отпуска на море",
        "Напиши список вещей для отдыха на море",
        "Составь список вещей для отпуска в горах",
    ),
    (
        "Объясни правила шахмат для новичков",
        "Расскажи правила шахмат для начинающих",
        "Объясни правила покера для новичков",
    ),
    (
        "Какие документы нужны для открытия счёта в банке?",
        "Какие документы нужны, чтобы открыть счёт в банке?",
        "Какие документы нужны для закрытия счёта в банке?",
    ),
    (
        "Как слить две ветки в git?",
        "Как объединить две ветки в git?",
        "Как удалить две ветки в git?",
    ),
    ("Почему небо голубое?", "Отчего небо голубого цвета?", "Почему небо красное на закате?"),
    ("Как приготовить борщ?", "Как сварить борщ?", "Как приготовить солянку?"),
    ("Сколько калорий в банане?", "Какая калорийность у банана?", "Сколько калорий в яблоке?"),
    (
        "How many calories are in a banana?",
        "How many calories does a banana have?",
        "How many calories are in an apple?",
    ),
]


def pairs(rows: list[tuple[str, str, str]] = ROWS) -> list[tuple[str, str, bool]]:
    """(a, b, same answer) for every row: one hit and two misses."""
    out: list[tuple[str, str, bool]] = []
    for prompt, paraphrase, lookalike in rows:
        out += [(prompt, paraphrase, True), (prompt, lookalike, False)]
        out.append((paraphrase, lookalike, False))
    return out
