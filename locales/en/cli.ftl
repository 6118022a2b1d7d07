# loa — English: what the `loa` command prints with `--lang en`.

cli-sms-info = { $encoding }: { $chars } chars, { $parts } part(s)
cli-sms-info-unaccented = Unaccented ({ $encoding }: { $chars } chars, { $parts } part(s)): { $text }
cli-phone-converted = Note: { $old } is an old 11-digit number, now { $new }
cli-phone-invalid = "{ $number }" cannot be used: { $reason }
cli-locales-line = { $lang }: { $translated } / { $total } messages translated
cli-import-failed = { $file }: nothing imported.

## loa user: staff accounts of the console and the API.
cli-user-added = account { $username } made (id { $id })
cli-user-password = password: { $password }
cli-user-password-changed = password of { $username } changed; its sessions ended
cli-user-disabled = { $username } disabled: it cannot sign in, and its sessions and API tokens no longer work
cli-user-staff-role = { $role } (staff { $id })
cli-user-state-active = active
cli-user-state-disabled = disabled
cli-user-bad-username = a username is 3 to 64 letters, digits, dots, dashes, underscores or @
cli-user-bad-password = a password is { $min } to { $max } bytes long
cli-user-role-needs-staff = an account without a staff row must be an admin or a monitor
cli-user-taken = the username is taken
cli-user-no-staff = no such staff member
cli-user-not-found = no such account
cli-user-bad-staff-phone = --staff: { $reason }
cli-user-no-staff-phone = --staff: no staff member has the phone { $phone }

## Why a text is not a Vietnamese mobile number.
phone-error-empty = no phone number was given.
phone-error-characters = a phone number may contain only digits, spaces, dots, dashes, brackets and a leading +; this one has letters or other symbols.
phone-error-length = a Vietnamese mobile number has 10 digits starting with 0 (e.g. 0912345678); this one has { $digits }.
phone-error-not-vietnamese = this is not a Vietnamese number; Vietnamese numbers start with 0, 84 or +84 (e.g. 0912345678 or +84912345678).
phone-error-not-mobile = this is a landline or service number, not a mobile number; only mobile numbers can receive our text messages.
phone-error-invalid = no network uses this number range; please check the digits.
phone-error-sender-id = a sender name is at most 11 characters.
