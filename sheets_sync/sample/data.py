"""Word lists and hand-written stories for the sample workbook (`sheets-sync init`), per language.

Data only: `sample_rows.py` turns it into rows, `sample.py` into headers and a config.
Day offsets in STORIES are relative to `today` ("W-1" is the last working day before today,
"W+2" the second working day after it).
Every email domain ends in .example (RFC 2606), so a demo can never mail a real company.
"""

from __future__ import annotations

from typing import Literal, TypedDict

# --- Russian tab and column names: every column, the worker's included ----------------------

RU_TABS = {"Partners": "Партнёры", "Contacts": "Контакты", "Activities": "Активности",
           "News": "Новости", "Dashboard": "Панель"}  # fmt: skip

RU_COLUMNS = {
    "Partners": {
        "ID": "Код", "Partner": "Партнёр", "Rank": "Ранг", "Stage": "Этап", "Manager": "Менеджер",
        "Since": "Партнёр с", "Snooze until": "Отложить до", "Goal": "Цель",
        "Goal target": "Цель (сделок)", "Goal amount": "Цель (сумма)", "Goal period": "Период цели",
        "Trained": "Обучение", "Notes": "Заметки", "Last touch": "Последний контакт",
        "Last response": "Последний ответ", "Next touch": "Следующий контакт",
        "Touch status": "Статус", "Days late": "Дней просрочки", "Next action": "Следующее действие",
        "Sales kit sent": "Набор для продаж отправлен", "Last newsletter": "Последняя рассылка",
        "Goal progress": "Прогресс цели", "Sync note": "Заметка синхронизации",
    },
    "Contacts": {
        "ID": "Код", "Partner": "Партнёр", "Name": "Имя", "Email": "Эл. почта", "Role": "Должность",
        "Champion": "Чемпион", "Birthday": "День рождения", "Language": "Язык",
        "Newsletter": "Рассылка", "Unsubscribed": "Отписался", "Left company": "Ушёл из компании",
        "Last greeting": "Последнее поздравление", "Sync note": "Заметка синхронизации",
    },
    "Activities": {
        "ID": "Код", "Date": "Дата", "Partner": "Партнёр", "Type": "Тип", "Direction": "Направление",
        "Contact": "Контакт", "Summary": "Содержание", "Agreements": "Договорённости",
        "Next steps": "Следующие шаги", "Owner": "Ответственный", "Due": "Срок", "Done": "Выполнено",
        "Amount": "Сумма", "Follow-up": "Письмо по итогам", "Sync note": "Заметка синхронизации",
    },
    "News": {
        "ID": "Код", "Date": "Дата", "Title": "Заголовок", "Body": "Текст", "Link": "Ссылка",
        "Category": "Категория", "Publish": "Публиковать",
    },
}

# --- The config.yaml of `sheets-sync init` (the Russian one gets tabs: and columns: appended) ---

EN_CONFIG = """\
# sheets-sync configuration, written by `sheets-sync init`.
# Only the essentials are here. Every other key (rank cadence, follow-up mode, newsletters,
# SMTP, renamed tabs and columns, ...) is documented with its default in config.example.yaml
# at the root of the sheets-sync repository. Relative paths are relative to this file.

source:
  kind: xlsx                  # xlsx: a local workbook; google: a Google Sheet (source.spreadsheet)
  path: partners.xlsx
timezone: Europe/Berlin       # the team's local time: "today" and the digest hour
language: en                  # emails in this language unless a contact's Language says otherwise
holidays:
  country: DE                 # public holidays are not working days for reminders
digest:
  at: "09:00"                 # each manager's daily email, on working days
  fallback: partnerships@yourstartup.example   # gets the digest of partners without a Manager
greetings:
  mode: remind                # remind: in the manager's digest; send: emailed on the day
  holidays:                   # "MM-DD", or {date, and the name in other languages}; birthdays come from Contacts
    New Year: {date: "01-01", ru: Новый год}
    Christmas: "12-24"
onboarding:
  sales_kit_url: https://yourstartup.example/partners/sales-kit
mail:
  transport: outbox           # outbox: every email is an .eml file in outbox_dir, nothing is sent
  from: partners@yourstartup.example
  outbox_dir: outbox
state_dir: state              # the send ledger, so that nothing is ever sent twice
"""

RU_CONFIG = """\
# Настройки sheets-sync, созданы командой `sheets-sync init --lang ru`.
# Здесь только главное. Все остальные ключи (частота касаний по рангам, режим писем по итогам,
# рассылки, SMTP и т. д.) с их значениями по умолчанию описаны в config.example.yaml
# в корне репозитория sheets-sync. Относительные пути считаются от папки этого файла.

source:
  kind: xlsx                  # xlsx: локальная книга Excel; google: Google Таблица (source.spreadsheet)
  path: partners.xlsx
timezone: Europe/Moscow       # местное время команды: от него считается «сегодня» и час дайджеста
language: ru                  # язык писем, если в столбце «Язык» контакта не указан другой
holidays:
  country: RU                 # государственные праздники не считаются рабочими днями
digest:
  at: "09:00"                 # ежедневное письмо каждому менеджеру, по рабочим дням
  fallback: partnerships@yourstartup.example   # получает дайджест по партнёрам без менеджера
greetings:
  mode: remind                # remind: напомнить в дайджесте; send: отправить поздравление в день праздника
  holidays:                   # "ММ-ДД" или {date, и название на других языках}; дни рождения — из «Контактов»
    Новый год: {date: "01-01", en: New Year}
    23 Февраля: "02-23"
    8 Марта: "03-08"
onboarding:
  sales_kit_url: https://yourstartup.example/partners/sales-kit
mail:
  transport: outbox           # outbox: каждое письмо сохраняется как .eml в outbox_dir, ничего не уходит
  from: partners@yourstartup.example
  outbox_dir: outbox
state_dir: state              # журнал отправок: ни одно письмо не уйдёт дважды

# Названия вкладок и столбцов в этой книге: имя по умолчанию -> имя в таблице.
"""


# --- Word lists -----------------------------------------------------------------------------


class Words(TypedDict):
    """What both languages have alike."""

    managers: list[str]
    roles: list[str]
    languages: list[str]
    summaries: dict[str, list[str]]  # activity type (and "email in") -> summaries
    agreements: list[str]
    next_steps: list[str]
    followups: list[str]
    notes: list[str]
    goals: list[str]
    amount: tuple[int, int, int]  # range(start, stop, step) of a deal's amount


class EnWords(Words):
    prefixes: list[str]
    suffixes: list[str]
    first: list[tuple[str, int]]
    last: list[str]


class RuWords(Words):
    prefixes: list[tuple[str, str]]
    suffixes: list[tuple[str, str]]
    first: list[tuple[str, int, str]]
    last: list[tuple[str, str]]


EN: EnWords = {
    "managers": ["anna@yourstartup.example", "ben@yourstartup.example",
                 "chloe@yourstartup.example", "dmitri@yourstartup.example"],
    "prefixes": ["Alder", "Beacon", "Bluebird", "Cedar", "Crescent", "Driftwood", "Elmstone", "Falcon",
                 "Fjord", "Harborline", "Horizon", "Ironbridge", "Juniper", "Lakeside", "Maple", "Nimbus",
                 "Oakridge", "Orbit", "Pinnacle", "Polaris", "Quartz", "Riverbend", "Silverline",
                 "Summit", "Upland", "Vantage", "Westgate", "Zenith", "Birchwood", "Coral"],
    "suffixes": ["Analytics", "Systems", "Consulting", "Solutions", "Software", "Labs", "Digital",
                 "Integration", "Group", "Networks", "Data", "Advisory", "Technologies", "IT Services",
                 "Retail Tech", "Media"],
    # (first name, is female)
    "first": [("Anna", 1), ("Ben", 0), ("Clara", 1), ("David", 0), ("Emma", 1), ("Felix", 0),
              ("Grace", 1), ("Hannah", 1), ("Isaac", 0), ("Julia", 1), ("Karl", 0), ("Laura", 1),
              ("Max", 0), ("Nina", 1), ("Oliver", 0), ("Paula", 1), ("Rosa", 1), ("Sam", 0), ("Tom", 0),
              ("Victor", 0), ("Yusuf", 0), ("Zoe", 1), ("Lukas", 0), ("Sophie", 1), ("Jonas", 0),
              ("Mia", 1), ("Priya", 1), ("Mateo", 0)],
    "last": ["Becker", "Carter", "Schmidt", "Novak", "Fischer", "Johnson", "Keller", "Lopez", "Meyer",
             "Nguyen", "O'Brien", "Patel", "Richter", "Smith", "Taylor", "Wagner", "Weber", "Young",
             "Hoffmann", "Brown", "Kowalski", "Rossi", "Jansen", "Svensson"],
    "roles": ["CEO", "Head of Partnerships", "Sales Director", "Account Executive", "CTO",
              "Solutions Engineer", "Marketing Manager", "Channel Manager", "Procurement Lead",
              "Customer Success Lead"],
    "languages": ["en"] * 13 + ["de"] * 5 + ["ru"] * 2,
    "summaries": {
        "meeting": ["Quarterly review of the joint pipeline",
                    "Demo of the reporting module for their sales team",
                    "Planning the joint webinar", "Marketing budget talk for next quarter",
                    "Pricing discussion for the enterprise tier", "Intro meeting with their new VP Sales"],
        "call": ["Check-in call with the champion", "Call about the stalled deal",
                 "Technical questions on the API integration", "Call to prepare the customer pitch"],
        "visit": ["Visited their office, met the sales team", "On-site training for their sales reps"],
        "email": ["Sent the updated price list", "Shared the logistics case study",
                  "Sent the partner portal invite", "Sent the co-branded one-pager"],
        "email in": ["They asked for a demo account", "Question about discounts for a large customer",
                     "They sent us a lead", "Asked for the roadmap slides"],
        "message": ["Quick ping on LinkedIn about the webinar", "Confirmed the meeting time by chat"],
        "event": ["Met at the SaaS Summit booth", "Joint webinar, 85 registrations"],
        "deal": ["Deal closed: 25 licences for a logistics customer", "Renewal through the partner",
                 "Upsell: analytics add-on", "New customer: regional retail chain"],
    },
    "agreements": ["Joint webinar next month", "They add us to their price list",
                   "We provide two demo licences", "Co-marketing budget split 50/50",
                   "Monthly pipeline review", "They introduce us to two customers"],
    "next_steps": ["Send the co-branded one-pager", "Book training for their sales team",
                   "Share the API sandbox credentials", "Prepare the webinar deck",
                   "Introduce their CTO to our solutions engineer", "Send the draft reseller agreement"],
    "followups": ["sent", "sent by Anna", "emailed the recap", "done"],
    "notes": ["Prefers calls over email", "Budget cycle starts in October", "Reseller for the DACH region",
              "Strong in healthcare", "Referral from a customer"],
    "goals": ["Close {n} deals", "{n} new customers through the partner", "Grow partner revenue"],
    "amount": (1000, 60000, 500),
}

RU: RuWords = {
    "managers": ["olga@yourstartup.example", "pavel@yourstartup.example",
                 "irina@yourstartup.example", "sergey@yourstartup.example"],
    # (name, transliteration for the domain)
    "prefixes": [("Альфа", "alfa"), ("Вектор", "vector"), ("Север", "sever"), ("Гранит", "granit"),
                 ("Орбита", "orbita"), ("Меридиан", "meridian"), ("Сибирь", "sibir"), ("Волга", "volga"),
                 ("Кедр", "kedr"), ("Прогресс", "progress"), ("Ладога", "ladoga"), ("Зенит", "zenit"),
                 ("Импульс", "impuls"), ("Байкал", "baikal"), ("Эверест", "everest"), ("Спектр", "spektr"),
                 ("Атлант", "atlant"), ("Аврора", "avrora"), ("Енисей", "enisey"), ("Онега", "onega")],
    "suffixes": [("Софт", "soft"), ("Консалтинг", "consulting"), ("Интеграция", "integration"),
                 ("Системы", "systems"), ("Технологии", "tech"), ("Групп", "group"), ("Телеком", "telecom"),
                 ("Дата", "data"), ("Сервис", "service"), ("Лаб", "lab")],
    # (first name, is female, transliteration)
    "first": [("Иван", 0, "ivan"), ("Мария", 1, "maria"), ("Алексей", 0, "alexey"), ("Ольга", 1, "olga"),
              ("Дмитрий", 0, "dmitry"), ("Екатерина", 1, "ekaterina"), ("Сергей", 0, "sergey"),
              ("Анна", 1, "anna"), ("Михаил", 0, "mikhail"), ("Наталья", 1, "natalya"),
              ("Андрей", 0, "andrey"), ("Татьяна", 1, "tatiana"), ("Павел", 0, "pavel"),
              ("Елена", 1, "elena"), ("Николай", 0, "nikolay"), ("Юлия", 1, "yulia"), ("Артём", 0, "artem"),
              ("Светлана", 1, "svetlana"), ("Роман", 0, "roman"), ("Ирина", 1, "irina")],
    # masculine forms; the feminine adds "а"
    "last": [("Иванов", "ivanov"), ("Смирнов", "smirnov"), ("Кузнецов", "kuznetsov"), ("Попов", "popov"),
             ("Соколов", "sokolov"), ("Лебедев", "lebedev"), ("Козлов", "kozlov"), ("Новиков", "novikov"),
             ("Морозов", "morozov"), ("Петров", "petrov"), ("Волков", "volkov"), ("Соловьёв", "solovyov"),
             ("Васильев", "vasiliev"), ("Зайцев", "zaitsev"), ("Павлов", "pavlov"), ("Семёнов", "semenov"),
             ("Голубев", "golubev"), ("Виноградов", "vinogradov"), ("Богданов", "bogdanov")],
    "roles": ["Генеральный директор", "Директор по партнёрствам", "Коммерческий директор",
              "Менеджер по продажам", "Технический директор", "Пресейл-инженер", "Маркетолог",
              "Руководитель закупок", "Аккаунт-менеджер"],
    "languages": ["ru"] * 16 + ["en"] * 4,
    "summaries": {
        "meeting": ["Квартальный обзор совместной воронки", "Демо модуля отчётности для их отдела продаж",
                    "Планирование совместного вебинара", "Обсуждение маркетингового бюджета на квартал",
                    "Обсуждение цен для корпоративного тарифа", "Знакомство с новым директором по продажам"],
        "call": ["Созвон с чемпионом", "Созвон по зависшей сделке", "Технические вопросы по интеграции API",
                 "Подготовка к презентации для клиента"],
        "visit": ["Визит в офис, встреча с отделом продаж", "Обучение их менеджеров у них в офисе"],
        "email": ["Отправили новый прайс-лист", "Поделились кейсом логистической компании",
                  "Отправили приглашение в партнёрский портал", "Отправили совместную листовку"],
        "email in": ["Попросили демо-доступ", "Вопрос о скидке для крупного клиента", "Прислали лид",
                     "Попросили слайды с дорожной картой"],
        "message": ["Написали в Telegram про вебинар", "Подтвердили время встречи в мессенджере"],
        "event": ["Встретились на стенде на конференции", "Совместный вебинар, 85 регистраций"],
        "deal": ["Сделка: 25 лицензий для логистической компании", "Продление через партнёра",
                 "Допродажа: модуль аналитики", "Новый клиент: региональная розничная сеть"],
    },
    "agreements": ["Совместный вебинар в следующем месяце", "Добавляют нас в свой прайс-лист",
                   "Даём две демо-лицензии", "Маркетинговый бюджет пополам",
                   "Ежемесячный разбор воронки", "Знакомят нас с двумя клиентами"],
    "next_steps": ["Отправить совместную листовку", "Назначить обучение их отдела продаж",
                   "Выдать доступ к песочнице API", "Подготовить презентацию для вебинара",
                   "Познакомить их CTO с нашим инженером", "Отправить проект партнёрского договора"],
    "followups": ["отправлено", "отправила Ольга", "резюме отправлено", "да"],
    "notes": ["Предпочитают звонки", "Бюджет планируют в октябре", "Работают по Сибири и Уралу",
              "Сильны в медицине", "Пришли по рекомендации клиента"],
    "goals": ["{n} сделок", "{n} новых клиентов через партнёра", "Рост выручки через партнёра"],
    "amount": (50000, 3000000, 10000),
}

# Newsletter items: (day offset, title, body, link path, category, publish)
NEWS: dict[str, list[tuple[int, str, str, str, str, bool]]] = {
    "en": [
        (-3, "Reporting module 2.0 is live", "Custom dashboards and scheduled PDF reports for every plan.",
         "/blog/reporting-2", "product", True),
        (-9, "Case study: Polaris Logistics cut onboarding time by 40%",
         "How a partner rolled us out to 300 drivers in two weeks.", "/cases/polaris", "case", True),
        (-16, "Partner webinar: selling to hospitals", "A 45-minute session with our healthcare team.",
         "/events/hospitals", "event", True),
        (-24, "Roadmap: SSO and audit logs in the next quarter",
         "The two features enterprise buyers ask for.", "/roadmap", "roadmap", True),
        (-38, "New partner portal", "Deal registration, co-branded material and training in one place.",
         "/partners/portal", "product", True),
        (-52, "Case study: a retail chain with 120 stores", "Rolled out in 60 days by a reseller.",
         "/cases/retail", "case", True),
        (-75, "Meet us at the SaaS Summit", "Booth 14: bring your customers, we bring the coffee.",
         "/events/saas-summit", "event", True),
        (-96, "Mobile app for field teams", "Offline mode and photo reports.",
         "/blog/mobile", "product", True),
        (-130, "Roadmap: public API v2", "Webhooks, bulk endpoints and higher rate limits.",
         "/roadmap/api-v2", "roadmap", True),
        (-2, "Draft: new partner discounts", "Not final: waiting for the pricing committee.",
         "/partners/discounts", "product", False),
    ],
    "ru": [
        (-3, "Вышел модуль отчётности 2.0", "Свои дашборды и PDF-отчёты по расписанию на всех тарифах.",
         "/blog/reporting-2", "product", True),
        (-9, "Кейс: Аврора Логистика ускорила внедрение на 40%",
         "Как партнёр подключил 300 водителей за две недели.", "/cases/avrora", "case", True),
        (-16, "Вебинар для партнёров: продажи в медицину", "45 минут с нашей командой здравоохранения.",
         "/events/medicine", "event", True),
        (-24, "Дорожная карта: SSO и журнал аудита в следующем квартале",
         "Две функции, о которых просят крупные клиенты.", "/roadmap", "roadmap", True),
        (-38, "Новый партнёрский портал", "Регистрация сделок, материалы и обучение в одном месте.",
         "/partners/portal", "product", True),
        (-52, "Кейс: розничная сеть на 120 магазинов", "Внедрение за 60 дней силами партнёра.",
         "/cases/retail", "case", True),
        (-75, "Встречайте нас на конференции SaaS-Форум", "Стенд 14: приводите клиентов, кофе за нами.",
         "/events/saas-forum", "event", True),
        (-96, "Мобильное приложение для выездных сотрудников", "Офлайн-режим и фотоотчёты.",
         "/blog/mobile", "product", True),
        (-130, "Дорожная карта: публичный API v2", "Вебхуки, пакетные запросы и больше лимитов.",
         "/roadmap/api-v2", "roadmap", True),
        (-2, "Черновик: новые партнёрские скидки", "Не публиковать до решения ценового комитета.",
         "/partners/discounts", "product", False),
    ],
}

# Hand-written partners with a story each, so that the first cycle has something of every kind to do.
# Partners: (name, domain, rank, stage, manager index or None, since, snooze, goal, target, amount,
#            period ("year" | "quarter" | "Q4" | "month" | ""), trained, notes, ID left blank)
# Contacts: (partner index, name, local part, role, champion, birthday, language, newsletter,
#            unsubscribed, left company); a birthday is ("in", days, year) or ("fixed", day, month, year)
# Activities: (partner index, day, type, direction, contact index, summary, agreements, next steps,
#              owner = the manager, due, done, amount, follow-up)
StoryPartner = tuple[str, str, str, str, int | None, int, int | None, str, int | None, int | None, str, int | None,
                     str, bool]  # fmt: skip
# ("in", days from today, year or None), ("fixed", day, month, year or None)
Birthday = tuple[Literal["in"], int, int | None] | tuple[Literal["fixed"], int, int, int | None]
StoryContact = tuple[int, str, str, str, str, Birthday | None, str, str, str, str]
StoryActivity = tuple[int, int | str, str, str, int, str, str, str, int | None, str, int | None, str]


class Story(TypedDict):
    partners: list[StoryPartner]
    contacts: list[StoryContact]
    activities: list[StoryActivity]


STORIES: dict[str, Story] = {
    "en": {
        "partners": [
            ("Northwind Analytics", "northwind", "A", "active", 0, -700, None, "Close 5 deals this quarter",
             5, 60000, "quarter", -300, "Our best reseller in Germany", False),
            ("Copperline Systems", "copperline", "B", "", 1, -400, None, "", None, None, "", None, "", False),
            ("Tidewater Logistics IT", "tidewater", "A", "active", 2, -520, None, "", None, None, "", -200,
             "", False),
            ("Evergreen Retail Solutions", "evergreen", "B", "active", 3, -900, None, "", None, None, "",
             None, "Went quiet after their merger", False),
            ("Brightpath Consulting", "brightpath", "A", "onboarding", None, -4, None, "", None, None, "",
             None, "Signed last week", True),
            ("Granite Ridge Data", "graniteridge", "C", "paused", 3, -800, None, "", None, None, "", None,
             "Paused until their re-org is done", False),
            ("Redwood Software", "redwood", "", "churned", 1, -1100, None, "", None, None, "", None,
             "Switched to a competitor", False),
            ("Keystone Cloud", "keystone", "", "active", 1, -600, 10, "", None, None, "", None,
             "Asked us to wait until after their trade fair", False),
            ("Lumen Media Group", "lumen", "C", "active", 0, -300, None, "", None, None, "", None, "", False),
            ("Meridian Partners", "meridian", "B", "active", 2, -450, None, "3 deals this year", 3, None,
             "year", -100, "", True),
        ],
        "contacts": [
            (0, "Lena Vogel", "lena.vogel", "Head of Partnerships", "yes", ("in", 2, 1988), "de", "", "", ""),
            (0, "Mark Ruiz", "mark.ruiz", "Sales Director", "", ("fixed", 14, 6, None), "en", "yes", "", ""),
            (0, "Tina Brooks", "tina.brooks", "Account Executive", "no", None, "en", "", "", "yes"),
            (1, "Omar Haddad", "omar.haddad", "CEO", "yes", ("fixed", 29, 2, 1992), "en", "", "", ""),
            (1, "Julia Stein", "julia.stein", "Marketing Manager", "no", None, "de", "no", "", ""),
            (2, "Peter Lindqvist", "peter.lindqvist", "Channel Manager", "yes", ("fixed", 3, 11, 1979), "en",
             "", "", ""),
            (2, "Aisha Khan", "aisha.khan", "CTO", "yes", None, "en", "", "", ""),
            (3, "Carlos Mendes", "carlos.mendes", "Sales Director", "yes", ("fixed", 21, 9, 1983), "en", "",
             "", ""),
            (3, "Eva Novak", "eva.novak", "Procurement Lead", "", None, "de", "", "yes", ""),
            (4, "Sofia Marin", "sofia.marin", "Managing Partner", "yes", None, "en", "", "", ""),
            (4, "Daniel Frey", "daniel.frey", "Consultant", "", None, "de", "", "", ""),
            (5, "Hugo Brandt", "hugo.brandt", "CEO", "yes", ("fixed", 2, 1, 1970), "de", "", "", ""),
            (6, "Kate Morris", "kate.morris", "Head of Sales", "yes", None, "en", "", "", ""),
            (7, "Ivan Petrov", "ivan.petrov", "Partner Manager",
             "yes", ("fixed", 12, 4, 1986), "ru", "", "", ""),
            (7, "Greta Holm", "greta.holm", "Solutions Engineer", "", None, "en", "", "", ""),
            (8, "Noah Fischer", "noah.fischer", "Founder", "yes", ("in", 0, None), "de", "", "", ""),
            (8, "Lisa Park", "lisa.park", "Marketing Manager", "no", None, "en", "", "", ""),
            (9, "Amelie Roth", "amelie.roth", "Head of Alliances", "yes", ("fixed", 8, 8, 1990), "de", "",
             "", ""),
            (9, "George Hill", "george.hill", "Account Executive", "", None, "en", "", "", ""),
        ],
        "activities": [
            (0, -40, "meeting", "", 0, "Quarterly review of the joint pipeline",
             "Joint webinar in four weeks", "Send the webinar outline", -33, "yes", None, "sent"),
            (0, -20, "deal", "", 1, "Deal closed: 40 licences for a freight forwarder",
             "", "", None, "", 18000, ""),
            (0, -8, "deal", "", 1, "Upsell: analytics add-on", "", "", None, "", 9500, ""),
            (0, "W-1", "meeting", "", 0, "Planning the joint webinar with three of their customers",
             "Webinar on the 15th; they invite three customers; we run the demo",
             "Send the webinar deck draft", 4, "", None, ""),
            (1, -30, "meeting", "", 3, "Intro to their new hospital customer", "We send a quote",
             "Send quote", -25, "yes", None, "sent"),
            (1, "W-2", "call", "", 3, "Call about the stalled hospital deal", "", "", None, "", None, ""),
            (2, -12, "meeting", "", 5, "Quarterly business review", "They train 10 more sales reps",
             "Book the sales training", -3, "", None, "sent"),
            (2, "W+2", "meeting", "", 5, "Quarterly business review (booked)", "", "", None, "", None, ""),
            (3, -200, "meeting", "", 7, "Pricing discussion for the enterprise tier",
             "They come back after the merger", "Check in after the merger", -170, "yes", None, "sent"),
            (3, -130, "email", "", 7, "Sent the updated price list", "", "", None, "", None, ""),
            (5, -70, "call", "", 11, "They announced a re-organisation", "Pause until it is done", "", None,
             "", None, "sent"),
            (6, -240, "email", "in", 12, "They are moving to a competitor", "", "", None, "", None, ""),
            (7, -15, "visit", "", 13, "Visited their office, met the sales team", "Meet again after the fair",
             "Call after the trade fair", 12, "", None, "sent"),
            (8, -6, "email", "in", 15, "They asked for a demo account", "", "", None, "", None, ""),
            (8, "W-1", "meeting", "", 15, "Demo for their content team",
             "Two-week pilot for the content team", "Create the pilot accounts", 2, "", None, ""),
            (9, -60, "deal", "", 17, "New customer: regional retail chain", "", "", None, "", 12000, ""),
            (9, -3, "email", "in", 17, "Asked for the roadmap slides", "", "", None, "", None, ""),
            (9, "W+4", "call", "", 17, "Call to prepare the customer pitch (booked)", "", "", None, "", None,
             ""),
        ],
    },
    "ru": {
        "partners": [
            ("Северный Ветер Аналитика", "severnyveter", "A", "active", 0, -700, None, "5 сделок за квартал",
             5, 3000000, "quarter", -300, "Лучший реселлер в Москве", False),
            ("Медная Линия", "mednaya-liniya", "B", "", 1, -400, None, "", None, None, "", None, "", False),
            ("Приливы Логистика", "prilivy", "A", "active", 2, -520, None, "",
             None, None, "", -200, "", False),
            ("Вечнозелёный Ритейл", "vechnozeleny", "B", "active", 3, -900, None, "", None, None, "", None,
             "Пропали после слияния", False),
            ("Светлый Путь Консалтинг", "svetly-put", "A", "onboarding", None, -4, None, "", None, None, "",
             None, "Подписали договор на прошлой неделе", True),
            ("Каменная Гряда", "kamennaya-gryada", "C", "paused", 3, -800, None, "", None, None, "", None,
             "Пауза до конца реорганизации", False),
            ("Красный Лес Софт", "krasny-les", "", "churned", 1, -1100, None, "", None, None, "", None,
             "Ушли к конкуренту", False),
            ("Ключевой Облачный", "klyuchevoy", "", "active", 1, -600, 10, "", None, None, "", None,
             "Просили не беспокоить до конца выставки", False),
            ("Люмен Медиа", "lumen-media", "C", "active", 0, -300, None, "", None, None, "", None, "", False),
            ("Полдень Партнёрс", "polden", "B", "active", 2, -450, None, "3 сделки за год", 3, None, "year",
             -100, "", True),
        ],
        "contacts": [
            (0, "Елена Воронцова", "elena.vorontsova", "Директор по партнёрствам",
             "да", ("in", 2, 1988), "ru",
             "", "", ""),
            (0, "Марк Руденко", "mark.rudenko", "Коммерческий директор", "", ("fixed", 14, 6, None), "ru",
             "да", "", ""),
            (0, "Татьяна Бровкина", "tatiana.brovkina", "Менеджер по продажам", "нет", None, "ru", "", "",
             "да"),
            (1, "Олег Гаджиев", "oleg.gadzhiev", "Генеральный директор", "да", ("fixed", 29, 2, 1992), "ru",
             "", "", ""),
            (1, "Юлия Штейн", "yulia.shtein", "Маркетолог", "нет", None, "ru", "нет", "", ""),
            (2, "Пётр Лукин", "petr.lukin", "Руководитель канала", "да", ("fixed", 3, 11, 1979), "ru", "", "",
             ""),
            (2, "Айша Ханова", "aisha.khanova", "Технический директор", "да", None, "en", "", "", ""),
            (3, "Кирилл Мендель", "kirill.mendel", "Коммерческий директор",
             "да", ("fixed", 21, 9, 1983), "ru",
             "", "", ""),
            (3, "Ева Новак", "eva.novak", "Руководитель закупок", "", None, "ru", "", "да", ""),
            (4, "Софья Марина", "sofya.marina", "Управляющий партнёр", "да", None, "ru", "", "", ""),
            (4, "Даниил Фрей", "daniil.frey", "Консультант", "", None, "ru", "", "", ""),
            (5, "Глеб Брандт", "gleb.brandt", "Генеральный директор",
             "да", ("fixed", 2, 1, 1970), "ru", "", "",
             ""),
            (6, "Ксения Морозова", "kseniya.morozova", "Руководитель продаж", "да", None, "ru", "", "", ""),
            (7, "John Peters", "john.peters", "Partner Manager",
             "да", ("fixed", 12, 4, 1986), "en", "", "", ""),
            (7, "Галина Холмова", "galina.kholmova", "Пресейл-инженер", "", None, "ru", "", "", ""),
            (8, "Никита Фишер", "nikita.fisher", "Основатель", "да", ("in", 0, None), "ru", "", "", ""),
            (8, "Лиза Пак", "liza.pak", "Маркетолог", "нет", None, "ru", "", "", ""),
            (9, "Алина Рот", "alina.rot", "Руководитель альянсов", "да", ("fixed", 8, 8, 1990), "ru", "", "",
             ""),
            (9, "Георгий Холмов", "georgy.kholmov", "Аккаунт-менеджер", "", None, "ru", "", "", ""),
        ],
        "activities": [
            (0, -40, "meeting", "", 0, "Квартальный обзор совместной воронки",
             "Совместный вебинар через месяц",
             "Отправить план вебинара", -33, "да", None, "отправлено"),
            (0, -20, "deal", "", 1, "Сделка: 40 лицензий для экспедитора", "", "", None, "", 900000, ""),
            (0, -8, "deal", "", 1, "Допродажа: модуль аналитики", "", "", None, "", 450000, ""),
            (0, "W-1", "meeting", "", 0, "Планирование вебинара с тремя их клиентами",
             "Вебинар 15-го; они зовут трёх клиентов; демо проводим мы",
             "Отправить черновик презентации", 4, "", None, ""),
            (1, -30, "meeting", "", 3, "Знакомство с их клиентом-больницей", "Мы готовим КП", "Отправить КП",
             -25, "да", None, "отправлено"),
            (1, "W-2", "call", "", 3, "Созвон по зависшей сделке с больницей", "", "", None, "", None, ""),
            (2, -12, "meeting", "", 5, "Квартальный обзор", "Обучаем ещё 10 их менеджеров",
             "Назначить обучение", -3, "", None, "отправлено"),
            (2, "W+2", "meeting", "", 5, "Квартальный обзор (назначен)", "", "", None, "", None, ""),
            (3, -200, "meeting", "", 7, "Обсуждение цен для корпоративного тарифа", "Вернутся после слияния",
             "Связаться после слияния", -170, "да", None, "отправлено"),
            (3, -130, "email", "", 7, "Отправили новый прайс-лист", "", "", None, "", None, ""),
            (5, -70, "call", "", 11, "Объявили о реорганизации", "Пауза до её окончания", "", None, "", None,
             "отправлено"),
            (6, -240, "email", "in", 12, "Уходят к конкуренту", "", "", None, "", None, ""),
            (7, -15, "visit", "", 13, "Визит в офис, встреча с отделом продаж", "Встретиться после выставки",
             "Позвонить после выставки", 12, "", None, "отправлено"),
            (8, -6, "email", "in", 15, "Попросили демо-доступ", "", "", None, "", None, ""),
            (8, "W-1", "meeting", "", 15, "Демо для их редакции", "Пилот на две недели для редакции",
             "Создать пилотные учётные записи", 2, "", None, ""),
            (9, -60, "deal", "", 17, "Новый клиент: региональная розничная сеть",
             "", "", None, "", 600000, ""),
            (9, -3, "email", "in", 17, "Попросили слайды с дорожной картой", "", "", None, "", None, ""),
            (9, "W+4", "call", "", 17, "Созвон перед презентацией клиенту (назначен)", "", "", None, "", None,
             ""),
        ],
    },
}
