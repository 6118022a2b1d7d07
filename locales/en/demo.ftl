# loa — English: what `loa serve --demo` prints once it listens, and the simulator page's demo phones.

demo-banner-title = loa is running with the demo data: { $url }
demo-banner-simulator = Open the phone simulator: { $url }
demo-banner-console = Staff console: { $url } (sign in with a demo account below)
demo-banner-phones = Demo phones (send HD, TT; USSD *123#):
demo-banner-api = Staff API ({ $url }): sign in with an account above, make an API token (POST /api/v1/tokens), then send Authorization: Bearer loa_…
demo-banner-accounts = Demo accounts (username, role, password):
demo-account-new = password: { $password }
demo-account-kept = already there, its password kept (a new one: loa user passwd { $username })
demo-banner-stop = Stop: Ctrl-C.
demo-who-villager = villager, household { $code } ({ $head })
demo-who-households = a phone shared by households { $codes }
demo-who-staff = { $role } { $name } ({ $areas })
demo-who-stranger = a stranger: a number in no household
demo-role-health-worker = village health worker
demo-role-midwife = village midwife
demo-role-commune-officer = commune officer
demo-role-legal-aid = legal aid officer
demo-role-commune-health = commune health station staff
demo-role-admin = administrator
demo-role-monitor = programme monitor

## The simulator page: notes beside a message.
sim-duplicate = Duplicate: the same text from this phone within { $seconds } seconds counts as one message, so it is not answered again.
sim-held-quiet = Held: nothing is sent in the quiet hours ({ $start }–{ $end }); goes at { $time }.
sim-held-retry = Not sent yet: next try at { $time }.
sim-queued = Waiting to be sent.
