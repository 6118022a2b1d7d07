# Legal aid (Project 10, sub-project 1): requests by SMS and USSD (issue 12). See vi/legal-aid.ftl.
# An SMS or USSD request is only the intake: an officer calls back to complete the request form
# (02-TP-TGPL) and the proof of eligibility. No message ever repeats what the person wrote.

## Keywords: TGPL, TGPL <category number> [words], TGPL <reference>, TGPL CANCEL <reference>.
kw-legal-aid = LEGAL, LEGAL AID
kw-legal-aid-withdraw = CANCEL, WITHDRAW

## Categories (1–8 is the number a person presses or sends).
legal-aid-category-land = Land
legal-aid-category-family = Marriage and family
legal-aid-category-violence = Domestic violence
legal-aid-category-labour = Labour and jobs
legal-aid-category-social = Social insurance, support
legal-aid-category-administrative = Administrative procedures
legal-aid-category-criminal = Criminal matters
legal-aid-category-other = Other

## Status, in neutral words (no category, nothing the person wrote).
legal-aid-status-received = received, waiting for an officer
legal-aid-status-assigned = an officer is in charge and will call you
legal-aid-status-contacted = the officer has contacted you
legal-aid-status-in-progress = being handled
legal-aid-status-resolved = resolved
legal-aid-status-referred = passed on to the competent authority
legal-aid-status-withdrawn = withdrawn

## The SMS exchange.
legal-aid-ask-category = Free legal aid. Send the number of the matter: 1 Land; 2 Marriage, family; 3 Domestic violence; 4 Labour, jobs; 5 Social insurance, support; 6 Administrative procedures; 7 Criminal; 8 Other. You may add a few words.
legal-aid-no-category = There is no matter number { $n }. Send a number from 1 to 8, or TGPL for the list.
legal-aid-ask-mode = How should the officer reach you? Send 1: status updates by SMS; 2: phone calls only, SMS without details; 3: no SMS at all, the officer calls.
legal-aid-received = Legal aid request { $ref } received ({ $category }). This SMS is only the intake: within { $days } working days an officer will call you back to complete the request form 02-TP-TGPL and the proof that you are eligible. Status: TGPL { $ref }
legal-aid-received-neutral = Noted: { $ref }. This SMS is only the intake: an officer will call you within { $days } working days to complete it.
legal-aid-update = Request { $ref }: { $status }.
legal-aid-noted = { $ref }: noted.
legal-aid-unknown = There is no information to send by SMS for { $ref }.
legal-aid-how = To ask for legal aid, send TGPL and choose the matter, or TGPL <matter number 1-8>. Status: TGPL <code TG-...>. Withdraw: TGPL CANCEL <code>.
legal-aid-withdrawn = Request { $ref } withdrawn. Send TGPL whenever you need a new request.

## Reminder to the province's legal aid officers (one a working day).
legal-aid-remind = Loa: { $count } legal aid request(s) not assigned after { $days } working days: { $refs }. Please assign an officer.

## USSD, main-menu option 2 (sent unaccented, at most 182 characters a screen).
ussd-main-legal-aid = Legal aid
ussd-legal-aid-category-title = What is the matter?
ussd-legal-aid-mode-title = How should the officer reach you?
ussd-legal-aid-mode-sms = Status updates by SMS
ussd-legal-aid-mode-call = Calls only, SMS without details
ussd-legal-aid-mode-none = No SMS at all, calls only
ussd-legal-aid-confirm-title = Send the request? This is the intake; an officer will call you to complete the form and papers.
ussd-legal-aid-send = Send
ussd-legal-aid-done = Received: { $ref }. This is only the intake: within { $days } working days an officer calls you to complete form 02-TP-TGPL and your proof of eligibility.
