# loa — English USSD screens (see vi/ussd.ftl: at most 182 characters a screen, sent unaccented).

ussd-main-title = Commune loudspeaker. Choose:
ussd-main-marriage = Marriage law questions
ussd-main-language = Language/Ngon ngu
ussd-marriage-title = Law on Marriage and Family:
ussd-language-title = Choose a language:
ussd-language-set = { $name } chosen. Thank you!
ussd-more = More
ussd-back = Back
ussd-exit = Exit
ussd-goodbye = Thank you for using the commune loudspeaker. Goodbye!
ussd-error-not-number = Please press the number of an item.
ussd-error-no-option = There is no such item, choose again.
