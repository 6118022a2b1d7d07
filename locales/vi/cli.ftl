# loa — Vietnamese: what the `loa` command prints for the person at the keyboard (`--lang en`
# for English). Technical names (encoding, chars, parts) stay as the README and `--json` spell them.

cli-sms-info = { $encoding }: { $chars } ký tự (chars), { $parts } phần tin (parts)
cli-sms-info-unaccented = Không dấu ({ $encoding }: { $chars } ký tự, { $parts } phần tin): { $text }
cli-phone-converted = Lưu ý: { $old } là số cũ 11 chữ số, nay là { $new }
cli-phone-invalid = "{ $number }" không dùng được: { $reason }
cli-locales-line = { $lang }: đã dịch { $translated } / { $total } tin nhắn
cli-import-failed = { $file }: chưa nhập gì.

## loa user: staff accounts of the console and the API.
cli-user-added = Đã tạo tài khoản { $username } (mã số { $id }).
cli-user-password = Mật khẩu: { $password }
cli-user-password-changed = Đã đổi mật khẩu của { $username }; các phiên đăng nhập của tài khoản đã kết thúc.
cli-user-disabled = Đã khóa tài khoản { $username }: không đăng nhập được, phiên đăng nhập và mã truy cập API đều hết hiệu lực.
cli-user-staff-role = { $role } (cán bộ số { $id })
cli-user-state-active = đang hoạt động
cli-user-state-disabled = đã khóa
cli-user-bad-username = Tên đăng nhập dài 3 đến 64 ký tự, gồm chữ cái không dấu, chữ số, dấu chấm, gạch ngang, gạch dưới hoặc @.
cli-user-bad-password = Mật khẩu dài { $min } đến { $max } byte.
cli-user-role-needs-staff = Tài khoản không gắn với cán bộ nào phải có vai trò quản trị (admin) hoặc giám sát (monitor).
cli-user-taken = Tên đăng nhập này đã có người dùng.
cli-user-no-staff = Không có cán bộ này.
cli-user-not-found = Không có tài khoản này.
cli-user-bad-staff-phone = --staff: { $reason }
cli-user-no-staff-phone = --staff: không có cán bộ nào dùng số { $phone }.

## Why a text is not a Vietnamese mobile number (loa phone, imports).
phone-error-empty = chưa nhập số điện thoại.
phone-error-characters = số điện thoại chỉ gồm chữ số, dấu cách, dấu chấm, gạch ngang, ngoặc và dấu + ở đầu; số này có chữ hoặc ký hiệu khác.
phone-error-length = số di động Việt Nam có 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678); số này có { $digits } chữ số.
phone-error-not-vietnamese = đây không phải số Việt Nam; số Việt Nam bắt đầu bằng 0, 84 hoặc +84 (ví dụ 0912345678 hoặc +84912345678).
phone-error-not-mobile = đây là số cố định hoặc số dịch vụ, không phải số di động; chỉ số di động nhận được tin nhắn.
phone-error-invalid = không nhà mạng nào dùng đầu số này; hãy kiểm tra lại các chữ số.
phone-error-sender-id = tên người gửi dài quá 11 ký tự.
