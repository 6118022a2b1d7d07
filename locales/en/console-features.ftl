## Console pages of the features: notices.
console-nav-notices = Notices
console-notice = Notice
console-notice-compose = Write a notice
console-notice-areas = Areas (commune or village codes)
console-notice-areas-hint = Separate codes with commas. Leave empty to send to all your areas.
console-notice-area-outside = Area { $area } is not one of your areas.
console-notice-areas-bad = Check the area codes.
console-notice-text = Text
console-notice-text-bad = Write the text of the notice (at most 1530 characters).
console-notice-preview = Before sending
console-notice-preview-button = Preview
console-notice-send-button = Confirm and send
console-notice-confirm-hint = Check the figures, then confirm. Changing the text or areas needs a new preview.
console-notice-recipients = Recipients
console-notice-scripts = Full Vietnamese / without accents
console-notice-parts-each = SMS parts per message
console-notice-version-parts = { $language }: { $full } with accents, { $unaccented } without
console-notice-parts = SMS parts in all
console-notice-cost = Cost (VND)
console-notice-list = Notices
console-notice-none = No notices yet.
console-notice-created = Written
console-notice-status = Status
console-notice-figures = Delivery
console-notice-queued = Waiting
console-notice-sent = Sent
console-notice-delivered = Delivered
console-notice-failed = Failed
console-notice-cancelled = Cancelled
console-notice-expired = Expired
console-notice-status-draft = Draft
console-notice-status-scheduled = Scheduled
console-notice-status-queuing = Being queued
console-notice-status-queued = Sent out
console-notice-status-cancelled = Cancelled

## The legal aid queue.
console-nav-legal-aid = Legal aid requests
console-legal-audited = Every look at these requests is written to the access log.
console-legal-none = No requests in your areas.
console-legal-reference = Reference
console-legal-status = Status
console-legal-category = Category
console-legal-age = Waiting
console-legal-age-days = { $days ->
    [one] 1 day
   *[other] { $days } days
}
console-legal-phone = Phone
console-legal-description = What they wrote
console-legal-status-new = New status
console-legal-status-choose = Choose the new status.
console-legal-status-not-allowed = A request cannot go from “{ $from }” to “{ $to }”.
console-legal-status-assign-first = The request has no officer yet: it can only be withdrawn until one is assigned.

## The week's due list of prenatal checkups.
console-nav-due = Checkups this week
console-due-audited = Reading this list is written to the access log.
console-due-none = No checkups due in your villages this week.
console-due-date = Checkup day
console-due-visit = Checkup no.
console-due-phone = Mother's phone
console-due-village = Village
console-due-household = Household
console-due-edd = Due date
console-legal-assign-to = Officer in charge
console-legal-assign = Assign
console-legal-assign-choose = Choose a legal aid officer whose areas hold this request.
