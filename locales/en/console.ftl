## The staff console in the browser.
console-language = Language
console-sign-in = Sign in
console-sign-out = Sign out
console-username = Username
console-password = Password
console-home = Home
console-signed-in-as = Signed in as { $username } ({ $role })
console-wrong-credentials = Wrong username or password.
console-throttled = Too many failed sign-ins. Try again in { $minutes } minutes.
console-form-expired = The form expired. Please enter it again.
console-role-village-health-worker = village health worker
console-role-village-midwife = village midwife
console-role-commune-officer = commune officer
console-role-commune-health = commune health station
console-role-legal-aid = legal aid officer
console-role-admin = administrator
console-role-monitor = monitor
