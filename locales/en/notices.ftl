# loa — English: commune notices by SMS (TB), previewed and confirmed with OK.

kw-notice = NOTICE

notice-usage = Send: TB <village code or *> <text>. Example: TB * Village meeting at 8 tomorrow at the cultural house.
notice-not-staff = Only commune officers can send notices by SMS.
notice-outside = Village { $code } is not in your areas.
notice-nobody = Nobody in the chosen area would receive this notice.
notice-too-long = The notice is too long: at most { $max } characters.
notice-preview = Notice to { $recipients } people, { $parts } SMS parts ({ $full } per message with diacritics, { $plain } without), about { $cost } VND. Reply OK within { $minutes } minutes to send.
notice-sent = Notice { $id } queued for { $recipients } people.
notice-gone = This notice was already sent or cancelled; nothing sent again.
