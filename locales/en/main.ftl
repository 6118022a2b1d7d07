# loa — English. Every message of vi/main.ftl is here too.

## Keywords (comma-separated aliases; see vi/main.ftl). The Vietnamese ones work in every language.

kw-help = HELP, INFO
kw-language = LANG, LANGUAGE
kw-script = PLAIN
kw-stop = STOP, UNSUBSCRIBE
kw-start = START, SUBSCRIBE
kw-confirm = OK, YES

## Consent topics

topic-notice = NOTICE, NOTICES
topic-campaign = CAMPAIGN, CAMPAIGNS
topic-reminder = REMINDER, REMINDERS
topic-name-notice = notices
topic-name-campaign = awareness campaigns
topic-name-reminder = reminders

## Language names

language-name-vi = Vietnamese
language-name-en = English
language-name-tyz = Tày
language-name-nut = Nùng
language-name-ium = Dao (Iu Mien)
language-name-hmn = H'Mông

## SMS replies

help = Commune loudspeaker: TT support status, NN choose a language, KD plain text, HUY stop messages, DK get them again.
unknown-command = Sorry, we did not understand. Send HD for help.
language-set = Language set: { $name }. Send HD for help.
language-set-fallback = Language set: { $name }. No translation yet: messages come in Vietnamese until it is ready.
language-set-partial = Language set: { $name }. Some messages still come in Vietnamese until the translation is complete.
language-list = Send NN and a language code: { $list }.
language-unknown = No language { $code } yet. Send NN and one of: { $list }.
script-unaccented = Messages will now come without diacritics. Send KD to get full Vietnamese again.
script-full = Messages will now come in full Vietnamese. Send KD for plain text.
stopped-all = You will no longer get notices, campaigns or reminders. Send DK to get them again.
stopped-topic = You will no longer get { $topic }. Send DK to get them again.
started-all = You will get messages from the commune again. Send HUY to stop.
started-topic = You will get { $topic } again. Send HUY to stop.

## Confirming a preview (a notice, a campaign) with OK.

confirm-nothing = There is nothing waiting for your OK.
confirm-late = More than { $minutes } minutes have passed, so nothing was sent. Send the command again for a new preview, then OK.
