# loa — Vietnamese: what the `loa` command prints for the person at the keyboard (`--lang en`
# for English). Technical names (encoding, chars, parts) stay as the README and `--json` spell them.

cli-sms-info = { $encoding }: { $chars } ký tự (chars), { $parts } phần tin (parts)
cli-sms-info-unaccented = Không dấu ({ $encoding }: { $chars } ký tự, { $parts } phần tin): { $text }
cli-phone-converted = Lưu ý: { $old } là số cũ 11 chữ số, nay là { $new }
cli-phone-invalid = "{ $number }" không dùng được: { $reason }
cli-locales-line = { $lang }: đã dịch { $translated } / { $total } tin nhắn
cli-import-failed = { $file }: chưa nhập gì.

## Why a text is not a Vietnamese mobile number (loa phone, imports).
phone-error-empty = chưa nhập số điện thoại.
phone-error-characters = số điện thoại chỉ gồm chữ số, dấu cách, dấu chấm, gạch ngang, ngoặc và dấu + ở đầu; số này có chữ hoặc ký hiệu khác.
phone-error-length = số di động Việt Nam có 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678); số này có { $digits } chữ số.
phone-error-not-vietnamese = đây không phải số Việt Nam; số Việt Nam bắt đầu bằng 0, 84 hoặc +84 (ví dụ 0912345678 hoặc +84912345678).
phone-error-not-mobile = đây là số cố định hoặc số dịch vụ, không phải số di động; chỉ số di động nhận được tin nhắn.
phone-error-invalid = không nhà mạng nào dùng đầu số này; hãy kiểm tra lại các chữ số.
