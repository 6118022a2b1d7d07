# Maternal and child health (Project 7, sub-project 3): checkup reminders, births, vaccinations,
# messages from village health workers and midwives. Messages to mothers are short and name no
# medical detail.

## Keywords

kw-pregnancy = THAI, PREGNANCY
kw-checkup = KHAM, CHECKUP
kw-checkup-self = DA KHAM, CHECKED
kw-birth = SINH, BIRTH
kw-loss = MAT, LOSS
kw-health-campaign = NHAC, REMIND

## Replies to health staff

maternal-not-health-staff = This command is for village health workers, midwives and commune health staff.
maternal-usage = Send: THAI <phone> <due date dd/mm/yyyy>, or THAI <phone> KC <first day of last period>. A phone in no household: add the village code.
maternal-bad-phone = The mother's phone number is not right. Send again, e.g. THAI 0912345678 15/06/2026.
maternal-edd-past = That due date has passed. Check the date (dd/mm/yyyy).
maternal-edd-too-far = That due date is more than { $weeks } weeks from today. Check the date (dd/mm/yyyy).
maternal-lmp-future = The last period cannot start after today. Check the date.
maternal-needs-village = This phone is in no household. Add the village code: THAI <phone> <due date> <village code>.
maternal-unknown-village = There is no village with code { $code }.
maternal-outside-area = This mother does not live in your villages.
maternal-no-pregnancy = No pregnancy is registered for this phone.
maternal-bad-birth-date = The birth date is not right: not after today, not more than 60 days ago.
maternal-no-visit = There is no checkup left to record.
maternal-birth-usage = Send: SINH <phone> <birth date dd/mm/yyyy>.
maternal-registered = Pregnancy of { $who } registered: due { $edd }. Checkup { $n }: { $date }.
maternal-registered-no-visit = Pregnancy of { $who } registered: due { $edd }.
maternal-registered-opted-out = Pregnancy of { $who } registered: due { $edd }. The mother opted out of reminders, so loa sends her none.
maternal-checkup-next = Checkup { $done } of { $who } recorded. Checkup { $n }: { $date }.
maternal-checkup-last = Checkup { $done } of { $who } recorded.
maternal-birth-recorded = Birth on { $date } of { $who } recorded. loa will remind of postnatal checks and the baby's vaccines.
maternal-loss-recorded = Our condolences to the family. loa has stopped every message about this pregnancy.
maternal-overdue = The pregnancy of { $who } is 2 weeks past its due date. If the baby is born, send SINH <mother's phone> <birth date>; after a loss, send MAT <mother's phone>.

## Messages to mothers

maternal-welcome = The commune health station registered you for checkup reminders from loa. Send HUY NH to stop them.
maternal-checkup-self-next = Thank you for going to checkup { $done }. Checkup { $n }: { $date }.
maternal-checkup-self-last = Thank you for going to checkup { $done }.
maternal-visit-eve = Tomorrow { $date } is your checkup { $n }. Please come to the commune health station. Send HUY NH to stop.
maternal-visit-day = Today { $date } is your checkup { $n }. Please come to the commune health station.
maternal-pnc-eve = Tomorrow { $date }: postnatal check for mother and baby at the commune health station.
maternal-pnc-day = Today { $date }: postnatal check for mother and baby at the commune health station.
maternal-epi-eve = Tomorrow { $date } your baby is due for { $vaccines }. Please bring the baby to the commune health station.
maternal-epi-day = Today { $date } your baby is due for { $vaccines }. Please bring the baby to the commune health station.

## Vaccines of the expanded programme of immunization

maternal-epi-birth = the birth dose of hepatitis B and BCG (tuberculosis)
maternal-epi-2m = dose 1 of the 5-in-1 vaccine (diphtheria, pertussis, tetanus, hepatitis B, Hib) and oral polio 1
maternal-epi-3m = dose 2 of the 5-in-1 vaccine and oral polio 2
maternal-epi-4m = dose 3 of the 5-in-1 vaccine and oral polio 3
maternal-epi-9m = measles dose 1
maternal-epi-18m = the diphtheria, pertussis and tetanus booster and measles dose 2

## Messages by week of pregnancy

maternal-week-t1-nutrition = Week { $week }: eat full meals with vegetables, eggs, meat, fish; take iron and folic acid as advised.
maternal-week-t1-danger = Week { $week }: bleeding, strong belly pain, fever or much vomiting: go to the commune health station at once.
maternal-week-t1-checkup = Week { $week }: an early checkup keeps mother and baby well. With a health insurance card, checkups are paid by health insurance as the rules provide.
maternal-week-t2-nutrition = Week { $week }: the first 1,000 days start in pregnancy. Eat one more meal a day and take iron every day.
maternal-week-t2-danger = Week { $week }: headache, blurred sight, swollen face or hands, bleeding or leaking water are danger signs: go to the health station at once.
maternal-week-t2-tetanus = Week { $week }: ask the commune health station about the tetanus vaccine that protects mother and baby.
maternal-week-t2-rest = Week { $week }: rest enough, avoid heavy loads, do not smoke or drink alcohol.
maternal-week-t3-facility = Week { $week }: give birth at the health station or hospital, with a health worker, so mother and baby are safe.
maternal-week-t3-danger = Week { $week }: the baby moves less, bleeding, leaking water, headache, fits: go to a health facility at once.
maternal-week-t3-plan = Week { $week }: have papers, the insurance card, money and someone to take you ready for labour.
maternal-week-t3-breastfeeding = Week { $week }: breastfeed within the first hour after birth and only breast milk for 6 months.
maternal-week-t3-thousand-days = Week { $week }: the baby needs hepatitis B within 24 hours of birth. Remind the health worker at the birth.

## A checkup or vaccination day for the villages (NHAC)

maternal-campaign-usage = Send: NHAC <village code or *> <day dd/mm> <text>, e.g. NHAC * 25/11 Vaccination at the commune health station, 7:30.
maternal-campaign-nobody = No mother in the chosen villages would get this message.
maternal-campaign-preview = This goes to { $count } people, { $parts } SMS, about { $cost } VND. Send OK within { $minutes } minutes to send it.
maternal-campaign-preview-no-price = This goes to { $count } people, { $parts } SMS (price unknown). Send OK within { $minutes } minutes to send it.
maternal-campaign-sent = Queued for { $count } people.
maternal-campaign-text = Commune health station, { $date }: { $text }

## The Monday digest for village health workers

maternal-digest-header = Week from { $date }: { $count } women due for a checkup.
maternal-digest-line = { $who } checkup { $n } ({ $date });
maternal-digest-more = More: see the list at the commune health station.

## USSD, option 3 (unaccented screens, at most 182 characters)

ussd-main-maternal = Prenatal checkups
ussd-maternal-title = Prenatal checkups:
ussd-maternal-mine = My next checkup
ussd-maternal-register = Register (health staff)
ussd-maternal-phone = Type the mother's phone number:
ussd-maternal-edd = Type the due date as 8 digits (day month year), e.g. 15062026:
ussd-maternal-none = No checkups are registered for this phone. See the village health worker or the commune health station.
ussd-maternal-next = Next checkup: number { $n }, on { $date }, at the commune health station.
ussd-maternal-no-more = You are past the scheduled checkups. With any danger sign, go to the health station at once.
ussd-maternal-bad-date = The due date is not right: type 8 digits, e.g. 15062026.
ussd-maternal-failed = Not registered; try again later or send THAI by SMS.

## Importing pregnancies (loa import pregnancies)

import-pregnancy-one-date = give one of the two: the due date or the first day of the last period
import-pregnancy-edd-past = the due date "{ $value }" has passed
import-pregnancy-edd-too-far = the due date "{ $value }" is more than { $weeks } weeks from today
import-pregnancy-lmp-future = the last period "{ $value }" starts after today
import-pregnancy-needs-village = this phone is in no household: give the village code
import-pregnancy-unknown-worker = "{ $value }" is not the phone of a health worker, midwife or health station
