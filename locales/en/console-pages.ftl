## Console pages: layout, dashboard, households, uploads, contacts, gateways, audit log.
console-nav = Pages
console-nav-dashboard = Dashboard
console-nav-simulator = Phone simulator (training)
console-back-home = Back to the dashboard
console-error-forbidden = Your role may not open this page.
console-error-not-found = Not found, or outside your areas.
console-error-bad-request = The request could not be read. Please go back and try again.
console-error-internal = Something went wrong on our side; nothing was changed. Please try again.
