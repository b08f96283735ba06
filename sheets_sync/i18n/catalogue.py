"""The message catalogue: every word sheets-sync writes for the team, in each of LANGUAGES.

A typed Python table rather than gettext files: the entries are few, the rules call them by key,
and mypy and one test (tests/test_i18n.py) check that every entry exists in every language with
the same placeholders, and that a plural entry has every form CLDR's plural rules of that language
ask for. Placeholders are `str.format` fields; `Words.text` fills dates, numbers and counts in the
language's CLDR forms.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["CATALOGUE", "FALLBACK", "LANGUAGES", "Plural"]

LANGUAGES = ("en", "ru")
FALLBACK = "en"


@dataclass(frozen=True)
class Plural:
    """An entry whose words depend on a number (`count`): one form per CLDR plural category
    (en: one, other; ru: one, few, many, other)."""

    one: str
    other: str
    few: str = ""
    many: str = ""

    def form(self, category: str) -> str:
        return getattr(self, category, "") or self.other

    def forms(self) -> dict[str, str]:
        return {c: f for c in ("one", "few", "many", "other") if (f := getattr(self, c))}


Entry = dict[str, "str | Plural"]

CATALOGUE: dict[str, Entry] = {
    # --- Touch status (SPEC: the team's language) ---------------------------------------------
    "status.churned": {"en": "churned", "ru": "ушёл"},
    "status.paused": {"en": "paused", "ru": "пауза"},
    "status.snoozed": {"en": "snoozed", "ru": "отложен"},
    "status.onboarding": {"en": "onboarding", "ru": "подключение"},
    "status.sleeping": {"en": "sleeping", "ru": "спит"},
    "status.overdue": {"en": "overdue", "ru": "просрочен"},
    "status.due": {"en": "due", "ru": "пора"},
    "status.soon": {"en": "soon", "ru": "скоро"},
    "status.ok": {"en": "ok", "ru": "в норме"},
    # --- Stage, as the team types it (read in every language) -------------------------------
    "stage.onboarding": {"en": "onboarding", "ru": "подключение"},
    "stage.active": {"en": "active", "ru": "активный"},
    "stage.paused": {"en": "paused", "ru": "пауза"},
    "stage.churned": {"en": "churned", "ru": "ушёл"},
    # --- the worker's columns ------------------------------------------------------------------
    "column.note": {
        "en": "Written by sheets-sync, rewritten every cycle: type your notes in a column of your own.",
        "ru": "Заполняет sheets-sync и переписывает каждый цикл: свои заметки пишите в своём столбце.",
    },
    # --- counts and weekdays -------------------------------------------------------------------
    "days": {
        "en": Plural(one="{count} day", other="{count} days"),
        "ru": Plural(one="{count} день", few="{count} дня", many="{count} дней", other="{count} дня"),
    },
    "for_weekday": {"en": "for {weekday}", "ru": "на {weekday}"},
    # --- Activities types, as the worker names them in its text and its logged rows -----------
    "type.meeting": {"en": "meeting", "ru": "встреча"},
    "type.call": {"en": "call", "ru": "звонок"},
    "type.visit": {"en": "visit", "ru": "визит"},
    "type.email": {"en": "email", "ru": "письмо"},
    "type.message": {"en": "message", "ru": "сообщение"},
    "type.event": {"en": "event", "ru": "мероприятие"},
    "type.deal": {"en": "deal", "ru": "сделка"},
    "type.newsletter": {"en": "newsletter", "ru": "рассылка"},
    "type.follow-up": {"en": "follow-up", "ru": "письмо по итогам"},
    "type.greeting": {"en": "greeting", "ru": "поздравление"},
    "type.sales kit": {"en": "sales kit", "ru": "набор для продаж"},
    "direction.out": {"en": "out", "ru": "исх"},
    "direction.in": {"en": "in", "ru": "вх"},
    "logged.summary": {"en": "{type} sent by sheets-sync", "ru": "{type}: отправлено sheets-sync"},
    # --- Next action (Partners) ----------------------------------------------------------------
    "action.churned": {"en": "Churned: no reminders", "ru": "Ушёл: без напоминаний"},
    "action.paused": {"en": "Paused", "ru": "Пауза"},
    "action.snoozed": {"en": "Snoozed until {date}", "ru": "Отложен до {date}"},
    "action.send_kit": {"en": "Send sales kit", "ru": "Отправить набор для продаж"},
    "action.book_training": {
        "en": "Book training (sales kit sent {date})",
        "ru": "Назначить обучение (набор для продаж отправлен {date})",
    },
    "action.newsletter_due": {"en": "Newsletter due {date}", "ru": "Рассылка: {date}"},
    "action.newsletter_waits": {"en": "Newsletter waits for news", "ru": "Рассылка ждёт новостей"},
    "action.booked": {"en": "{Type} booked for {date}", "ru": "Запланировано: {type}, {date}"},
    "action.next_touch": {"en": "Next touch {date}", "ru": "Следующий контакт: {date}"},
    "action.send_followup": {
        "en": "Send follow-up for the {date} {type}",
        "ru": "Отправить письмо по итогам: {type} {date}",
    },
    "action.add_next_steps": {
        "en": "Add next steps for the {date} {type}",
        "ru": "Записать следующие шаги: {type} {date}",
    },
    "action.call": {
        "en": "Call (rank {rank}, every {every}) - {tail}",
        "ru": "Позвонить (ранг {rank}, раз в {every}) — {tail}",
    },
    "action.step_due": {"en": "Next step due {date}", "ru": "Следующий шаг к {date}"},
    "action.step_due_what": {"en": "Next step due {date}: {what}", "ru": "Следующий шаг к {date}: {what}"},
    "action.tail": {"en": "{action} - {tail}", "ru": "{action} — {tail}"},
    "late": {"en": "{days} late", "ru": "опоздание на {days}"},
    "due_today": {"en": "due today", "ru": "сегодня"},
    "overdue_by": {"en": "{days} overdue", "ru": "просрочено на {days}"},
    "booked_note": {"en": " ({type} booked for {date})", "ru": " (запланировано: {type}, {date})"},
    "woke_up": {"en": "woke up", "ru": "проснулся"},
    "fell_asleep": {"en": "fell asleep (no response since {date})", "ru": "уснул (нет ответа с {date})"},
    "fell_asleep_never": {"en": "fell asleep (no response since ever)", "ru": "уснул (ответа не было)"},
    # --- meeting follow-ups ----------------------------------------------------------------------
    "meeting": {"en": "the {date} {type}", "ru": "{type} {date}"},
    "followup.send": {"en": "Send follow-up for {meeting}", "ru": "Отправить письмо по итогам: {meeting}"},
    "followup.no_email": {
        "en": "Send follow-up for {meeting} (no contact email)",
        "ru": "Отправить письмо по итогам: {meeting} (у контакта нет email)",
    },
    "followup.forward": {
        "en": "Forward the follow-up draft for {meeting}",
        "ru": "Переслать черновик письма по итогам: {meeting}",
    },
    "followup.goes_to": {
        "en": "Follow-up for {meeting} goes to {to}",
        "ru": "Письмо по итогам ({meeting}) уходит: {to}",
    },
    "followup.in_inbox": {
        "en": "The follow-up draft for {meeting} is in your inbox",
        "ru": "Черновик письма по итогам ({meeting}) у вас во входящих",
    },
    "followup.forward_to": {"en": "{text}: forward it to {to}", "ru": "{text}: перешлите его {to}"},
    "followup.late": {"en": "{text} - late", "ru": "{text} — с опозданием"},
    "followup.add_next_steps": {
        "en": "Add next steps for {meeting}",
        "ru": "Записать следующие шаги: {meeting}",
    },
    "step.from": {"en": "Next step from the {date} {type}", "ru": "Следующий шаг: {type} {date}"},
    "step.any": {"en": "Next step", "ru": "Следующий шаг"},
    "step.owner": {"en": "{when}, owner {owner}", "ru": "{when}, ответственный {owner}"},
    "booked_today": {"en": "{Type} today", "ru": "{Type} сегодня"},
    "with_summary": {"en": "{text}: {summary}", "ru": "{text}: {summary}"},
    "step.line": {"en": "{what} ({when})", "ru": "{what} ({when})"},
    "digest.where": {"en": "{tab}, row {row}", "ru": "{tab}, строка {row}"},
    # --- Sync notes --------------------------------------------------------------------------------
    "note.no_rank": {"en": "no {column}: treated as {rank}", "ru": "нет ранга ({column}): считается {rank}"},
    "note.no_newsletter_recipients": {"en": "no newsletter recipients", "ru": "некому отправить рассылку"},
    "note.no_kit_recipient": {
        "en": "no contact to send the sales kit to",
        "ru": "некому отправить набор для продаж",
    },
    "digest.kit_no_recipient": {
        "en": "Sales kit: no contact to send the sales kit to",
        "ru": "Набор для продаж: некому отправить",
    },
    "note.no_manager_draft": {
        "en": "no Manager and no digest.fallback: follow-up draft not sent",
        "ru": "нет менеджера и digest.fallback: черновик письма по итогам не отправлен",
    },
    "note.followup_no_email": {
        "en": "follow-up not sent: no Contact email and no champion with an email",
        "ru": "письмо по итогам не отправлено: у контакта нет email и нет чемпиона с email",
    },
    "note.digest_dropped": {
        "en": "no Manager and no digest.fallback: digest items dropped",
        "ru": "нет менеджера и digest.fallback: пункты дайджеста не отправлены",
    },
    "duty.manager": {"en": "rank {rank} requires a manager", "ru": "ранг {rank}: нужен менеджер"},
    "duty.training": {
        "en": "rank {rank} requires training ({column} is empty)",
        "ru": "ранг {rank}: нужно обучение (не заполнено «{column}»)",
    },
    # --- Follow-up cells (Activities) ------------------------------------------------------------
    "marker.missing": {"en": "missing next steps", "ru": "нет следующих шагов"},
    "marker.reminded": {"en": "reminded in the digest", "ru": "напомнено в дайджесте"},
    "followup.reminded": {
        "en": "reminded in the digest to {manager} {date}",
        "ru": "напомнено в дайджесте {manager} {date}",
    },
    "followup.sent": {"en": "sent to {to} {when}", "ru": "отправлено {to} {when}"},
    "followup.draft_sent": {"en": "draft sent to {to} {when}", "ru": "черновик отправлен {to} {when}"},
    # --- the team inbox (SPEC 4a): Email status cells and digest lines ------------------------
    "email_status.bounced": {"en": "bounced {date}: {reason}", "ru": "не доставлено {date}: {reason}"},
    "email_status.bounced_no_reason": {"en": "bounced {date}", "ru": "не доставлено {date}"},
    "email_status.unsubscribed": {"en": "unsubscribed {date}", "ru": "отписка {date}"},
    "inbox.email": {"en": "Email from {who}: {summary}", "ru": "Письмо от {who}: {summary}"},
    "inbox.new_person": {
        "en": "New person at {partner}: {who}. Add them to Contacts?",
        "ru": "Новый человек у партнёра «{partner}»: {who}. Добавить в контакты?",
    },
    "inbox.away": {
        "en": "{who} is out of office until {date} (an automatic reply).",
        "ru": "{who}: нет на месте до {date} (автоответ).",
    },
    "inbox.bounced": {
        "en": "Email to {address} bounced ({status}). Fix the address in Contacts.",
        "ru": "Письмо на {address} не доставлено ({status}). Исправьте адрес в контактах.",
    },
    # --- Problems of a cell (Sync note and `check`) ----------------------------------------------
    "wanted.date": {"en": "a date", "ru": "дата"},
    "wanted.bool": {"en": "a yes/no value", "ru": "да/нет"},
    "wanted.number": {"en": "a number", "ru": "число"},
    "wanted.direction": {"en": "a direction (in or out)", "ru": "направление (вх или исх)"},
    "wanted.birthday": {"en": "a birthday", "ru": "день рождения"},
    "wanted.period": {
        "en": "a year (2026), quarter (2026-Q4) or month (2026-11)",
        "ru": "год (2026), квартал (2026-Q4) или месяц (2026-11)",
    },
    "cell.as_bool": {"en": "a yes/no value, not {wanted}: {value}", "ru": "да/нет, а не {wanted}: {value}"},
    "cell.as_date": {"en": "a date, not {wanted}: {value}", "ru": "дата, а не {wanted}: {value}"},
    "cell.as_time": {"en": "a time, not {wanted}: {value}", "ru": "время, а не {wanted}: {value}"},
    "cell.as_duration": {
        "en": "a duration, not {wanted}: {value}",
        "ru": "длительность, а не {wanted}: {value}",
    },
    "cell.as_number": {"en": "a number, not {wanted}: {value}", "ru": "число, а не {wanted}: {value}"},
    "cell.as_formula": {"en": "a formula, not {wanted}: {value}", "ru": "формула, а не {wanted}: {value}"},
    "cell.not": {"en": "not {wanted}: {value}", "ru": "не {wanted}: {value}"},
    "cell.unknown_direction": {
        "en": "unknown direction {value} (in or out)",
        "ru": "неизвестное направление {value} (вх или исх)",
    },
    "cell.treated_as": {"en": "{problem}: treated as {what}", "ru": "{problem}: считается {what}"},
    "cell.current_year": {"en": "the current year", "ru": "текущим годом"},
    "cell.not_email": {"en": "not an email address: {value}", "ru": "не адрес email: {value}"},
    "cell.no_partner_name": {
        "en": "no partner name: row skipped",
        "ru": "нет названия партнёра: строка пропущена",
    },
    "cell.unknown_stage": {
        "en": "unknown stage {value} ({stages}): treated as active",
        "ru": "неизвестный этап {value} ({stages}): считается активным",
    },
    "cell.unknown_rank": {
        "en": "unknown rank {value} ({ranks}): treated as {rank}",
        "ru": "неизвестный ранг {value} ({ranks}): считается {rank}",
    },
    "cell.no_partner": {"en": "no partner given", "ru": "не указан партнёр"},
    "cell.unknown_partner": {
        "en": "unknown partner {value} (not a Partner name or ID on the {tab} tab)",
        "ru": "неизвестный партнёр {value} (нет такого названия или ID на вкладке «{tab}»)",
    },
    "cell.no_date": {"en": "no date: the row is not counted", "ru": "нет даты: строка не учитывается"},
    "cell.no_type": {
        "en": "no type (meeting, call, email, deal, ...): not counted as a touch",
        "ru": "нет типа (встреча, звонок, письмо, сделка, ...): не считается касанием",
    },
    "cell.type_typo": {
        "en": "unknown Type {value}: did you mean {nearest}? (not counted as a touch)",
        "ru": "неизвестный тип {value}: может быть, {nearest}? (не считается касанием)",
    },
    "cell.unknown_type": {
        "en": "unknown Type {value} ({types}): not counted as a touch",
        "ru": "неизвестный тип {value} ({types}): не считается касанием",
    },
    # --- Greetings (digest lines and Sync notes) ---------------------------------------------
    "greet.birthday": {"en": "birthday", "ru": "день рождения"},
    "greet.today": {"en": "today", "ru": "сегодня"},
    "greet.in_days": {"en": "in {days}", "ru": "через {days}"},
    "greet.birthday_line": {
        "en": "Birthday of {who} on {date} ({tail})",
        "ru": "День рождения: {who}, {date} ({tail})",
    },
    "greet.holiday_line": {
        "en": "{holiday} greeting for {who} on {date} ({tail})",
        "ru": "Поздравить с праздником «{holiday}»: {who}, {date} ({tail})",
    },
    "note.greeting_no_email": {
        "en": "no Email: {occasion} greeting not sent",
        "ru": "нет email: поздравление ({occasion}) не отправлено",
    },
    "note.greeting_deferred": {
        "en": "{occasion} greeting of {date} not sent: still deferred {days} after the day",
        "ru": "поздравление ({occasion}) от {date} не отправлено: всё ещё отложено через {days} после даты",
    },
    # --- the cycle summary and the check report (what `once`, `run` and `check` print) ---------
    "summary.title": {
        "en": "sheets-sync cycle for {date} ({zone})",
        "ru": "Цикл sheets-sync на {date} ({zone})",
    },
    "summary.unchanged": {
        "en": "{date}: the workbook has not changed since the last cycle today.",
        "ru": "{date}: книга не менялась с прошлого цикла сегодня.",
    },
    "summary.by_status": {
        "en": "Partners by touch status and rank:",
        "ru": "Партнёры по статусу касаний и рангу:",
    },
    "summary.status": {"en": "status", "ru": "статус"},
    "summary.total": {"en": "total", "ru": "всего"},
    "summary.kind": {"en": "kind", "ru": "вид"},
    "summary.to": {"en": "to", "ru": "кому"},
    "summary.subject": {"en": "subject", "ru": "тема"},
    "summary.sent": {"en": "Sent {where}: {what}.", "ru": "Отправлено {where}: {what}."},
    "summary.to_outbox": {"en": "to {folder}", "ru": "в {folder}"},
    "summary.via": {"en": "via {host}", "ru": "через {host}"},
    "delivery.sent": {"en": "{count} sent", "ru": "отправлено: {count}"},
    "delivery.already_sent": {"en": "{count} already sent", "ru": "уже были отправлены: {count}"},
    "delivery.deferred": {"en": "{count} deferred ({why})", "ru": "отложено: {count} ({why})"},
    "delivery.failed": {"en": "{count} failed", "ru": "не удалось: {count}"},
    "delivery.not_made": {
        "en": "{count} not made (a template error: see Sync note)",
        "ru": "не составлено: {count} (ошибка шаблона: см. заметку синхронизации)",
    },
    "summary.partner": {"en": "partner", "ru": "партнёр"},
    "summary.occasion": {"en": "occasion", "ru": "повод"},
    "summary.kind_count": {"en": "{count} {kind}", "ru": "{kind}: {count}"},
    "summary.none": {"en": "none", "ru": "ничего"},
    "summary.to_send": {
        "en": (
            "To send: {count} message(s): {kinds}; digests for {digests} manager(s) at {at} on working days."
        ),
        "ru": (
            "К отправке писем: {count} ({kinds}); дайджестов менеджерам: {digests}, в {at} по рабочим дням."
        ),
    },
    "summary.not_sent": {"en": "Not sent: {kind} to {to}: {why}", "ru": "Не отправлено ({kind}) {to}: {why}"},
    "summary.not_made": {"en": "Not made: {which}: {why}", "ru": "Не составлено: {which}: {why}"},
    "summary.more": {"en": "... and {count} more", "ru": "... и ещё {count}"},
    "summary.problems": {
        "en": "{count} problem(s) in cells: see each row's {column}, or run `sheets-sync check`.",
        "ru": (
            "Проблем в ячейках: {count}. Смотрите столбец «{column}» в строках "
            "или запустите `sheets-sync check`."
        ),
    },
    "summary.dry_run": {
        "en": "Dry run: {count} cell(s) would be written; nothing was written.",
        "ru": "Пробный запуск: было бы записано ячеек: {count}; ничего не записано.",
    },
    "summary.wrote": {
        "en": "Wrote {count} cell(s) in {seconds} s.",
        "ru": "Записано ячеек: {count} за {seconds} с.",
    },
    "summary.not_written": {"en": "Nothing written: {why}", "ru": "Ничего не записано: {why}"},
    "summary.inbox": {
        "en": Plural(
            one="Team inbox: {count} new message read.", other="Team inbox: {count} new messages read."
        ),
        "ru": Plural(
            one="Общий ящик: прочитано {count} новое письмо.",
            few="Общий ящик: прочитано {count} новых письма.",
            many="Общий ящик: прочитано {count} новых писем.",
            other="Общий ящик: прочитано {count} нового письма.",
        ),
    },
    "summary.inbox_fault": {
        "en": "Team inbox not read (tried again next cycle): {why}",
        "ru": "Общий ящик не прочитан (повтор в следующем цикле): {why}",
    },
    "summary.up_to_date": {
        "en": "The sheet was already up to date ({seconds} s).",
        "ru": "Таблица уже была в актуальном состоянии ({seconds} с).",
    },
    "check.counts": {
        "en": "{partners} partners, {contacts} contacts, {activities} activities, {news} news items",
        "ru": "партнёров: {partners}, контактов: {contacts}, активностей: {activities}, новостей: {news}",
    },
    "check.ok": {
        "en": "OK: {counts}; every header and cell reads cleanly.",
        "ru": "OK: {counts}; все заголовки и ячейки читаются.",
    },
    "check.problems": {"en": "{count} problem(s) in {counts}:", "ru": "Проблем: {count} ({counts}):"},
    "check.cell": {"en": "Cell", "ru": "Ячейка"},
    "check.column": {"en": "Column", "ru": "Столбец"},
    "check.problem": {"en": "Problem", "ru": "Проблема"},
    "cell.duplicate_id": {
        "en": (
            "duplicate ID {value} (also on row {row}): nothing is sent for either row until the copy's ID "
            "is cleared (a new one is then filled in)"
        ),
        "ru": (
            "повторяющийся код {value} (он же в строке {row}): ни одной из двух строк ничего "
            "не отправляется, пока код копии не очищен (тогда будет заполнен новый)"
        ),
    },
    "cell.two_columns": {
        "en": "two columns are headed {header} ({first} and {second}): the first one ({first}) is read",
        "ru": "два столбца с заголовком {header} ({first} и {second}): читается первый ({first})",
    },
    # --- Sync notes of what the mail server refused -------------------------------------------------
    "kind.follow-up": {"en": "follow-up", "ru": "письмо по итогам"},
    "kind.sales-kit": {"en": "sales-kit", "ru": "набор для продаж"},
    "kind.greeting": {"en": "greeting", "ru": "поздравление"},
    "kind.newsletter": {"en": "newsletter", "ru": "рассылка"},
    "kind.digest": {"en": "digest", "ru": "дайджест"},
    "note.not_sent": {"en": "{kind} not sent: {why}", "ru": "не отправлено ({kind}): {why}"},
    "note.address_refused": {
        "en": "email refused by the mail server on {date}: {reply}",
        "ru": "почтовый сервер отклонил адрес {date}: {reply}",
    },
    "note.message_refused": {
        "en": "the mail server refused it on {date}: {reply}",
        "ru": "почтовый сервер отклонил письмо {date}: {reply}",
    },
    "note.sender_refused": {
        "en": "the mail server refused the sender address (mail.from) on {date}: {reply}",
        "ru": "почтовый сервер отклонил адрес отправителя (mail.from) {date}: {reply}",
    },
    # --- the digest's notice of a workbook left unwritten ----------------------------------------
    "notice.the_sheet": {"en": "the sheet", "ru": "таблица"},
    "notice.held_by": {"en": "it is {who}", "ru": "она открыта: {who}"},
    "notice.not_updated": {"en": "Not updated since {when}: {why}.", "ru": "Не обновляется с {when}: {why}."},
    "notice.close_it": {
        "en": "{text} Close it (or delete a leftover lock file) so that sheets-sync can write its columns.",
        "ru": (
            "{text} Закройте её (или удалите оставшийся файл блокировки), чтобы sheets-sync "
            "мог записать свои столбцы."
        ),
    },
    # --- Goal progress -------------------------------------------------------------------------------
    "goal.against": {"en": "{done} of {target}", "ru": "{done} из {target}"},
    "goal.deals": {
        "en": Plural(one="{done} of {target} deal", other="{done} of {target} deals"),
        "ru": Plural(
            one="{done} из {target} сделки",
            few="{done} из {target} сделок",
            many="{done} из {target} сделок",
            other="{done} из {target} сделки",
        ),
    },
    "goal.percent": {"en": "{text} ({percent})", "ru": "{text} ({percent})"},
    # --- Dashboard (rules/dashboard.py: every word of the worker's Dashboard tab) --------------------
    "dashboard.title": {"en": "Partners dashboard", "ru": "Панель партнёров"},
    "dashboard.as_of": {"en": "as of", "ru": "по состоянию на"},
    "dashboard.none": {"en": "(none)", "ru": "(нет)"},
    "dashboard.more": {"en": "… and {count} more", "ru": "… и ещё {count}"},
    "dashboard.total": {"en": "Total", "ru": "Итого"},
    "dashboard.no_manager": {"en": "(no manager)", "ru": "(без менеджера)"},
    "dashboard.other_managers": {
        "en": Plural(one="{count} other manager", other="{count} other managers"),
        "ru": Plural(
            one="ещё {count} менеджер",
            few="ещё {count} менеджера",
            many="ещё {count} менеджеров",
            other="ещё {count} менеджера",
        ),
    },
    "dashboard.overdue": {"en": "Most overdue", "ru": "Самые просроченные"},
    "dashboard.rank": {"en": "Rank", "ru": "Ранг"},
    "dashboard.manager": {"en": "Manager", "ru": "Менеджер"},
    "dashboard.days_late": {"en": "Days late", "ru": "Дней просрочки"},
    "dashboard.contact": {"en": "Contact", "ru": "Контакт"},
    "dashboard.next_action": {"en": "Next action", "ru": "Следующее действие"},
    "dashboard.followups": {"en": "Follow-ups to send", "ru": "Письма по итогам к отправке"},
    "dashboard.meeting": {"en": "Meeting", "ru": "Встреча"},
    "dashboard.meeting_cell": {"en": "{date} {type}", "ru": "{type} {date}"},
    "dashboard.to_do": {"en": "To do", "ru": "Что сделать"},
    "dashboard.do.send": {"en": "send the follow-up", "ru": "отправить письмо по итогам"},
    "dashboard.do.next_steps": {"en": "add next steps", "ru": "записать следующие шаги"},
    "dashboard.do.with": {"en": "{text} ({notes})", "ru": "{text} ({notes})"},
    "dashboard.late_note": {"en": "late", "ru": "с опозданием"},
    "dashboard.reminded_note": {"en": "reminded in the digest", "ru": "напомнено в дайджесте"},
    "dashboard.steps": {"en": "Next steps due", "ru": "Следующие шаги к сроку"},
    "dashboard.due": {"en": "Due", "ru": "Срок"},
    "dashboard.owner": {"en": "Owner", "ru": "Ответственный"},
    "dashboard.step": {"en": "Next step", "ru": "Следующий шаг"},
    "dashboard.status": {"en": "Touch status", "ru": "Статус"},
    "dashboard.partners": {"en": "Partners", "ru": "Партнёры"},
    "dashboard.discipline": {"en": "Follow-ups (last {days})", "ru": "Письма по итогам (за {days})"},
    "dashboard.meetings": {"en": "Meetings", "ru": "Встречи"},
    "dashboard.on_time": {"en": "Within {hours} h", "ru": "В течение {hours} ч"},
    "dashboard.late": {"en": "Late", "ru": "С опозданием"},
    "dashboard.open": {"en": "Open", "ru": "Ждут"},
    "dashboard.reminded": {"en": "Reminded", "ru": "Напомнено"},
    "dashboard.no_next_steps": {"en": "No next steps", "ru": "Нет следующих шагов"},
    "dashboard.goals": {"en": "Partner goals", "ru": "Цели партнёров"},
    "dashboard.goal": {"en": "Goal and progress", "ru": "Цель и прогресс"},
    "dashboard.digests": {"en": "Digests", "ru": "Дайджесты"},
    "dashboard.last_sent": {"en": "Last sent", "ru": "Последний отправлен"},
    "dashboard.chart.status": {
        "en": "Partners by touch status and rank",
        "ru": "Партнёры по статусу и рангу",
    },
    "dashboard.chart.rank": {"en": "Rank {rank}", "ru": "Ранг {rank}"},
    "dashboard.chart.followups": {
        "en": "Follow-ups by manager (last {days})",
        "ru": "Письма по итогам по менеджерам (за {days})",
    },
}
