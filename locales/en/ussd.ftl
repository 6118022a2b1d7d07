# loa — English USSD screens (see vi/ussd.ftl: at most 182 characters a screen, sent unaccented).

ussd-main-title = Commune loudspeaker. Choose:
ussd-main-marriage = Marriage law questions
ussd-main-language = Language/Ngon ngu
ussd-marriage-title = Law on Marriage and Family:
ussd-language-title = Choose a language:
ussd-language-set = { $name } chosen. Thank you!
ussd-language-set-fallback = { $name } chosen. No translation yet: messages come in Vietnamese until it is ready.
ussd-language-set-partial = { $name } chosen. Some messages still come in Vietnamese until the translation is complete.
ussd-more = More
ussd-back = Back
ussd-exit = Exit
ussd-goodbye = Thank you for using the commune loudspeaker. Goodbye!
ussd-error-not-number = Please press the number of an item.
ussd-error-no-option = There is no such item, choose again.

## Main-menu option 1: support status (the records themselves use the TT wording in support.ftl).
ussd-main-support = Support status
ussd-support-officer = Commune officers: to look up a household, send an SMS with TT and its code, e.g. TT CG-0001.
