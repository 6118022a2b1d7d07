# Households and support status (issue 5): the TT keyword, status-change SMS, import reports.

## Keyword: support status (TT, TT 2 for the next page, TT <household code>).
kw-status = STATUS, CHECK

## Status words and units (SMS: keep them short).
support-status-registered = registered
support-status-approved = approved
support-status-in-progress = in progress
support-status-disbursed = paid
support-status-completed = completed
support-status-rejected = rejected
support-status-delivered = delivered
unit-vnd = { $n } VND
unit-kg = { $n }kg
unit-m2 = { $n }m2
unit-ha = { $n }ha

## TT replies. A page is at most two SMS parts; records are newest first.
tt-household = Household { $code }:
tt-record = { $content } { $status } { $date }
tt-record-amount = { $content } { $amount } { $status } { $date }
tt-record-rejected = { $content } rejected ({ $reason }) { $date }
tt-empty = Household { $code } has no support records yet.
tt-more = Send TT { $next } for more.
tt-no-page = There is no page { $page }. Send TT to start again.
tt-not-registered = This number is not registered to a household. The head of household can register it at the commune office with their ID card.
tt-no-access = This number cannot see household { $code }. Send TT for your own household.
tt-officer-needs-code = Send TT and a household code, e.g. TT CG-0001.

## Status-change SMS to each phone of the household.
support-notice-approved = Household { $code }: { $content }{ $amount } approved. Send TT for details.
support-notice-disbursed = Household { $code }: { $content }{ $amount } paid out. Send TT for details.
support-notice-delivered = Household { $code }: { $content }{ $amount } delivered. Send TT for details.
support-notice-rejected = Household { $code }: { $content } rejected: { $reason }. Ask the commune office.

## Import reports (loa import …): one line per problem, then a summary.
import-line-error = Row { $row }, column "{ $column }": { $problem }
import-line-note = Note, row { $row }, column "{ $column }": { $problem }
import-rejected = Nothing imported: the file has { $problems } problem(s). Fix them and import again.
import-done = Imported { $rows } rows: { $created } new, { $updated } changed, { $unchanged } unchanged.
import-dry-run = Dry run, nothing written: { $rows } rows, { $created } new, { $updated } changed, { $unchanged } unchanged.
import-missing-column = this column is missing
import-required = empty
import-unknown-level = unknown level "{ $value }" (tỉnh, xã, thôn)
import-note-padded = code "{ $value }" was stored as a number; read as "{ $code }"
import-duplicate = "{ $value }" repeats row { $first }
import-duplicate-code = code "{ $value }" is an existing household's code spelled differently
import-duplicate-record = the same record as row { $first } (household, content, date)
import-unknown-area = no area with code "{ $value }"
import-bad-parent = "{ $value }" cannot be the parent of this area
import-bad-yes-no = "{ $value }" is not yes/no (có/không)
import-bad-region = unknown region "{ $value }" (I, II, III)
import-unknown-village = no village with code "{ $value }"
import-not-a-village = "{ $value }" is not a village
import-unknown-poverty = unknown poverty class "{ $value }" (nghèo, cận nghèo, không)
import-bad-number = "{ $value }" is not a valid number
import-bad-phone = "{ $value }" is not a Vietnamese mobile number
import-unknown-role = unknown role "{ $value }"
import-unknown-household = no household with code "{ $value }"
import-unknown-content = no content "{ $value }" in the catalogue
import-unknown-status = unknown status "{ $value }"
import-zero-amount = the quantity is 0 { $unit }: it must be more than 0, or empty
import-unit-required = a quantity without a unit
import-unknown-unit = unknown unit "{ $value }" (VND, kg, m2, ha)
import-wrong-unit = unit "{ $value }" does not fit content { $content }
import-bad-date = invalid date "{ $value }" (dd/mm/yyyy)
import-reason-required = a rejection needs a reason (Lý do or Ghi chú column)
import-bad-transition = cannot go from "{ $from }" to "{ $to }"
import-hint-areas-first = There are no areas yet: import the areas file (loa import areas) first, then the households file again.
import-messages-queued = { $count } status message(s) queued.

## A file that cannot be read at all.
import-error-read = Cannot read the file: { $detail }
import-error-format = Unknown file type "{ $ext }": give a .csv or .xlsx file.
import-error-too-large = The file has more than { $rows } rows: split it into smaller files.
import-error-encoding = The file's text is not UTF-8, UTF-16 or Windows-1258. Open it in Excel and save it as "CSV UTF-8" or .xlsx.
import-error-tcvn3 = The file was typed with a TCVN3 (ABC, .VnTime) font. Convert it to Unicode (Unikey: conversion tool, TCVN3 to Unicode), then save it as "CSV UTF-8" or .xlsx.
import-error-vni = The file was typed with a VNI (VNI-Times) font. Convert it to Unicode (Unikey: conversion tool, VNI to Unicode), then save it as "CSV UTF-8" or .xlsx.
